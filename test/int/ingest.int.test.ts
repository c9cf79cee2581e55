import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { useTestDatabase } from './helpers/test-db'
import { makeLocation, makeSku, receipt, saveRules } from '../support/factories'

let db: PrismaClient
useTestDatabase(async (created) => {
  db = created
  await saveRules(db)
  await makeLocation(db, 'DC-EAST')
  await makeLocation(db, 'DC-WEST')
  const a = await makeSku(db, 'SKU-A')
  await makeSku(db, 'SKU-B')
  await db.unitOfMeasure.create({ data: { skuId: a.id, uom: 'CASE', factor: 12 } })
  await db.skuAlias.create({ data: { scope: 'erp-x', alias: 'ERP-A', skuId: a.id } })
})

const body = (source: string, events: unknown[]) => JSON.stringify({ source, events })
async function position(sku: string, location: string) {
  return db.position.findFirst({ where: { sku: { code: sku }, location: { code: location } } })
}

describe('POST /api/v1/events use case', () => {
  it('applies a batch before answering, and the same batch twice changes positions once', async () => {
    const events = [receipt('k-1', 'SKU-A', 'DC-EAST', 40), { ...receipt('k-2', 'SKU-A', 'DC-EAST', 5), type: 'ship' }]
    const first = await ingestEvents(db, { body: body('erp-1', events) })
    expect(first).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] })
    expect((await position('SKU-A', 'DC-EAST'))?.onHand).toBe(35)
    const again = await ingestEvents(db, { body: body('erp-1', events) })
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: [] })
    expect((await position('SKU-A', 'DC-EAST'))?.onHand).toBe(35)
    // The same key under another source is another event.
    const other = await ingestEvents(db, { body: body('erp-2', [events[0]]) })
    expect(other.accepted).toBe(1)
    expect((await position('SKU-A', 'DC-EAST'))?.onHand).toBe(75)
  })

  it('stores the raw message before parsing and links every event to it', async () => {
    const r = await ingestEvents(db, { body: body('erp-1', [receipt('raw-1', 'SKU-B', 'DC-WEST', 3)]) })
    const msg = await db.inboundMessage.findUniqueOrThrow({ where: { id: r.inboundMessageId } })
    expect(msg.body).toContain('raw-1')
    expect(msg.status).toBe('processed')
    const ev = await db.ledgerEvent.findFirstOrThrow({ where: { source: 'erp-1', idempotencyKey: 'raw-1' } })
    expect(ev.inboundMessageId).toBe(r.inboundMessageId)
    expect(ev.receivedAt).toBeInstanceOf(Date)
    expect(ev.appliedAt.getTime()).toBeGreaterThanOrEqual(ev.receivedAt.getTime())
  })

  it('rejects bad events alone, keeps each as a dead letter, and applies the rest', async () => {
    const events = [
      receipt('bad-ok', 'SKU-B', 'DC-EAST', 2),
      receipt('bad-sku', 'SKU-NOPE', 'DC-EAST', 2),
      receipt('bad-loc', 'SKU-B', 'MOON', 2),
      receipt('bad-uom', 'SKU-B', 'DC-EAST', 2, { uom: 'PALLET' }),
      { ...receipt('bad-type', 'SKU-B', 'DC-EAST', 2), type: 'teleport' },
      receipt('bad-zero', 'SKU-B', 'DC-EAST', 0),
    ]
    const r = await ingestEvents(db, { body: body('erp-1', events) })
    expect(r.accepted).toBe(1)
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
      [1, 'UNKNOWN_SKU'],
      [2, 'UNKNOWN_LOCATION'],
      [3, 'UNKNOWN_UOM'],
      [4, 'UNKNOWN_TYPE'],
      [5, 'INVALID_QUANTITY'],
    ])
    const dls = await db.deadLetter.findMany({
      where: { inboundMessageId: r.inboundMessageId },
      orderBy: { code: 'asc' },
    })
    expect(dls).toHaveLength(5)
    expect(dls.every((d) => d.kind === 'ingest' && d.status === 'open' && d.reason.length > 10)).toBe(true)
  })

  it('maps aliases and units of measure to base units', async () => {
    await ingestEvents(db, { body: body('erp-x', [receipt('case-1', 'ERP-A', 'DC-WEST', 2, { uom: 'CASE' })]) })
    expect((await position('SKU-A', 'DC-WEST'))?.onHand).toBe(24)
  })

  it('rejects an unusable body as a whole with a message naming the problem', async () => {
    await expect(ingestEvents(db, { body: '{not json' })).rejects.toMatchObject({ status: 400, code: 'INVALID_JSON' })
    await expect(ingestEvents(db, { body: JSON.stringify({ events: [] }) })).rejects.toMatchObject({
      status: 400,
      code: 'MISSING_SOURCE',
    })
    await expect(ingestEvents(db, { body: JSON.stringify({ source: 'x' }) })).rejects.toMatchObject({
      status: 400,
      code: 'MISSING_EVENTS',
    })
    const big = JSON.stringify({
      source: 'x',
      events: Array.from({ length: 5001 }, (_, i) => receipt(`b${i}`, 'SKU-A', 'DC-EAST', 1)),
    })
    await expect(ingestEvents(db, { body: big })).rejects.toMatchObject({ status: 413 })
    // Even an unusable body is kept.
    expect(await db.inboundMessage.count({ where: { body: '{not json' } })).toBe(1)
  })

  it('applies a stale count as recorded but not moving on hand', async () => {
    await ingestEvents(db, {
      body: body('erp-1', [{ ...receipt('c-1', 'SKU-B', 'DC-WEST', 10, { sourceSeq: 100 }), type: 'count' }]),
    })
    const r = await ingestEvents(db, {
      body: body('erp-1', [{ ...receipt('c-0', 'SKU-B', 'DC-WEST', 99, { sourceSeq: 99 }), type: 'count' }]),
    })
    expect(r.accepted).toBe(1)
    expect((await position('SKU-B', 'DC-WEST'))?.onHand).toBe(10)
    expect((await db.ledgerEvent.findFirstOrThrow({ where: { idempotencyKey: 'c-0' } })).outcome).toBe('stale')
  })

  it('raises an exception instead of clamping a negative result', async () => {
    await ingestEvents(db, { body: body('erp-1', [{ ...receipt('neg-1', 'SKU-B', 'DC-EAST', 500), type: 'ship' }]) })
    expect((await position('SKU-B', 'DC-EAST'))!.onHand).toBeLessThan(0)
    expect(
      await db.finding.count({
        where: { kind: 'exception', sku: 'SKU-B', location: 'DC-EAST', field: 'onHand', status: 'open' },
      }),
    ).toBe(1)
    // Another negative event keeps the one open finding; a receipt that brings it back resolves it.
    await ingestEvents(db, { body: body('erp-1', [{ ...receipt('neg-2', 'SKU-B', 'DC-EAST', 1), type: 'ship' }]) })
    expect(
      await db.finding.count({
        where: { kind: 'exception', sku: 'SKU-B', location: 'DC-EAST', field: 'onHand', status: 'open' },
      }),
    ).toBe(1)
    const short = -(await position('SKU-B', 'DC-EAST'))!.onHand
    await ingestEvents(db, { body: body('erp-1', [receipt('neg-fix', 'SKU-B', 'DC-EAST', short + 10)]) })
    const f = await db.finding.findFirstOrThrow({
      where: { kind: 'exception', sku: 'SKU-B', location: 'DC-EAST', field: 'onHand' },
    })
    expect(f.status).toBe('resolved')
    expect(f.note).toMatch(/back in range after ledger event \d+/)
  })

  it('under concurrent senders of overlapping batches, every key applies exactly once', async () => {
    const before = (await position('SKU-A', 'DC-EAST'))!.onHand
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) =>
        receipt(`conc-${(b * 25 + i) % 200}`, i % 2 ? 'SKU-A' : 'SKU-B', i % 3 ? 'DC-EAST' : 'DC-WEST', 1),
      ),
    )
    const results = await Promise.all(batches.map((events) => ingestEvents(db, { body: body('erp-c', events) })))
    const accepted = results.reduce((s, r) => s + r.accepted, 0)
    const uniqueKeys = new Set(batches.flat().map((e) => e.idempotencyKey)).size
    expect(accepted).toBe(uniqueKeys)
    expect(results.reduce((s, r) => s + r.accepted + r.duplicates, 0)).toBe(300)
    expect(await db.ledgerEvent.count({ where: { source: 'erp-c' } })).toBe(uniqueKeys)
    const rows = await db.ledgerEvent.findMany({
      where: { source: 'erp-c' },
      select: { skuId: true, locationId: true, quantity: true },
    })
    const skuA = await db.sku.findUniqueOrThrow({ where: { code: 'SKU-A' } })
    const east = await db.location.findUniqueOrThrow({ where: { code: 'DC-EAST' } })
    const expectedDelta = rows
      .filter((r) => r.skuId === skuA.id && r.locationId === east.id)
      .reduce((s, r) => s + r.quantity, 0)
    expect((await position('SKU-A', 'DC-EAST'))!.onHand).toBe(before + expectedDelta)
  })

  it('marks touched SKUs dirty and enqueues one recompute job in the same transaction', async () => {
    const dirty = await db.availabilityDirty.count()
    expect(dirty).toBeGreaterThan(0)
    const jobs = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM graphile_worker.jobs WHERE task_identifier = 'recompute-availability'`,
    )
    expect(Number(jobs[0].n)).toBe(1)
  })
})
