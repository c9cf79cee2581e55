// The file inbox end to end on real parts (files on disk, real PostgreSQL): a dropped file is
// claimed, stored raw, ingested through the API's use case, and moved to processed/ or failed/
// with an .error.txt naming each rejected line. A file is never half-applied.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createDemoTestDatabase, type TestDatabase } from './helpers/test-db'
import { dropIntoInbox, onHandAt } from './helpers/inbox'
import { scanInbox } from '../../server/ingest/inbox/scan-inbox'
import { ingestFile } from '../../server/ingest/inbox/ingest-file'

let t: TestDatabase
let db: PrismaClient
let inbox: string
const SOURCE = 'erp-files'

beforeAll(async () => {
  t = await createDemoTestDatabase({ skuCount: 20 })
  db = t.db
  inbox = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-inbox-'))
  fs.mkdirSync(path.join(inbox, SOURCE))
})
afterAll(async () => {
  await t?.drop()
  fs.rmSync(inbox, { recursive: true, force: true })
})

const onHand = async (sku: string, location: string) => (await onHandAt(db, sku, location)) ?? 0

/** Drops a file, lets the scanner claim it, and runs the queued job the way a worker would. */
async function drop(name: string, content: string) {
  const { messageId, stored, result } = await dropIntoInbox(db, inbox, SOURCE, name, content)
  // Stored raw before parsing.
  expect(stored.status).toBe('received')
  expect(stored.fileName).toBe(name)
  return { messageId, result }
}

const dir = (sub: string) => fs.readdirSync(path.join(inbox, SOURCE, sub)).sort()

describe('file inbox', () => {
  it('applies a CSV events file, rejects its bad rows alone and says which lines', async () => {
    const before = await onHand('SKU-00001', 'DC-EAST')
    const csv = [
      'idempotency_key,type,sku,location,quantity,occurred_at,reference',
      'f1-1,receipt,SKU-00001,DC-EAST,10,2026-11-22T10:00:00Z,"PO-1, dock 3"',
      'f1-2,receipt,NOPE,DC-EAST,5,2026-11-22T10:00:00Z,',
      'f1-3,adjustment,SKU-00001,DC-EAST,-3,2026-11-22T10:01:00Z,',
      'f1-4,receipt,SKU-00001,DC-EAST,0,2026-11-22T10:01:00Z,',
    ].join('\n')
    const { result } = await drop('moves-1.csv', csv)
    expect(result).toMatchObject({ outcome: 'processed', kind: 'events', accepted: 2, duplicates: 0, rejected: 2 })
    expect(await onHand('SKU-00001', 'DC-EAST')).toBe(before + 7)
    expect(dir('processed')).toEqual(['moves-1.csv', 'moves-1.csv.error.txt'])
    const report = fs.readFileSync(path.join(inbox, SOURCE, 'processed', 'moves-1.csv.error.txt'), 'utf8')
    expect(report).toMatch(/line 3: .*UNKNOWN_SKU/)
    expect(report).toMatch(/line 5: .*INVALID_QUANTITY/)
    expect(fs.readdirSync(path.join(inbox, SOURCE, '.received'))).toEqual([])
  })

  it('counts a re-dropped file as duplicates; the file and the API share one key space', async () => {
    const before = await onHand('SKU-00001', 'DC-EAST')
    const { result } = await drop(
      'moves-1.csv',
      'idempotency_key,type,sku,location,quantity,occurred_at\nf1-1,receipt,SKU-00001,DC-EAST,10,2026-11-22T10:00:00Z\n',
    )
    expect(result).toMatchObject({ outcome: 'processed', accepted: 0, duplicates: 1, rejected: 0 })
    expect(await onHand('SKU-00001', 'DC-EAST')).toBe(before)
    // An earlier file of the same name is never overwritten.
    expect(dir('processed').filter((f) => f.endsWith('moves-1.csv'))).toHaveLength(2)
  })

  it('refuses an unreadable file whole: nothing applied, failed/ with the reason', async () => {
    const before = await onHand('SKU-00002', 'DC-EAST')
    const { result } = await drop(
      'broken.csv',
      'idempotency_key,type,sku,location,quantity\nb-1,receipt,SKU-00002,DC-EAST,4\n',
    )
    expect(result.outcome).toBe('failed')
    expect(await onHand('SKU-00002', 'DC-EAST')).toBe(before)
    expect(dir('failed')).toContain('broken.csv')
    expect(fs.readFileSync(path.join(inbox, SOURCE, 'failed', 'broken.csv.error.txt'), 'utf8')).toMatch(
      /occurred_at[\s\S]*Nothing from this file was applied/,
    )
    const dead = await db.deadLetter.findFirst({ where: { code: 'FILE_REFUSED', source: SOURCE } })
    expect(dead?.reason).toContain('broken.csv')
  })

  it('is all or nothing: a database failure mid-file leaves nothing applied and the job retries', async () => {
    const before = await onHand('SKU-00003', 'DC-EAST')
    const rows = ['idempotency_key,type,sku,location,quantity,occurred_at']
    for (let i = 0; i < 12_000; i++) rows.push(`aon-${i},receipt,SKU-00003,DC-EAST,1,2026-11-22T11:00:00Z`)
    fs.writeFileSync(path.join(inbox, SOURCE, 'big.csv'), rows.join('\n'))
    await scanInbox(db, inbox, { minAgeMs: 0 })
    const [{ payload }] = await db.$queryRawUnsafe<Array<{ payload: { messageId: string } }>>(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'ingest-file'`,
    )
    await db.$executeRawUnsafe(
      `DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'ingest-file')`,
    )
    // A trigger fails the third batch of 5,000 (rows 10,001+): the first two were already written in the same transaction.
    await db.$executeRawUnsafe(
      `CREATE FUNCTION fail_aon() RETURNS trigger AS $$ BEGIN IF NEW."idempotencyKey" = 'aon-10500' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    )
    await db.$executeRawUnsafe(
      `CREATE TRIGGER fail_aon BEFORE INSERT ON "LedgerEvent" FOR EACH ROW EXECUTE FUNCTION fail_aon()`,
    )
    await expect(ingestFile(db, payload.messageId, { inboxDir: inbox })).rejects.toThrow(/disk full/)
    expect(await onHand('SKU-00003', 'DC-EAST')).toBe(before)
    expect(await db.ledgerEvent.count({ where: { source: SOURCE, idempotencyKey: { startsWith: 'aon-' } } })).toBe(0)
    expect(fs.readdirSync(path.join(inbox, SOURCE, '.received')).some((f) => f.endsWith('__big.csv'))).toBe(true)
    await db.$executeRawUnsafe(`DROP TRIGGER fail_aon ON "LedgerEvent"`)
    const retry = await ingestFile(db, payload.messageId, { inboxDir: inbox })
    expect(retry).toMatchObject({ outcome: 'processed', accepted: 12_000, rejected: 0 })
    expect(await onHand('SKU-00003', 'DC-EAST')).toBe(before + 12_000)
  })

  it('applies an NDJSON file with a broken line rejected alone', async () => {
    const before = await onHand('SKU-00004', 'DC-WEST')
    const lines = [
      JSON.stringify({
        idempotencyKey: 'nd-1',
        type: 'receipt',
        sku: 'SKU-00004',
        location: 'DC-WEST',
        quantity: 6,
        occurredAt: '2026-11-22T12:00:00Z',
      }),
      '{"idempotencyKey": "nd-2", "type": ',
      JSON.stringify({
        idempotencyKey: 'nd-3',
        type: 'damage',
        sku: 'SKU-00004',
        location: 'DC-WEST',
        quantity: 1,
        occurredAt: '2026-11-22T12:00:00Z',
      }),
    ]
    const { result } = await drop('moves.ndjson', lines.join('\n') + '\n')
    expect(result).toMatchObject({ outcome: 'processed', accepted: 2, rejected: 1 })
    expect(await onHand('SKU-00004', 'DC-WEST')).toBe(before + 6)
    expect(fs.readFileSync(path.join(inbox, SOURCE, 'processed', 'moves.ndjson.error.txt'), 'utf8')).toMatch(/line 2/)
  })

  it('maps an EDI 846 to counts per location, and a re-sent interchange is a duplicate', async () => {
    // Dated after the demo's opening counts, so the counts are not stale.
    const d = new Date(Date.now() + 86_400_000).toISOString()
    const ymd = d.slice(0, 10).replace(/-/g, '')
    const edi = [
      'ISA*00*          *00*          *ZZ*ACME3PL        *ZZ*STOCKTOWER     *261122*0615*U*00401*000004521*0*P*>~',
      'GS*IB*ACME3PL*STOCKTOWER*20261122*0615*4521*X*004010~',
      'ST*846*0001~',
      `BIA*00*MM*INV-20261122-01*${ymd}*0600~`,
      `DTM*405*${ymd}*0600~`,
      'LIN*1*SK*SKU-00005~',
      'N1*WH*Dallas DC*92*DC-EAST~',
      'QTY*17*140*EA~',
      'N1*WH*Reno DC*92*DC-WEST~',
      'QTY*17*36*EA~',
      'LIN*2*SK*SKU-99999~',
      'N1*WH*Dallas DC*92*DC-EAST~',
      'QTY*17*3*EA~',
      'CTT*2~',
      'SE*13*0001~',
      'GE*1*4521~',
      'IEA*1*000004521~',
    ].join('\n')
    const { result } = await drop('advice.edi', edi)
    expect(result).toMatchObject({ outcome: 'processed', accepted: 2, rejected: 1 })
    expect(await onHand('SKU-00005', 'DC-EAST')).toBe(140)
    expect(await onHand('SKU-00005', 'DC-WEST')).toBe(36)
    expect(fs.readFileSync(path.join(inbox, SOURCE, 'processed', 'advice.edi.error.txt'), 'utf8')).toBe(
      'advice.edi: 1 row(s) rejected; 2 applied, 0 duplicate(s)\nsegment 11: UNKNOWN_SKU: LIN at segment 11 (SK SKU-99999) at DC-EAST: none of its product ids is a SKU or an alias of source "erp-files": add an alias for one of them (SKU-99999).\n',
    )
    const again = await drop('advice-resent.edi', edi)
    expect(again.result).toMatchObject({ accepted: 0, duplicates: 2 })
  })

  it('routes a snapshot file to reconciliation (partial by file name)', async () => {
    const oh = await onHand('SKU-00006', 'DC-EAST')
    const { result } = await drop('stock.partial.csv', `sku,location,on_hand\nSKU-00006,DC-EAST,${oh + 2}\n`)
    expect(result).toMatchObject({ outcome: 'processed', kind: 'snapshot' })
    const snap = await db.snapshot.findUniqueOrThrow({ where: { id: result.snapshotId! } })
    expect(snap).toMatchObject({ status: 'completed', mode: 'partial', findings: 1 })
  })

  it('leaves a file alone while it may still be written, and refuses unknown types', async () => {
    fs.writeFileSync(path.join(inbox, SOURCE, 'half-written.csv'), 'idempotency_key,type')
    expect((await scanInbox(db, inbox, { minAgeMs: 60_000 })).claimed).toEqual([])
    fs.rmSync(path.join(inbox, SOURCE, 'half-written.csv'))
    const { result } = await drop('notes.txt', 'hello')
    expect(result.outcome).toBe('failed')
    expect(fs.readFileSync(path.join(inbox, SOURCE, 'failed', 'notes.txt.error.txt'), 'utf8')).toMatch(
      /unsupported file type/,
    )
  })
})
