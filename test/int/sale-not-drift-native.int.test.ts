// A sale is not drift, with native order intake end to end: buyers buy on the Amazon and Walmart
// simulators, our pollers bring the orders from the marketplaces' own orders APIs (no order is
// posted to our API), an ERP receipt races them. No drift finding, no held listing, each order
// reserved once, and every channel converges to our number.
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeAll } from './helpers/availability'
import { publishPerListing, seedDemoOnSimulators, settleOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { publishChannel } from '../../server/publishing/publish-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { reconcileChannel } from '../../server/reconciliation/channel-drift'
import { pollChannelOrders } from '../../server/orders/poll-orders'
import { processNativeMessage } from '../../server/orders/native-message'
import { startRouteServer, type RouteServer } from './helpers/route-server'
import { channelWebhookUrl } from '../../simulators'
import path from 'node:path'

let db: PrismaClient
let sims: RunningSimulators
let server: RouteServer
const SHOPIFY_SECRET = 'shopify-native-secret'
const deps = { connectorFor: connectorForChannel }

const settle = () => settleOnSimulators(db, sims, { refillRate: true })
const listing = (channel: string, sku: string) =>
  db.channelListing.findFirstOrThrow({ where: { channel: { code: channel }, sku: { code: sku } } })
async function freshRead(channelId: string) {
  await db.channel.update({ where: { id: channelId }, data: { rateTokens: 1000, rateBurst: 1000 } })
  await db.systemState.deleteMany({ where: { key: `reconcile-cursor:${channelId}` } })
}

useTestDatabase(async (created) => {
  db = created
  sims = await seedDemoOnSimulators(db, { skuCount: 8, seed: 16, shopifyWebhookSecret: SHOPIFY_SECRET })
  server = await startRouteServer(path.resolve(__dirname, '..', '..', 'app'), ['v1'])
  sims.sims.shopify.subscribe({ url: channelWebhookUrl(server.url, 'shopify'), secret: SHOPIFY_SECRET })
  await publishPerListing(db)
  await db.$executeRawUnsafe(`DELETE FROM "KitComponent"`)
  await settle()
})
afterAll(async () => {
  await server?.close()
  await sims?.close()
})

describe('a sale racing a receipt, orders polled natively', () => {
  for (const kind of ['amazon', 'walmart'] as const) {
    it(`on ${kind}: orders in flight, then the polled order explains the channel; converges without a finding`, async () => {
      const channel = await db.channel.findUniqueOrThrow({ where: { code: kind } })
      const before = await listing(kind, 'SKU-00002')
      const applied = before.appliedQuantity!
      sims.sims[kind].buy({ sku: before.externalSku, quantity: 2 })
      sims.sims[kind].applyNow()
      expect(sims.sims[kind].quantity(before.externalSku)).toBe(applied - 2)
      await freshRead(channel.id)
      const r1 = await reconcileChannel(db, channel.id, { ...deps, batch: 100 })
      expect(r1, JSON.stringify(r1)).toMatchObject({ drift: { orders_in_flight: 1 } })

      await ingestEvents(db, {
        body: JSON.stringify({
          source: 'erp-demo',
          events: [
            {
              idempotencyKey: `native-${kind}`,
              type: 'receipt',
              sku: 'SKU-00002',
              location: 'DC-EAST',
              quantity: 7,
              occurredAt: new Date().toISOString(),
            },
          ],
        }),
      })
      await settle()
      // The poller brings the order from the marketplace's orders API.
      const polled = await pollChannelOrders(db, channel.id, { force: true })
      expect(polled.orders, JSON.stringify(polled)).toBeGreaterThanOrEqual(1)
      expect(await db.nativeOrderLine.count({ where: { channelId: channel.id } })).toBe(1)
      await recomputeAll(db)
      await freshRead(channel.id)
      const r2 = await reconcileChannel(db, channel.id, { ...deps, batch: 100 })
      expect(r2.drift.merchant_edit ?? 0).toBe(0)
      for (let i = 0; i < 3; i++) await settle()
      // Polling again (the overlap window re-reads the order) reserves nothing twice.
      await pollChannelOrders(db, channel.id, { force: true })
      await settle()

      const landed = await listing(kind, 'SKU-00002')
      expect(landed.desiredQuantity).toBe(applied + 7 - 2)
      expect(landed.appliedQuantity).toBe(landed.desiredQuantity)
      expect(sims.sims[kind].quantity(before.externalSku)).toBe(landed.desiredQuantity)
      const reserved = await db.reservation.aggregate({
        where: { channelId: channel.id, status: 'open' },
        _sum: { quantity: true },
      })
      expect(reserved._sum.quantity).toBe(2)
      await freshRead(channel.id)
      const r3 = await reconcileChannel(db, channel.id, { ...deps, batch: 100 })
      expect(Object.keys(r3.drift)).toEqual([])
      expect(await db.finding.count({ where: { kind: 'drift' } })).toBe(0)
    })
  }
})

describe('a sale racing a receipt, the order pushed by a Shopify webhook', () => {
  /** Process every stored Shopify webhook not processed yet (the job's own function); how many. */
  async function processDeliveries(): Promise<number> {
    const waiting = await db.inboundMessage.findMany({
      where: { source: 'channel:shopify', status: 'received' },
      select: { id: true },
    })
    for (const m of waiting) await processNativeMessage(db, m.id)
    return waiting.length
  }

  it("the refused compare-and-set waits for the order; the webhook reserves it and our number lands over the store's", async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const before = await listing('shopify', 'SKU-00004')
    const applied = before.appliedQuantity!
    sims.sims.shopify.buy({ sku: before.externalSku, quantity: 2 })
    expect(sims.sims.shopify.quantityOfItem(before.externalId!)).toBe(applied - 2)
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'native-shopify',
            type: 'receipt',
            sku: 'SKU-00004',
            location: 'DC-EAST',
            quantity: 9,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    await recomputeAll(db)
    await db.channel.update({ where: { id: shopify.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
    expect((await publishChannel(db, shopify.id, deps)).failed).toBeGreaterThanOrEqual(1)
    const waiting = await listing('shopify', 'SKU-00004')
    expect(waiting.lastError).toMatch(/^orders in flight:/)

    // Shopify delivers orders/create to our receiver; the stored message is processed.
    sims.sims.shopify.webhooks.flushNow()
    const deadline = Date.now() + 20_000
    let processed = 0
    while (processed === 0 && Date.now() < deadline) {
      processed += await processDeliveries()
      if (processed === 0) await new Promise((r) => setImmediate(r))
    }
    expect(processed).toBeGreaterThanOrEqual(1)
    expect(await db.nativeOrderLine.count({ where: { channelId: shopify.id } })).toBe(1)
    for (let i = 0; i < 3; i++) await settle()
    const landed = await listing('shopify', 'SKU-00004')
    expect(landed.desiredQuantity).toBe(waiting.desiredQuantity! - 2)
    expect(landed.appliedQuantity).toBe(landed.desiredQuantity)
    expect(sims.sims.shopify.quantityOfItem(before.externalId!)).toBe(landed.desiredQuantity)
    expect(landed.lastError).toBeNull()
    expect(await db.finding.count({ where: { kind: 'drift' } })).toBe(0)
  })
})
