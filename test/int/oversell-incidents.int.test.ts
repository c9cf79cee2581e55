// Oversell incidents are one per order line and counted once; a shortage with nothing short is
// not an oversell; the incident page's read model tells the story with a sentence a person reads.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getKpis } from '../../server/metrics/get-kpis'
import { listOversells } from '../../server/reconciliation/list-oversells'
import { getOversellIncident } from '../../server/reconciliation/get-oversell-incident'
import { useTestDatabase } from './helpers/test-db'
import { makeTwoWarehouseChannel, receipt } from '../support/factories'

let db: PrismaClient
const now = () => new Date().toISOString()

useTestDatabase(async (created) => {
  db = created
  await makeTwoWarehouseChannel(db, 'walmart', 'WM', ['SKU-A', 'SKU-C'])
  await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp',
      events: [
        receipt('r1', 'SKU-A', 'DC-EAST', 3),
        receipt('r2', 'SKU-A', 'DC-WEST', 3),
        receipt('r3', 'SKU-C', 'DC-EAST', 1),
      ],
    }),
  })
  // Walmart was offered 1 of SKU-C and 10 of SKU-A (more than there is, as a stale number would be).
  await db.channelListing.updateMany({
    where: { externalSku: 'WM-SKU-C' },
    data: { publishedQuantity: 1, publishedVersion: 1, publishedAt: new Date(Date.now() - 60_000) },
  })
  await db.channelListing.updateMany({
    where: { externalSku: 'WM-SKU-A' },
    data: { publishedQuantity: 10, publishedVersion: 1, publishedAt: new Date(Date.now() - 60_000) },
  })
})

describe('oversell incidents', () => {
  it('records one incident for a line that is both a channel oversell and a shortage, counted once', async () => {
    await ingestOrders(
      db,
      'walmart',
      JSON.stringify({
        orders: [
          {
            orderId: 'WMT-1',
            status: 'created',
            occurredAt: now(),
            lines: [{ lineId: '1', sku: 'WM-SKU-C', quantity: 4 }],
          },
        ],
      }),
    )
    const rows = await db.oversellIncident.findMany({ where: { orderId: 'WMT-1' } })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      kind: 'channel_oversell',
      lineId: '1',
      oversoldUnits: 3,
      revenueAtRiskCents: 3 * 2500,
    })
    expect((rows[0].details as { alsoDetected: Array<{ kind: string; oversold: number }> }).alsoDetected).toEqual([
      expect.objectContaining({ kind: 'shortage', oversold: 3 }),
    ])
    const list = await listOversells(db, { limit: 10 })
    expect(list.totals).toEqual({ incidents: 1, oversoldUnits: 3, revenueAtRiskCents: 7500 })
    const k = (await getKpis(db, '1h')).channels.find((c) => c.channel === 'walmart')!
    expect([k.oversoldUnits, k.revenueAtRiskCents, k.incidents]).toEqual([3, 7500, 1])
  })

  it('does not count a shortage with nothing short (the pool covers it, only not from one location)', async () => {
    await ingestOrders(
      db,
      'walmart',
      JSON.stringify({
        orders: [
          {
            orderId: 'WMT-2',
            status: 'created',
            occurredAt: now(),
            lines: [{ lineId: '1', sku: 'WM-SKU-A', quantity: 5 }],
          },
        ],
      }),
    )
    expect(await db.oversellIncident.count({ where: { orderId: 'WMT-2' } })).toBe(0)
    expect((await getKpis(db, '1h')).channels.find((c) => c.channel === 'walmart')!.oversoldUnits).toBe(3)
  })

  it('tells the incident as a story: sentence, what the channel showed, stock moves', async () => {
    const inc = await db.oversellIncident.findFirstOrThrow({ where: { orderId: 'WMT-1' } })
    const d = await getOversellIncident(db, inc.id)
    expect(d.incident.sentence).toMatch(
      /^walmart sold 4 units of SKU-C while it had been offered 1, so 3 units cannot be filled: /,
    )
    expect(d.channels.map((c) => c.channel)).toEqual(['walmart'])
    expect(d.channels[0].now.published).toBe(1)
    // Newest first, only this SKU's moves.
    expect(d.events.map((e) => `${e.type}:${e.location}:${e.quantity}`)).toEqual([
      'reserve:DC-WEST:4',
      'receipt:DC-EAST:1',
    ])
    const listed = (await listOversells(db, { limit: 10 })).items.find((x) => x.id === inc.id)!
    expect(listed.sentence).toBe(d.incident.sentence)
    await expect(getOversellIncident(db, '00000000-0000-0000-0000-000000000000')).rejects.toThrow(
      /No oversell incident/,
    )
    await expect(getOversellIncident(db, 'not-a-uuid')).rejects.toThrow(/No oversell incident/)
  })
})
