// Order intake, shown (issue 15 item 4) on a real database: intake lag per channel from the
// marketplace's order time to our reservation (KPIs, Prometheus), intake health per path from
// ChannelOrderIntake (the channel page's read model), and a stopped intake on a live channel is a
// finding, a banner condition and a blind channel for degraded mode (issue 21): the other channels
// protect themselves for its unseen sales until it returns.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { checkFeedFreshness } from '../../server/freshness/check-feed-freshness'
import { getDegradedMode } from '../../server/freshness/degraded-mode'
import { getKpis } from '../../server/metrics/get-kpis'
import { renderPrometheus } from '../../server/metrics/render-prometheus'
import { getOrderIntakeHealth } from '../../server/metrics/order-intake'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }
const MIN = 60_000

useTestDatabase(
  async (created) => {
    db = created
    await recomputeAll(db)
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

const channelId = async (code: string) => (await db.channel.findUniqueOrThrow({ where: { code } })).id

describe('order intake lag', () => {
  it('is measured per channel from the marketplace order time to the reservation: p50/p95/p99 in KPIs and Prometheus', async () => {
    const receivedAt = new Date()
    // Seeded lags: 9 orders at 1.5 s, one at 50 s (the p99 falls in the 30-60 s bucket).
    const lags = [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 50]
    const orders = lags.map((s, i) => ({
      orderId: `lag-${i}`,
      status: 'created',
      occurredAt: new Date(receivedAt.getTime() - s * 1000).toISOString(),
      lines: [{ lineId: '1', sku: 'AMZ-SKU-00002', quantity: 1 }],
    }))
    const r = await ingestOrders(db, 'amazon', JSON.stringify({ orders }), { receivedAt })
    expect(r.accepted).toBe(10)
    const kpis = await getKpis(db, '1h', new Date(receivedAt.getTime() + 1000))
    const amazon = kpis.channels.find((c) => c.channel === 'amazon')!
    expect(amazon.intakeLag.samples).toBe(10)
    expect(amazon.intakeLag.p50Seconds).toBeGreaterThan(1)
    expect(amazon.intakeLag.p50Seconds).toBeLessThanOrEqual(2)
    expect(amazon.intakeLag.p99Seconds).toBeGreaterThan(30)
    expect(amazon.intakeLag.p99Seconds).toBeLessThanOrEqual(60)
    expect(kpis.channels.find((c) => c.channel === 'walmart')!.intakeLag).toEqual({
      samples: 0,
      p50Seconds: null,
      p95Seconds: null,
      p99Seconds: null,
    })
    expect(kpis.overall.intakeLag.samples).toBe(10)
    // A duplicate delivery of the same orders adds no sample.
    expect((await ingestOrders(db, 'amazon', JSON.stringify({ orders }), { receivedAt })).duplicates).toBe(10)
    expect(
      (await getKpis(db, '1h', new Date(receivedAt.getTime() + 1000))).channels.find((c) => c.channel === 'amazon')!
        .intakeLag.samples,
    ).toBe(10)

    const text = await renderPrometheus(db)
    expect(text).toContain('# TYPE stocktower_order_intake_lag_seconds histogram')
    expect(text).toContain('stocktower_order_intake_lag_seconds_bucket{channel="amazon",le="2"} 9')
    expect(text).toContain('stocktower_order_intake_lag_seconds_bucket{channel="amazon",le="60"} 10')
    expect(text).toContain('stocktower_order_intake_lag_seconds_count{channel="amazon"} 10')
  })
})

describe('intake health and a stopped intake', () => {
  it('shows each path; a live channel silent past its threshold is stopped: finding, banner, blind for degraded mode, lifted when it returns', async () => {
    const t0 = new Date()
    const amazonId = await channelId('amazon')
    await db.channelOrderIntake.create({
      data: {
        channelId: amazonId,
        path: 'poll',
        cursor: '2026-12-02T10:00:00.000Z',
        cursorAt: t0,
        lastPollAt: t0,
        lastSuccessAt: t0,
        deliveries: 0,
      },
    })
    const shopifyId = await channelId('shopify')
    await db.channelOrderIntake.create({
      data: { channelId: shopifyId, path: 'webhook', lastDeliveryAt: t0, lastSuccessAt: t0, deliveries: 4 },
    })

    const health = await getOrderIntakeHealth(db, new Date(t0.getTime() + MIN))
    expect(health.find((c) => c.channel === 'amazon')).toMatchObject({
      state: 'ok',
      staleAfterSeconds: 900,
      paths: [
        { path: 'poll', cursor: '2026-12-02T10:00:00.000Z', lastSuccessAt: t0.toISOString(), consecutiveFailures: 0 },
      ],
    })
    expect(health.find((c) => c.channel === 'walmart')).toMatchObject({ state: 'not_connected', paths: [] })

    // Walmart's rule: protect yourself from a blind channel's unseen sales by halving.
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.channels.walmart.degraded = { mode: 'reduce', percent: 50 }
    await saveRuleSet(db, merch, { rules, comment: 'walmart halves while another channel is blind' })
    await recomputeAll(db)
    const walmart = (await desiredQuantity(db, 'SKU-00001', 'walmart'))!
    expect(walmart).toBeGreaterThan(4)
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 5 * MIN))).toEqual([])

    // Amazon's poller fails from now on: 16 minutes later its intake has stopped.
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: {
        lastPollAt: new Date(t0.getTime() + 15 * MIN),
        lastFailureAt: new Date(t0.getTime() + 15 * MIN),
        consecutiveFailures: 14,
        lastError: 'HTTP 503 from getOrders',
      },
    })
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: shopifyId, path: 'webhook' } },
      data: { lastDeliveryAt: new Date(t0.getTime() + 15 * MIN), lastSuccessAt: new Date(t0.getTime() + 15 * MIN) },
    })
    const at = new Date(t0.getTime() + 16 * MIN)
    const stopped = await checkFeedFreshness(db, at)
    expect(stopped).toEqual([
      { key: 'intake:amazon', kind: 'intake', state: 'stale', what: 'orders intake of channel amazon' },
    ])
    const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: 'degraded:intake:amazon', status: 'open' } })
    expect(f).toMatchObject({ kind: 'intake_stopped', channel: 'amazon' })
    expect(f.cause).toMatch(/orders intake of channel amazon stopped: no delivery or successful poll since/)
    const banner = await getDegradedMode(db, at)
    expect(banner.conditions.map((c) => c.what)).toEqual(['orders intake of channel amazon'])
    const amazonHealth = (await getOrderIntakeHealth(db, at)).find((c) => c.channel === 'amazon')!
    expect(amazonHealth.state).toBe('stopped')
    expect(amazonHealth.message).toMatch(/poll: HTTP 503 from getOrders/)
    const prom = await renderPrometheus(db, at)
    expect(prom).toContain('stocktower_order_intake_stopped{channel="amazon"} 1')
    expect(prom).toContain('stocktower_order_intake_stopped{channel="shopify"} 0')
    expect(prom).toContain('stocktower_findings_open{kind="intake_stopped"} 1')
    expect(prom).toContain('stocktower_order_intake_consecutive_failures{channel="amazon",path="poll"} 14')

    // The other channels protect themselves; Amazon itself is not degraded by its own blindness.
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'walmart')).toBe(walmart - Math.ceil(walmart / 2))
    const why = await explainAvailability(db, 'SKU-00001', 'walmart')
    expect(why.steps.find((s) => s.step === 'degraded')?.detail).toMatch(
      /channel amazon blind: its orders intake stopped at .+\): policy reduce by 50%/,
    )
    expect(
      (await explainAvailability(db, 'SKU-00001', 'amazon')).steps.find((s) => s.step === 'degraded'),
    ).toBeUndefined()

    // A poll succeeds again: the intake returns, the finding resolves and the policy is lifted.
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { lastSuccessAt: new Date(t0.getTime() + 17 * MIN), consecutiveFailures: 0, lastError: null },
    })
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 17 * MIN + 1000))).toEqual([
      { key: 'intake:amazon', kind: 'intake', state: 'returned', what: 'orders intake of channel amazon' },
    ])
    expect((await db.finding.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('resolved')
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'walmart')).toBe(walmart)
  })

  it('a channel that is not live is not watched', async () => {
    const amazonId = await channelId('amazon')
    await db.channel.update({ where: { id: amazonId }, data: { status: 'paused' } })
    try {
      const later = new Date(Date.now() + 60 * MIN)
      expect((await getOrderIntakeHealth(db, later)).find((c) => c.channel === 'amazon')!.state).toBe('not_live')
    } finally {
      await db.channel.update({ where: { id: amazonId }, data: { status: 'active' } })
    }
  })
})
