// Demo traffic buys on the marketplace simulators and nothing else: orders are placed with
// /_sim/buy (what the marketplace shows), some cancelled whole or in part, the rest shipped; the
// orders reach the seller only through the marketplaces' own paths (here: Shopify and B2B webhooks
// to a receiving server standing in for Stocktower). No request to /api/v1/channels/*/orders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulators, type RunningSimulators } from '../../../simulators'
import { startTraffic, type RunningTraffic } from '../../../simulators/traffic'
import { waitFor } from '../channels/support'
import { startReceiver, type Receiver } from './support'

let sims: RunningSimulators
let api: Receiver
let traffic: RunningTraffic | undefined
const channelSku = (channel: string, sku: string) =>
  channel === 'amazon' ? `AMZ-${sku}` : channel === 'walmart' ? `WM-${sku}` : sku

beforeAll(async () => {
  api = await startReceiver()
  sims = await startSimulators({
    plan: 'demo',
    seed: 21,
    b2bSecret: 'traffic-b2b-secret',
    orderWebhooks: { apiBaseUrl: api.url, shopifySecret: 'traffic-shopify-secret' },
    overrides: { shopify: { latencyMs: 0 }, amazon: { latencyMs: 0 }, walmart: { latencyMs: 0 } },
  })
  const skus = Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(5, '0')}`)
  for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const) {
    sims.sims[kind].seed(
      skus.map((sku) => channelSku(kind, sku)),
      40,
    )
    sims.sims[kind].seed([channelSku(kind, 'KIT-0001')], 40)
  }
})
afterAll(async () => {
  await traffic?.stop()
  await sims?.close()
  await api?.close()
})

describe('demo traffic', () => {
  it('places, cancels and ships orders on the marketplaces, which tell the seller their own way', async () => {
    traffic = startTraffic({
      apiBaseUrl: api.url,
      apiKey: 'k',
      skuCount: 10,
      seed: 5,
      eventsPerSecond: 0,
      ordersPerSecond: 40,
      tickMs: 25,
      orderFollowUpMs: { min: 10, max: 60 },
      cancelRate: 0.4,
      marketplaces: sims.urls,
      channelSku,
      kitCount: 1,
      log: () => {},
    })
    await waitFor(
      () => {
        const s = traffic!.stats()
        return s.ordersCreated >= 40 && s.ordersShipped > 0 && s.ordersCancelled > 0 && s.ordersPartiallyCancelled > 0
      },
      { timeoutMs: 10_000, what: 'orders created, cancelled (whole and in part) and shipped' },
    )
    await traffic.stop()
    const stats = traffic.stats()
    expect(stats.marketplaceErrors).toBe(0)
    const placed = Object.values(sims.sims).reduce((sum, sim) => sum + (sim.state().orders as number), 0)
    // stop() aborts a buy in flight: the marketplace may have placed it without the buyer hearing back.
    expect(placed - stats.ordersCreated).toBeGreaterThanOrEqual(0)
    expect(placed - stats.ordersCreated).toBeLessThanOrEqual(1)
    for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const)
      expect(sims.sims[kind].state().orders, kind).toBeGreaterThan(0)
    // Multi-line orders exist.
    expect(
      Object.values(sims.sims).some((sim) =>
        (sim as unknown as { orderBook: { orders(): Array<{ lines: unknown[] }> } }).orderBook
          .orders()
          .some((o) => o.lines.length > 1),
      ),
    ).toBe(true)
    await waitFor(
      () =>
        api.received.some((r) => r.path === '/api/v1/channels/b2b/webhooks') &&
        api.received.some((r) => r.path === '/api/v1/channels/shopify/webhooks'),
      { what: 'webhooks from Shopify and the B2B portal' },
    )
    expect(api.received.filter((r) => /\/orders$/.test(r.path))).toEqual([])
    expect(new Set(api.received.map((r) => r.path))).toEqual(
      new Set(['/api/v1/channels/shopify/webhooks', '/api/v1/channels/b2b/webhooks']),
    )
  })
})
