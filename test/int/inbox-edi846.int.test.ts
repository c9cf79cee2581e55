// EDI 846 files as senders write them, dropped through the real inbox (scan, raw store, ingest-file
// job) on a real PostgreSQL: every style of issue 16, several interchanges, files that are not 846s,
// malformed envelopes, and LINs that become dead letters naming their fix and replay once fixed.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { dropIntoInbox, onHandAt } from './helpers/inbox'
import { makeLocation, makeSku, saveRules } from '../support/factories'
import { scanInbox } from '../../server/ingest/inbox/scan-inbox'
import { ingestFile } from '../../server/ingest/inbox/ingest-file'
import { saveSource } from '../../server/sources/save-source'
import { replayIngestDeadLetters } from '../../server/dead-letters/replay-ingest'
import type { Actor } from '../../server/audit/record-audit'

let t: TestDatabase
let db: PrismaClient
let inbox: string
const actor: Actor = { kind: 'user', id: null, label: 'ops@example.com' }
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/edi', name))
const skuIds = new Map<string, string>()

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  await saveRules(db)
  for (const l of ['DC-EAST', 'DC-WEST', '3PL-CENTRAL']) await makeLocation(db, l)
  for (let i = 1; i <= 12; i++) skuIds.set(`W-${i}`, (await makeSku(db, `W-${i}`)).id)
  inbox = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-edi-'))
  await saveSource(db, actor, 'acme-3pl', {
    name: 'Acme 3PL',
    kind: '3pl',
    settings: { edi846: { quantityQualifiers: ['33'], defaultLocation: '3PL-CENTRAL' } },
  })
  await saveSource(db, actor, 'north-wh', { name: 'North WMS', kind: 'wms', settings: {} })
  await saveSource(db, actor, 'acme-new', {
    name: 'Acme, not configured yet',
    kind: '3pl',
    settings: { edi846: { quantityQualifiers: ['33'], defaultLocation: null } },
  })
  await db.skuAlias.createMany({
    data: [
      { scope: 'acme-3pl', alias: 'ACME-A1', skuId: skuIds.get('W-1')! },
      { scope: 'acme-3pl', alias: '012345000028', skuId: skuIds.get('W-2')! },
      { scope: 'acme-new', alias: 'ACME-A1', skuId: skuIds.get('W-1')! },
    ],
  })
  const east = await db.location.findUniqueOrThrow({ where: { code: 'DC-EAST' } })
  const west = await db.location.findUniqueOrThrow({ where: { code: 'DC-WEST' } })
  await db.locationAlias.createMany({
    data: [
      { scope: 'north-wh', alias: 'E01', locationId: east.id },
      { scope: 'north-wh', alias: 'W01', locationId: west.id },
    ],
  })
  await db.unitOfMeasure.createMany({
    data: [
      { skuId: skuIds.get('W-5')!, uom: 'CA', factor: 12 },
      { skuId: skuIds.get('W-7')!, uom: 'CA', factor: 12 },
    ],
  })
})
afterAll(async () => {
  await t?.drop()
  fs.rmSync(inbox, { recursive: true, force: true })
})

const onHand = (sku: string, location: string) => onHandAt(db, sku, location)

/** Drops a file into a source's folder and runs its job; the raw file was stored before any parsing. */
async function drop(source: string, name: string, content: Buffer | string, opts: { maxEdiChars?: number } = {}) {
  const { stored, ...dropped } = await dropIntoInbox(db, inbox, source, name, content, opts)
  expect(stored.status).toBe('received')
  return dropped
}

const letters = (messageId: string) =>
  db.deadLetter.findMany({ where: { inboundMessageId: messageId }, orderBy: { reason: 'asc' } })

describe('846 styles through the inbox', () => {
  it('QTY*33 with no warehouse (the sender is the location), | and } separators, CR LF, BOM; a LIN with an unknown id waits for an alias and replays', async () => {
    const { result, folder, report, messageId } = await drop(
      'acme-3pl',
      'acme.edi',
      fixture('846-qty33-no-location-pipe-brace-crlf-bom.edi'),
    )
    expect(result).toMatchObject({ outcome: 'processed', accepted: 2, duplicates: 0, rejected: 1 })
    expect(folder).toBe('processed')
    // VN ACME-A1 is W-1's alias; the UPC of LIN 2 is W-2's alias: any product id that maps identifies the SKU.
    expect(await onHand('W-1', '3PL-CENTRAL')).toBe(118)
    expect(await onHand('W-2', '3PL-CENTRAL')).toBe(0)
    expect(report).toBe(
      'acme.edi: 1 row(s) rejected; 2 applied, 0 duplicate(s)\n' +
        'segment 13: UNKNOWN_SKU: LIN at segment 13 (VN ACME-A3, UP 012345000035): none of its product ids is a SKU or an alias of source "acme-3pl": add an alias for one of them (ACME-A3, 012345000035).\n',
    )
    // The reason names the fix; the fix made, the dead letter replays and applies.
    const [dl] = await letters(messageId)
    expect(dl).toMatchObject({ code: 'UNKNOWN_SKU', source: 'acme-3pl', sku: '012345000035', status: 'open' })
    await db.skuAlias.create({ data: { scope: 'acme-3pl', alias: '012345000035', skuId: skuIds.get('W-3')! } })
    const replay = await replayIngestDeadLetters(db, [dl.id], actor)
    expect(replay).toMatchObject({
      replayed: [{ id: dl.id, outcome: 'applied' }],
      stillRejected: [],
      notReplayable: [],
    })
    expect(await onHand('W-3', '3PL-CENTRAL')).toBe(45)
  })

  it('SDQ per-location quantities through location aliases, ~ between elements and * as terminator', async () => {
    const { result, report } = await drop('north-wh', 'sdq.edi', fixture('846-sdq-tilde-star.edi'))
    expect(report).toBeNull()
    expect(result).toMatchObject({ outcome: 'processed', accepted: 4, rejected: 0 })
    expect([await onHand('W-4', 'DC-EAST'), await onHand('W-4', 'DC-WEST')]).toEqual([12, 18])
    // SDQ01 says cases: 3 CA and 4 CA at 12 EA each.
    expect([await onHand('W-5', 'DC-EAST'), await onHand('W-5', 'DC-WEST')]).toEqual([36, 48])
  })

  it('SCH naming each warehouse, … (3 bytes) as terminator, pretty-printed; a SCH by date only is not stock', async () => {
    const { result } = await drop('north-wh', 'sch.edi', fixture('846-sch-ellipsis-indented.edi'))
    expect(result).toMatchObject({ outcome: 'processed', accepted: 2, rejected: 0 })
    expect([await onHand('W-6', 'DC-EAST'), await onHand('W-6', 'DC-WEST')]).toEqual([20, 30])
  })

  it('decimal quantities and units, wrapped at 80 columns: converted when whole, else a dead letter naming the unit conversion to add', async () => {
    const { result, report, messageId } = await drop('north-wh', 'dec.edi', fixture('846-decimal-units-wrapped-80.edi'))
    expect(result).toMatchObject({ outcome: 'processed', accepted: 1, rejected: 2 })
    expect(await onHand('W-7', 'DC-EAST')).toBe(30) // 2.5 CA (UIT) x 12
    expect(report).toBe(
      'dec.edi: 2 row(s) rejected; 1 applied, 0 duplicate(s)\n' +
        'segment 10: FRACTIONAL_QUANTITY: LIN at segment 9 (SK W-8) at DC-EAST: quantity 1.5 EA is 1.5 EA, not a whole number of base units of SKU W-8: add a unit conversion that gives whole EA (or make EA a smaller unit), or send whole units.\n' +
        'segment 12: UNKNOWN_UOM: LIN at segment 11 (SK W-9) at DC-EAST: quantity 2.5 LB: SKU W-9 has no unit conversion for LB: add one (1 LB = n EA).\n',
    )
    const dls = await letters(messageId)
    const uom = dls.find((d) => d.code === 'UNKNOWN_UOM')!
    await db.unitOfMeasure.create({ data: { skuId: skuIds.get('W-9')!, uom: 'LB', factor: 4 } })
    expect(await replayIngestDeadLetters(db, [uom.id], actor)).toMatchObject({ replayed: [{ outcome: 'applied' }] })
    expect(await onHand('W-9', 'DC-EAST')).toBe(10)
    // Replaying again changes nothing: the letter is closed and the key applied once.
    expect((await replayIngestDeadLetters(db, [uom.id], actor)).notReplayable).toEqual([
      { id: uom.id, reason: 'already replayed' },
    ])
    expect(await onHand('W-9', 'DC-EAST')).toBe(10)
  })

  it('reads several interchanges, with their own separators, and several transaction sets in one file; a re-drop is all duplicates', async () => {
    const file = fixture('846-two-interchanges.edi')
    const { result } = await drop('north-wh', 'multi.edi', file)
    expect(result).toMatchObject({ outcome: 'processed', accepted: 3, rejected: 0 })
    expect([await onHand('W-10', 'DC-EAST'), await onHand('W-10', 'DC-WEST'), await onHand('W-11', 'DC-EAST')]).toEqual(
      [11, 12, 13],
    )
    const again = await drop('north-wh', 'multi-again.edi', file)
    expect(again.result).toMatchObject({ outcome: 'processed', accepted: 0, duplicates: 3 })
  })

  it('a LIN with no location and no default waits for the default location, and a qualifier the source does not read names the setting', async () => {
    const { result, report, messageId } = await drop(
      'acme-new',
      'first.edi',
      fixture('846-qty33-no-location-pipe-brace-crlf-bom.edi'),
    )
    expect(result).toMatchObject({ outcome: 'failed', accepted: 0, rejected: 3 })
    const fix =
      'the file names no location for it: set edi846.defaultLocation of source "acme-new" (Settings -> Sources) if the sender is the location, or send N1*WH*<name>*92*<location> in the heading or the LIN loop.'
    expect(report).toBe(
      'first.edi: 3 row(s) rejected (none applied)\n' +
        `segment 9: MISSING_LOCATION: LIN at segment 7 (VN ACME-A1, UP 012345000011): ${fix}\n` +
        `segment 12: MISSING_LOCATION: LIN at segment 11 (VN ACME-A2, UP 012345000028): ${fix}\n` +
        `segment 14: MISSING_LOCATION: LIN at segment 13 (VN ACME-A3, UP 012345000035): ${fix}\n`,
    )
    await saveSource(db, actor, 'acme-new', {
      name: 'Acme',
      kind: '3pl',
      settings: { edi846: { quantityQualifiers: ['33'], defaultLocation: 'DC-WEST' } },
    })
    const dl = (await letters(messageId)).filter((d) => d.code === 'MISSING_LOCATION')
    expect(dl).toHaveLength(3)
    const replay = await replayIngestDeadLetters(
      db,
      dl.map((d) => d.id),
      actor,
    )
    // W-1 via its alias applies; the other two now say what still lacks: an alias.
    expect(replay.replayed).toHaveLength(1)
    expect(replay.stillRejected.map((r) => r.code)).toEqual(['UNKNOWN_SKU', 'UNKNOWN_SKU'])
    expect(await onHand('W-1', 'DC-WEST')).toBe(118)

    const other = await drop('north-wh', 'qty33.edi', fixture('846-qty33-no-location-pipe-brace-crlf-bom.edi'))
    expect(other.report).toContain(
      'segment 9: NO_QUANTITY: LIN at segment 7 (VN ACME-A1, UP 012345000011): no QTY with a qualifier source "north-wh" reads (17); the file has 33, QH. Add the qualifier to the source\'s edi846.quantityQualifiers (Settings -> Sources), or send QTY*17.',
    )
  })
})

describe('files refused whole', () => {
  it.each([
    [
      '997-functional-ack.edi',
      'segment 3 (ST): this is a 997 functional acknowledgment (transaction set 997), not an 846 inventory inquiry/advice; nothing from this file is applied.',
    ],
    [
      '856-ship-notice.edi',
      'segment 3 (ST): this is a 856 ship notice/manifest (transaction set 856), not an 846 inventory inquiry/advice; nothing from this file is applied.',
    ],
    [
      '832-price-catalog.edi',
      'segment 3 (ST): this is a 832 price/sales catalog (transaction set 832), not an 846 inventory inquiry/advice; nothing from this file is applied.',
    ],
    [
      '852-product-activity.edi',
      'segment 3 (ST): this is a 852 product activity data (transaction set 852), not an 846 inventory inquiry/advice; nothing from this file is applied.',
    ],
    [
      'ta1-only.edi',
      'segment 1 (ISA): interchange 000000305 holds only a TA1 interchange acknowledgment, not an 846 inventory inquiry/advice; nothing is applied.',
    ],
    [
      '846-bad-se-count.edi',
      'malformed envelope: SEGMENT_COUNT_MISMATCH: segment 8 (SE): SE01 says 7 segments but transaction set 0001 has 6 (ST to SE inclusive); the file may be truncated or edited.',
    ],
  ])('%s goes to failed/ with its reason, nothing applied', async (name, reason) => {
    const ledgerBefore = await db.ledgerEvent.count()
    const { result, folder, report, messageId } = await drop('north-wh', name, fixture(name))
    expect(result).toMatchObject({ outcome: 'failed', error: `${name}: ${reason}` })
    expect(folder).toBe('failed')
    expect(report).toBe(`${name}: ${reason}\nNothing from this file was applied.\n`)
    expect(await db.ledgerEvent.count()).toBe(ledgerBefore)
    expect(await letters(messageId)).toMatchObject([{ code: 'FILE_REFUSED', reason: `${name}: ${reason}` }])
  })

  it('refuses a binary file (NUL bytes) at once, without holding up the other files', async () => {
    fs.mkdirSync(path.join(inbox, 'north-wh'), { recursive: true })
    fs.writeFileSync(
      path.join(inbox, 'north-wh', 'binary.edi'),
      Buffer.from([0x49, 0x53, 0x41, 0x00, 0x01, 0x02, 0x7e]),
    )
    fs.mkdirSync(path.join(inbox, 'acme-3pl'), { recursive: true })
    fs.writeFileSync(path.join(inbox, 'acme-3pl', 'after-binary.edi'), fixture('846-two-interchanges.edi'))
    const scan = await scanInbox(db, inbox, { minAgeMs: 0 })
    expect(scan.claimed.sort()).toEqual(['acme-3pl/after-binary.edi', 'north-wh/binary.edi'])
    const reason =
      'binary.edi: the file holds a NUL byte or an invalid UTF-8 sequence PostgreSQL cannot store as text (a binary or corrupted file?); send text (CSV, NDJSON or X12).'
    expect(fs.readFileSync(path.join(inbox, 'north-wh', 'failed', 'binary.edi.error.txt'), 'utf8')).toBe(
      `${reason}\nNothing from this file was applied.\n`,
    )
    expect(await db.deadLetter.findFirst({ where: { source: 'north-wh', reason } })).toMatchObject({
      code: 'FILE_REFUSED',
    })
    // Only the readable file has a job; the next scan does not retry the binary one.
    const jobs = await db.$queryRawUnsafe<Array<{ payload: { source: string; messageId: string } }>>(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'ingest-file'`,
    )
    expect(jobs.map((j) => j.payload.source)).toEqual(['acme-3pl'])
    await db.$executeRawUnsafe(
      `DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'ingest-file')`,
    )
    expect(await ingestFile(db, jobs[0].payload.messageId, { inboxDir: inbox })).toMatchObject({
      kind: 'events',
      rejected: 3,
    })
    expect((await scanInbox(db, inbox, { minAgeMs: 0, orphanAfterMs: 0 })).recovered).toEqual([])
  })

  it('refuses a file over the EDI size cap whole, read as a stream up to the cap', async () => {
    const { result, folder } = await drop('north-wh', 'huge.edi', fixture('846-two-interchanges.edi'), {
      maxEdiChars: 500,
    })
    expect(folder).toBe('failed')
    expect(result.error).toBe(
      'huge.edi: segment 1: the file is larger than 500 characters (the EDI size cap) by here; split it into several files.',
    )
  })

  it('refuses a file whose envelope breaks after an intact transaction set: nothing of it applies', async () => {
    const good = fixture('846-two-interchanges.edi').toString('utf8')
    const broken = good
      .replace('IEA|1|000000206', 'IEA|2|000000206')
      .replaceAll('W-10', 'W-12')
      .replaceAll('W-11', 'W-12')
    const { result } = await drop('north-wh', 'broken.edi', broken)
    expect(result).toMatchObject({
      outcome: 'failed',
      error:
        'broken.edi: malformed envelope: GROUP_COUNT_MISMATCH: segment 29 (IEA): IEA01 says 2 group(s) but the interchange holds 1.',
    })
    expect(await onHand('W-12', 'DC-EAST')).toBeNull()
  })
})
