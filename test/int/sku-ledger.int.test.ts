// The SKU page's ledger: newest first a page at a time, each event with its provenance times and
// the stored message it arrived in, readable exactly as it was sent.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getSkuDetail, listSkuEvents } from '../../server/availability/get-sku-detail'
import { getRawMessageMeta, readRaw } from '../../server/ingest/raw-store'

let db: PrismaClient

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 5 } },
)

describe('SKU ledger', () => {
  it('pages newest first and links each event to its raw message', async () => {
    const bodies: string[] = []
    for (let i = 0; i < 7; i++) {
      const body = JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `ledger-${i}`,
            type: 'receipt',
            sku: 'SKU-00003',
            location: 'DC-EAST',
            quantity: i + 1,
            occurredAt: new Date(Date.now() - 60_000).toISOString(),
            reference: `PO-${i}`,
          },
        ],
      })
      bodies.push(body)
      expect((await ingestEvents(db, { body })).accepted).toBe(1)
    }
    const all = await listSkuEvents(db, 'SKU-00003', { limit: 200 })
    const seeded = all.items.length - 7
    const first = await listSkuEvents(db, 'SKU-00003', { limit: 3 })
    expect(first.items.map((e) => e.reference)).toEqual(['PO-6', 'PO-5', 'PO-4'])
    const second = await listSkuEvents(db, 'SKU-00003', { limit: 3, before: first.before })
    expect(second.items.map((e) => e.reference)).toEqual(['PO-3', 'PO-2', 'PO-1'])
    const rest = await listSkuEvents(db, 'SKU-00003', { limit: 200, before: second.before })
    expect(rest.items).toHaveLength(1 + seeded)
    expect(rest.before).toBeNull()

    const e = first.items[0]
    expect(e).toMatchObject({
      type: 'receipt',
      location: 'DC-EAST',
      quantity: 7,
      source: 'erp-demo',
      idempotencyKey: 'ledger-6',
    })
    expect(Date.parse(e.receivedAt) - Date.parse(e.occurredAt)).toBeGreaterThanOrEqual(59_000)
    expect(Date.parse(e.appliedAt)).toBeGreaterThanOrEqual(Date.parse(e.receivedAt))
    const meta = await getRawMessageMeta(db, e.messageId!)
    expect(meta).toMatchObject({ source: 'erp-demo', kind: 'events', status: 'processed', accepted: 1 })
    let raw = ''
    for await (const part of readRaw(db, e.messageId!)) raw += part
    expect(raw).toBe(bodies[6])

    const detail = await getSkuDetail(db, 'SKU-00003')
    expect(detail.events[0].id).toBe(e.id)
    expect(await getRawMessageMeta(db, 'not-a-uuid')).toBeNull()
    await expect(listSkuEvents(db, 'NOPE')).rejects.toThrow('No SKU')
  })
})
