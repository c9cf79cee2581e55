// Snapshots from a system of record: streamed in, stored raw in chunks, compared with positions;
// findings per differing field; full vs partial; bad rows kept as dead letters naming their line.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { processSnapshot } from '../../server/reconciliation/process-snapshot'
import { receiveSnapshot, snapshotFormat, snapshotMode } from '../../server/reconciliation/receive-snapshot'
import { getSnapshot, listSnapshots } from '../../server/reconciliation/snapshot-reads'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { applySnapshotCorrections } from '../../server/reconciliation/apply-corrections'

let db: PrismaClient

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 30 } },
)

async function onHand(sku: string, location: string): Promise<number> {
  const [r] = await db.$queryRawUnsafe<Array<{ onHand: number }>>(
    `SELECT p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = $1 AND l.code = $2`,
    sku,
    location,
  )
  return r?.onHand ?? 0
}

function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size))
}

async function run(
  body: string,
  format: 'csv' | 'ndjson',
  mode: 'full' | 'partial' = 'full',
  extra: { asOf?: Date; autoCorrectUnits?: number } = {},
) {
  const { snapshotId } = await receiveSnapshot(db, {
    source: 'erp-demo',
    mode,
    format,
    body: chunks(body, 7),
    ...extra,
  })
  const progress: number[] = []
  await processSnapshot(db, snapshotId, { onProgress: (n) => progress.push(n) })
  return { snapshotId, progress, view: await getSnapshot(db, snapshotId, { limit: 200 }) }
}

describe('snapshots', () => {
  it('partial: reports only differing fields of the rows given, with variance = expected - actual', async () => {
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'snap-q-1',
            type: 'quarantine',
            sku: 'SKU-00002',
            location: 'DC-EAST',
            quantity: 1,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    const a = await onHand('SKU-00001', 'DC-EAST')
    const b = await onHand('SKU-00002', 'DC-EAST')
    const csv = `sku,location,on_hand,quarantined\nSKU-00001,DC-EAST,${a + 5},\nSKU-00002,DC-EAST,${b},0\n`
    const { view } = await run(csv, 'csv', 'partial')
    expect(view.status).toBe('completed')
    expect(view.rows).toBe(2)
    expect(view.processedRows).toBe(2)
    expect(view.findings).toEqual([
      { sku: 'SKU-00001', location: 'DC-EAST', field: 'onHand', expected: a + 5, actual: a, variance: 5 },
      { sku: 'SKU-00002', location: 'DC-EAST', field: 'quarantined', expected: 0, actual: 1, variance: -1 },
    ])
  })

  it('full: a position the snapshot leaves out at a location it covers is expected to be zero', async () => {
    const skus = await db.sku.findMany({
      where: { code: { startsWith: 'SKU-' } },
      select: { code: true },
      orderBy: { code: 'asc' },
    })
    const lines: string[] = []
    for (const s of skus.slice(1))
      lines.push(JSON.stringify({ sku: s.code, location: 'DC-WEST', on_hand: await onHand(s.code, 'DC-WEST') }))
    const missing = skus[0].code
    const { view } = await run(lines.join('\n') + '\n', 'ndjson', 'full')
    const expected = await onHand(missing, 'DC-WEST')
    expect(view.findings).toEqual(
      expected === 0
        ? []
        : [{ sku: missing, location: 'DC-WEST', field: 'onHand', expected: 0, actual: expected, variance: -expected }],
    )
  })

  it('keeps bad rows as dead letters naming their line and compares the rest', async () => {
    const a = await onHand('SKU-00003', 'DC-EAST')
    const csv = `sku,location,on_hand\nSKU-00003,DC-EAST,${a}\nNOPE-1,DC-EAST,4\nSKU-00003,MOON,4\nSKU-00004,DC-EAST,-2\n`
    const { snapshotId, view } = await run(csv, 'csv', 'partial')
    expect(view.status).toBe('completed')
    expect(view.rejectedRows).toBe(3)
    expect(view.findings).toEqual([])
    const snap = await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } })
    const dead = await db.deadLetter.findMany({
      where: { inboundMessageId: snap.messageId },
      orderBy: { reason: 'asc' },
    })
    expect(dead.map((d) => d.code).sort()).toEqual(['INVALID_QUANTITY', 'UNKNOWN_LOCATION', 'UNKNOWN_SKU'])
    expect(dead.find((d) => d.code === 'UNKNOWN_SKU')!.reason).toContain('line 3')
  })

  it('fails clearly on an unreadable file and on a wrong media type', async () => {
    const { view } = await run('sku,location\nSKU-00001,DC-EAST\n', 'csv')
    expect(view.status).toBe('failed')
    expect(view.error).toMatch(/on_hand/)
    expect(() => snapshotFormat('application/json')).toThrow(/text\/csv or application\/x-ndjson/)
    expect(snapshotFormat('text/csv; charset=utf-8')).toBe('csv')
    expect(() => snapshotMode('most')).toThrow(/full or partial/)
  })

  it('streams a large upload through several raw chunks and pages its findings', async () => {
    // 60,000 rows (about 1.5 MiB: more than one stored chunk), every one off by one.
    const rows = 60_000
    const body = (function* () {
      yield 'sku,location,on_hand\n'
      for (let i = 0; i < rows; i++) yield `SKU-${String((i % 30) + 1).padStart(5, '0')},DC-EAST,${1_000_000 + i}\n`
    })()
    const { snapshotId } = await receiveSnapshot(db, { source: 'erp-demo', mode: 'partial', format: 'csv', body })
    const msg = await db.inboundMessage.findFirstOrThrow({
      where: { id: (await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } })).messageId! },
    })
    expect(msg.chunks).toBeGreaterThan(1)
    const progress: number[] = []
    await processSnapshot(db, snapshotId, { onProgress: (n) => progress.push(n) })
    expect(progress.length).toBeGreaterThan(5)
    expect(progress[progress.length - 1]).toBe(rows)
    // The last line for a SKU x location wins: 30 findings, paged 20 + 10.
    const first = await getSnapshot(db, snapshotId, { limit: 20 })
    expect(first.rows).toBe(rows)
    expect(first.findings).toHaveLength(20)
    const second = await getSnapshot(db, snapshotId, { limit: 20, cursor: first.nextCursor })
    expect(second.findings).toHaveLength(10)
    expect(second.nextCursor).toBeNull()
    expect(new Set([...first.findings, ...second.findings].map((f) => f.sku)).size).toBe(30)
  })

  it('compares as of the snapshot time: movements after it are taken out, a later count is not compared', async () => {
    // The ERP took its snapshot now (after the demo's opening counts); two movements follow it.
    const asOf = new Date()
    const a = await onHand('SKU-00007', 'DC-EAST')
    const b = await onHand('SKU-00008', 'DC-EAST')
    const later = new Date(asOf.getTime() + 1000).toISOString()
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'asof-r1',
            type: 'receipt',
            sku: 'SKU-00007',
            location: 'DC-EAST',
            quantity: 5,
            occurredAt: later,
          },
          {
            idempotencyKey: 'asof-c1',
            type: 'count',
            sku: 'SKU-00008',
            location: 'DC-EAST',
            quantity: b + 9,
            occurredAt: later,
          },
        ],
      }),
    })
    // The ERP counted before those movements: a + 0 and b are right as of asOf.
    const { view } = await run(
      `sku,location,on_hand\nSKU-00007,DC-EAST,${a}\nSKU-00008,DC-EAST,${b}\n`,
      'csv',
      'partial',
      { asOf },
    )
    expect(view.findings).toEqual([])
    expect(view.asOf).toBe(asOf.toISOString())
    // Off by 3 at snapshot time, even with the later receipt.
    const { view: off } = await run(`sku,location,on_hand\nSKU-00007,DC-EAST,${a + 3}\n`, 'csv', 'partial', { asOf })
    expect(off.findings).toEqual([
      { sku: 'SKU-00007', location: 'DC-EAST', field: 'onHand', expected: a + 3, actual: a, variance: 3 },
    ])
  })

  it('corrects small variances at once under the policy, leaves larger ones to a person, never twice', async () => {
    const a = await onHand('SKU-00011', 'DC-WEST')
    const b = await onHand('SKU-00012', 'DC-WEST')
    const { snapshotId, view } = await run(
      `sku,location,on_hand\nSKU-00011,DC-WEST,${a + 2}\nSKU-00012,DC-WEST,${b + 10}\n`,
      'csv',
      'partial',
      { autoCorrectUnits: 3 },
    )
    expect(view.corrected).toBe(1)
    expect(await onHand('SKU-00011', 'DC-WEST')).toBe(a + 2)
    expect(await onHand('SKU-00012', 'DC-WEST')).toBe(b)
    const findings = await db.finding.findMany({ where: { snapshotId }, orderBy: { sku: 'asc' } })
    expect(findings.map((f) => [f.sku, f.status])).toEqual([
      ['SKU-00011', 'resolved'],
      ['SKU-00012', 'open'],
    ])
    // A person approves the larger one; it lands through the ledger as a count, once.
    const actor = { kind: 'user' as const, id: null, label: 'analyst@example.com' }
    const r = await applySnapshotCorrections(db, [findings[1].id], actor)
    expect(r.corrected).toEqual([{ findingId: findings[1].id, event: `count ${b + 10}` }])
    expect(await onHand('SKU-00012', 'DC-WEST')).toBe(b + 10)
    const again = await applySnapshotCorrections(db, [findings[1].id], actor)
    expect(again.skipped).toEqual([{ findingId: findings[1].id, reason: 'already resolved' }])
    expect(
      await db.ledgerEvent.count({ where: { source: 'reconciliation', reference: `snapshot ${snapshotId}` } }),
    ).toBe(2)
  })

  it('lists every snapshot newest first with its progress, a page at a time', async () => {
    const total = await db.snapshot.count()
    expect(total).toBeGreaterThanOrEqual(5)
    const seen: string[] = []
    let cursor: string | null = null
    for (;;) {
      const page = await listSnapshots(db, { cursor, limit: 2 })
      seen.push(...page.items.map((x) => x.snapshotId))
      for (const x of page.items) if (x.status === 'completed') expect(x.processedRows).toBe(x.rows)
      if (!page.nextCursor) break
      cursor = page.nextCursor
    }
    expect(new Set(seen).size).toBe(total)
    const newest = await db.snapshot.findFirstOrThrow({ orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] })
    const first = (await listSnapshots(db, { limit: 1 })).items[0]
    expect(first).toMatchObject({
      snapshotId: newest.id,
      status: newest.status,
      processedRows: newest.processedRows,
      findingsCount: newest.findings,
    })
  })
})
