// KPI values against hand-computed fixtures, and SLO alerts that open once, notify a real webhook,
// and resolve themselves.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { getKpis } from '../../server/metrics/get-kpis'
import { evaluateSlos, webhookNotifier } from '../../server/metrics/slo'
import { LAG_BUCKETS_SECONDS } from '../../server/metrics/lag'
import { renderPrometheus } from '../../server/metrics/render-prometheus'

let db: PrismaClient

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 20 } },
)

/** One minute of lag samples for a channel: `n` samples all in the bucket whose bound is `seconds`. */
async function lagMinute(channel: string, minute: Date, n: number, seconds: number) {
  const c = await db.channel.findUniqueOrThrow({ where: { code: channel } })
  const buckets = new Array(LAG_BUCKETS_SECONDS.length + 1).fill(0)
  buckets[LAG_BUCKETS_SECONDS.indexOf(seconds as never)] = n
  await db.lagMinute.upsert({
    where: { channelId_minute: { channelId: c.id, minute } },
    create: { channelId: c.id, minute, count: n, sumMs: BigInt(n * seconds * 1000), maxMs: seconds * 1000, buckets },
    update: { count: n, buckets },
  })
}

describe('KPIs', () => {
  it('counts ordered and oversold units per channel and the oversell rate', async () => {
    // Amazon was last offered 1 unit of SKU-00001; an order of 3 then oversells 2.
    await db.channelListing.updateMany({
      where: { channel: { code: 'amazon' }, sku: { code: 'SKU-00001' } },
      data: { publishedQuantity: 1, publishedVersion: 1, publishedAt: new Date() },
    })
    const orders = [
      {
        orderId: 'K-1',
        status: 'created',
        occurredAt: new Date().toISOString(),
        lines: [{ lineId: '1', sku: 'AMZ-SKU-00001', quantity: 3 }],
      },
      {
        orderId: 'K-2',
        status: 'created',
        occurredAt: new Date().toISOString(),
        lines: [
          { lineId: '1', sku: 'AMZ-SKU-00002', quantity: 1 },
          { lineId: '2', sku: 'AMZ-SKU-00003', quantity: 1 },
        ],
      },
    ]
    expect((await ingestOrders(db, 'amazon', JSON.stringify({ orders }))).accepted).toBe(2)
    const k = await getKpis(db, '1h')
    const amazon = k.channels.find((c) => c.channel === 'amazon')!
    expect(amazon.orderedUnits).toBe(5)
    expect(amazon.oversoldUnits).toBe(2)
    expect(amazon.oversellRate).toBeCloseTo(0.4)
    expect(amazon.incidents).toBe(1)
    const price = (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-00001' } })).priceCents
    expect(amazon.revenueAtRiskCents).toBe(2 * price)
    expect(amazon.reservations).toMatchObject({ open: 3, units: 5 })
    expect(k.overall.orderedUnits).toBe(5)
    expect([amazon.cancelledUnits, amazon.cancelledForStockUnits]).toEqual([0, 0])
    // The same rollups in Prometheus text.
    const prom = await renderPrometheus(db)
    expect(prom).toContain('stocktower_order_units_total{channel="amazon",measure="ordered"} 5')
    expect(prom).toContain('stocktower_order_units_total{channel="amazon",measure="oversold_channel_oversell"} 2')
    expect(prom).toContain('stocktower_oversell_incidents_total{channel="amazon",kind="channel_oversell"} 1')
    expect(prom).toContain('stocktower_reservations_open_units{channel="amazon"} 5')
    expect(prom).toMatch(/stocktower_stale_listings\{channel="shopify"\} \d+/)
    expect(prom).toMatch(/stocktower_findings_open\{kind="slo_breach"\} \d+/)
  })

  it('counts cancellations, and as due to stock only the units a line could not be filled', async () => {
    // K-1 line 1 oversold 2 of 3 (test above); the customer cancels all 3, then K-2 line 1 (filled) is cancelled too.
    const at = new Date().toISOString()
    const cancels = [
      {
        orderId: 'K-1',
        status: 'cancelled',
        occurredAt: at,
        lines: [{ lineId: '1', sku: 'AMZ-SKU-00001', quantity: 3 }],
      },
      {
        orderId: 'K-2',
        status: 'cancelled',
        occurredAt: at,
        lines: [{ lineId: '1', sku: 'AMZ-SKU-00002', quantity: 1 }],
      },
    ]
    expect((await ingestOrders(db, 'amazon', JSON.stringify({ orders: cancels }))).accepted).toBe(2)
    const amazon = (await getKpis(db, '1h')).channels.find((c) => c.channel === 'amazon')!
    expect([amazon.cancelledUnits, amazon.cancelledForStockUnits]).toEqual([4, 2])
    expect(await renderPrometheus(db)).toContain(
      'stocktower_order_units_total{channel="amazon",measure="cancelled_stock"} 2',
    )
  })

  it('computes lag percentiles from the minute rollups', async () => {
    const now = new Date()
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000)
    await lagMinute('shopify', minute, 90, 2)
    await lagMinute('shopify', new Date(minute.getTime() - 60_000), 10, 30)
    const shopify = (await getKpis(db, '1h', now)).channels.find((c) => c.channel === 'shopify')!
    // Interpolated inside the bucket holding the rank: 90 samples in (1 s, 2 s], 10 in (10 s, 30 s].
    expect(shopify.lag).toEqual({ samples: 100, p50Seconds: 1.6, p95Seconds: 20, p99Seconds: 28 })
  })

  it('gives a trend per channel whose buckets add up to the window', async () => {
    const now = new Date()
    const k = await getKpis(db, '24h', now, { series: true })
    const s = k.series!
    expect(s.bucketMinutes).toBe(60)
    expect(s.buckets.length).toBeGreaterThanOrEqual(24)
    expect(s.buckets.length).toBeLessThanOrEqual(25)
    for (let i = 1; i < s.buckets.length; i++)
      expect(Date.parse(s.buckets[i].bucket) - Date.parse(s.buckets[i - 1].bucket)).toBe(3_600_000)
    for (const c of k.channels) {
      const sum = (f: 'ordered' | 'oversold' | 'revenueAtRiskCents') =>
        s.buckets.reduce((n, b) => n + b.channels[c.channel][f], 0)
      expect([sum('ordered'), sum('oversold'), sum('revenueAtRiskCents')]).toEqual([
        c.orderedUnits,
        c.oversoldUnits,
        c.revenueAtRiskCents,
      ])
    }
    // The orders and lag of the tests above landed in the last hour or two (a test may straddle an hour).
    expect(s.buckets.slice(-2).reduce((n, b) => n + b.channels.amazon.oversold, 0)).toBe(2)
    expect(s.buckets.slice(-2).map((b) => b.channels.shopify.lagP95Seconds)).toContain(20)
    expect((await getKpis(db, '24h', now)).series).toBeUndefined()
  })
})

describe('SLO alerts', () => {
  it('opens one breach per channel, tells the webhook, and resolves when lag recovers', async () => {
    const received: Array<Record<string, unknown>> = []
    const hook = http.createServer((req, res) => {
      let b = ''
      req.on('data', (c) => (b += c))
      req.on('end', () => {
        received.push(JSON.parse(b))
        res.end('ok')
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`
    try {
      const now = new Date()
      const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000)
      await lagMinute('walmart', minute, 20, 120)
      const first = await evaluateSlos(db, { now, notify: webhookNotifier(url, () => {}) })
      // 20 samples in (60 s, 120 s]: p95 interpolated to 117 s.
      expect(first.filter((a) => a.channel === 'walmart' && a.slo === 'lag_p95')).toEqual([
        expect.objectContaining({ state: 'breached', value: 117, threshold: 60 }),
      ])
      await evaluateSlos(db, { now, notify: webhookNotifier(url, () => {}) }) // still breached: no second alert
      expect(
        await db.finding.count({
          where: { kind: 'slo_breach', channel: 'walmart', status: 'open', dedupeKey: 'slo:walmart:lag_p95' },
        }),
      ).toBe(1)
      expect(received.filter((a) => a.channel === 'walmart' && a.slo === 'lag_p95')).toEqual([
        expect.objectContaining({ source: 'stocktower', state: 'breached' }),
      ])

      await lagMinute('walmart', minute, 20, 2)
      const after = await evaluateSlos(db, { now, notify: webhookNotifier(url, () => {}) })
      expect(after.filter((a) => a.channel === 'walmart' && a.slo === 'lag_p95').map((a) => a.state)).toEqual([
        'resolved',
      ])
      expect(await db.finding.count({ where: { dedupeKey: 'slo:walmart:lag_p95', status: 'open' } })).toBe(0)
      expect(received.filter((a) => a.channel === 'walmart' && a.slo === 'lag_p95').map((a) => a.state)).toEqual([
        'breached',
        'resolved',
      ])
    } finally {
      hook.close()
    }
  })
})
