import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { useTestDatabase } from './helpers/test-db'
import { makeListing, makeSku, makeTwoWarehouseChannel, receipt } from '../support/factories'

let db: PrismaClient
const at = '2026-11-22T10:01:00Z'

useTestDatabase(async (created) => {
  db = created
  // amazon fulfils from DC-WEST first, then DC-EAST.
  const ch = await makeTwoWarehouseChannel(db, 'amazon', 'AMZ', ['SKU-A', 'SKU-B', 'SKU-C'])
  const kit = await makeSku(db, 'KIT-1', { isKit: true })
  await db.kitComponent.createMany({
    data: [
      {
        kitSkuId: kit.id,
        componentSkuId: (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-A' } })).id,
        quantity: 2,
      },
      {
        kitSkuId: kit.id,
        componentSkuId: (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-B' } })).id,
        quantity: 1,
      },
    ],
  })
  await makeListing(db, ch.id, kit.id, 'AMZ-KIT-1')
  await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp',
      events: [
        receipt('r1', 'SKU-A', 'DC-EAST', 10),
        receipt('r2', 'SKU-A', 'DC-WEST', 3),
        receipt('r3', 'SKU-B', 'DC-EAST', 10),
        receipt('r4', 'SKU-C', 'DC-EAST', 1),
      ],
    }),
  })
})

const post = (orders: unknown[]) => ingestOrders(db, 'amazon', JSON.stringify({ orders }))
const order = (orderId: string, status: string, lines: Array<[string, string, number]>, extra: object = {}) => ({
  orderId,
  status,
  occurredAt: at,
  lines: lines.map(([lineId, sku, quantity]) => ({ lineId, sku, quantity })),
  ...extra,
})
async function pos(sku: string, loc: string) {
  return db.position.findFirstOrThrow({ where: { sku: { code: sku }, location: { code: loc } } })
}

describe('channel orders', () => {
  it('reserves at the first eligible location with enough sellable units, mapping channel SKUs', async () => {
    const r = await post([
      order('O-1', 'created', [['1', 'AMZ-SKU-A', 2]]),
      order('O-2', 'created', [['1', 'AMZ-SKU-A', 5]]),
    ])
    expect(r).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] })
    expect((await pos('SKU-A', 'DC-WEST')).reserved).toBe(2) // 3 sellable in the west covers 2
    expect((await pos('SKU-A', 'DC-EAST')).reserved).toBe(5) // 1 left in the west does not cover 5
  })

  it('a repeated order event is a duplicate and changes nothing', async () => {
    const r = await post([order('O-1', 'created', [['1', 'AMZ-SKU-A', 2]])])
    expect(r).toMatchObject({ accepted: 0, duplicates: 1 })
    expect((await pos('SKU-A', 'DC-WEST')).reserved).toBe(2)
  })

  it('cancelled releases partially by line; shipped turns the reservation into a shipment', async () => {
    await post([order('O-2', 'cancelled', [['1', 'AMZ-SKU-A', 2]])])
    expect((await pos('SKU-A', 'DC-EAST')).reserved).toBe(3)
    await post([order('O-2', 'shipped', [['1', 'AMZ-SKU-A', 3]])])
    const east = await pos('SKU-A', 'DC-EAST')
    expect(east).toMatchObject({ reserved: 0, onHand: 7 })
  })

  it('a kit line reserves its components', async () => {
    await post([order('O-3', 'created', [['1', 'AMZ-KIT-1', 2]])])
    expect((await pos('SKU-B', 'DC-EAST')).reserved).toBe(2)
    const reservations = await db.reservation.findMany({ where: { orderId: 'O-3' } })
    expect(reservations.map((r) => r.quantity).sort()).toEqual([2, 4])
  })

  it('records a shortage when no eligible location can cover a line', async () => {
    await post([order('O-4', 'created', [['1', 'AMZ-SKU-C', 4]])])
    const inc = await db.oversellIncident.findFirstOrThrow({ where: { orderId: 'O-4', kind: 'shortage' } })
    expect(inc).toMatchObject({ channel: 'amazon', sku: 'SKU-C', orderedUnits: 4, oversoldUnits: 3 })
  })

  it('records a channel oversell when the line exceeds what the channel was last offered', async () => {
    await db.channelListing.updateMany({
      where: { externalSku: 'AMZ-SKU-B' },
      data: { publishedQuantity: 1, publishedVersion: 1, publishedAt: new Date('2026-11-22T09:00:00Z') },
    })
    await post([order('O-5', 'created', [['1', 'AMZ-SKU-B', 3]])])
    const inc = await db.oversellIncident.findFirstOrThrow({ where: { orderId: 'O-5', kind: 'channel_oversell' } })
    expect(inc.oversoldUnits).toBe(2)
    expect(inc.revenueAtRiskCents).toBe(2 * 2500)
    // Attributed: the channel sold beyond the 1 it was shown (published = applied-less listing), per the rules.
    expect(inc.cause).toBeTruthy()
    expect((inc.details as { why?: string }).why).toMatch(/./)
  })

  it('protects the other channels after an oversell when the channel asks for it', async () => {
    const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
    await db.channel.update({
      where: { id: amazon.id },
      data: {
        settings: { ...(amazon.settings as object), oversellProtection: 'zero_others', oversellProtectionMinutes: 30 },
      },
    })
    await db.channelListing.updateMany({
      where: { externalSku: 'AMZ-SKU-B' },
      data: { publishedQuantity: 0, publishedVersion: 5, publishedAt: new Date() },
    })
    await post([order('O-P1', 'created', [['1', 'AMZ-SKU-B', 1]])])
    const holds = await db.holdback.findMany({ where: { skuCode: 'SKU-B', reason: { contains: 'O-P1' } } })
    expect(holds.map((h) => h.channel).sort()).toEqual(
      (await db.channel.findMany({ where: { code: { not: 'amazon' } } })).map((c) => c.code).sort(),
    )
    expect(
      holds.every((h) => h.mode === 'suppress' && h.expiresAt && h.expiresAt.getTime() > Date.now() + 29 * 60_000),
    ).toBe(true)
    await db.channel.update({ where: { id: amazon.id }, data: { settings: amazon.settings as object } })
  })

  it('attributes an oversell to our lag when a lower decision had not reached the channel', async () => {
    await db.channelListing.updateMany({
      where: { externalSku: 'AMZ-SKU-B' },
      data: {
        desiredQuantity: 0,
        desiredVersion: 9,
        publishedQuantity: 6,
        publishedVersion: 8,
        acceptedVersion: 8,
        appliedQuantity: 6,
        appliedVersion: 8,
        publishedAt: new Date(),
        pendingSince: new Date(Date.now() - 20_000),
      },
    })
    await post([order('O-5b', 'created', [['1', 'AMZ-SKU-B', 7]])])
    const inc = await db.oversellIncident.findFirstOrThrow({ where: { orderId: 'O-5b', kind: 'channel_oversell' } })
    expect(inc.cause).toBe('lag')
    expect((inc.details as { why: string }).why).toMatch(
      /we had decided 0 but the channel still showed 6 \(waiting \d+ s to apply\)/,
    )
  })

  it('an ERP allocation referencing the order takes over its reservation; a later shipped status changes nothing', async () => {
    await post([order('O-6', 'created', [['1', 'AMZ-SKU-B', 2]])])
    const before = await pos('SKU-B', 'DC-EAST')
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp',
        events: [{ ...receipt('alloc-o6', 'SKU-B', 'DC-EAST', 2), type: 'allocate', reference: 'amazon:O-6' }],
      }),
    })
    const mid = await pos('SKU-B', 'DC-EAST')
    expect(mid).toMatchObject({ reserved: before.reserved - 2, allocated: before.allocated + 2, onHand: before.onHand })
    await post([order('O-6', 'shipped', [['1', 'AMZ-SKU-B', 2]])])
    expect(await pos('SKU-B', 'DC-EAST')).toMatchObject({
      reserved: mid.reserved,
      allocated: mid.allocated,
      onHand: mid.onHand,
    })
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp',
        events: [{ ...receipt('ship-o6', 'SKU-B', 'DC-EAST', 2), type: 'ship', reference: 'amazon:O-6' }],
      }),
    })
    expect(await pos('SKU-B', 'DC-EAST')).toMatchObject({
      reserved: mid.reserved,
      allocated: mid.allocated - 2,
      onHand: mid.onHand - 2,
    })
  })

  it('a line created and cancelled or shipped in one batch leaves its reservation as a later batch would', async () => {
    // A poller that first sees an order already cancelled or shipped (e.g. after an orders API
    // outage) sends its created event together with the cancelled or shipped one.
    const units = async () => {
      const all = await db.position.findMany({ where: { sku: { code: 'SKU-B' } } })
      return { reserved: all.reduce((n, p) => n + p.reserved, 0), onHand: all.reduce((n, p) => n + p.onHand, 0) }
    }
    const before = await units()
    await post([
      order('O-10', 'created', [['1', 'AMZ-SKU-B', 2]]),
      order('O-10', 'cancelled', [['1', 'AMZ-SKU-B', 2]]),
      order('O-11', 'created', [['1', 'AMZ-SKU-B', 3]]),
      order('O-11', 'cancelled', [['1', 'AMZ-SKU-B', 1]]),
      order('O-12', 'created', [['1', 'AMZ-SKU-B', 1]]),
      order('O-12', 'shipped', [['1', 'AMZ-SKU-B', 1]]),
    ])
    const held = await db.reservation.findMany({
      where: { orderId: { in: ['O-10', 'O-11', 'O-12'] } },
      orderBy: { orderId: 'asc' },
    })
    expect(held.map((r) => [r.orderId, r.quantity, r.status])).toEqual([
      ['O-10', 0, 'released'],
      ['O-11', 2, 'open'],
      ['O-12', 0, 'shipped'],
    ])
    // The positions hold what the open reservations hold, no more.
    expect(await units()).toEqual({ reserved: before.reserved + 2, onHand: before.onHand - 1 })
  })

  it('rejects orders with unknown SKUs or bad shapes alone, as dead letters', async () => {
    const r = await post([
      order('O-7', 'created', [['1', 'NOPE', 1]]),
      { orderId: 'O-8', status: 'lost', occurredAt: at, lines: [] },
      order('O-9', 'created', [['1', 'AMZ-SKU-A', 1]]),
    ])
    expect(r.accepted).toBe(1)
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
      [0, 'UNKNOWN_SKU'],
      [1, 'INVALID_ORDER'],
    ])
    expect(await db.deadLetter.count({ where: { inboundMessageId: r.inboundMessageId } })).toBe(2)
  })
})
