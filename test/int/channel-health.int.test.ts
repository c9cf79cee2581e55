// One health verdict everywhere: a channel whose sent updates wait to be applied longer than its
// SLO is unhealthy on the dashboard, in KPIs, in the SLO evaluator and in Prometheus, even when the
// few updates it did verify were fast; missing lag is missing, not zero.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeSku } from '../support/factories'
import { getChannelsHealth } from '../../server/metrics/channel-health'
import { getDashboard } from '../../server/metrics/get-dashboard'
import { getKpis } from '../../server/metrics/get-kpis'
import { evaluateSlos } from '../../server/metrics/slo'
import { renderPrometheus } from '../../server/metrics/render-prometheus'
import { LAG_BUCKETS_SECONDS } from '../../server/metrics/lag'
import { getSkuDetail } from '../../server/availability/get-sku-detail'
import { setChannelSlo } from '../../server/metrics/set-channel-slo'

let db: PrismaClient
const now = new Date()
const ago = (s: number) => new Date(now.getTime() - s * 1000)

useTestDatabase(async (created) => {
  db = created
  const fast = await makeChannel(db, 'fast', { settings: { sloStaleAfterSeconds: 300, sloLagP95Seconds: 60 } })
  const slow = await makeChannel(db, 'slow', { settings: { sloStaleAfterSeconds: 300, sloLagP95Seconds: 60 } })
  await makeChannel(db, 'quiet')
  for (let i = 0; i < 6; i++) {
    const sku = await makeSku(db, `H-${i}`)
    const f = await makeListing(db, fast.id, sku.id, `F-${i}`)
    const s = await makeListing(db, slow.id, sku.id, `S-${i}`)
    // fast: applied what we decided.
    await db.channelListing.update({
      where: { id: f.id },
      data: {
        desiredQuantity: 5,
        desiredVersion: 1,
        decidedAt: ago(100),
        publishedVersion: 1,
        acceptedVersion: 1,
        appliedVersion: 1,
        appliedQuantity: 5,
        appliedAt: ago(90),
        publishedInputAt: ago(100),
      },
    })
    // slow: four sent and accepted 20 minutes ago, never applied (as publish-channel leaves them:
    // pendingSince cleared, the lag clock kept in publishedInputAt); two applied.
    await db.channelListing.update({
      where: { id: s.id },
      data:
        i < 4
          ? {
              desiredQuantity: 5,
              desiredVersion: 1,
              decidedAt: ago(1200),
              pendingSince: null,
              publishedVersion: 1,
              publishedAt: ago(1190),
              acceptedVersion: 1,
              acceptedAt: ago(1190),
              appliedVersion: 0,
              publishedInputAt: ago(1200),
            }
          : {
              desiredQuantity: 5,
              desiredVersion: 1,
              decidedAt: ago(60),
              publishedVersion: 1,
              acceptedVersion: 1,
              appliedVersion: 1,
              appliedQuantity: 5,
              appliedAt: ago(50),
              publishedInputAt: ago(60),
            },
    })
  }
  // Both verified some updates quickly in the last minutes (≤ 10 s): lag alone looks fine.
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000)
  for (const c of [fast, slow]) {
    const buckets = new Array(LAG_BUCKETS_SECONDS.length + 1).fill(0)
    buckets[3] = 10
    await db.lagMinute.create({
      data: { channelId: c.id, minute, count: 10, sumMs: BigInt(60_000), maxMs: 8000, buckets },
    })
  }
})

describe('channel health', () => {
  it('counts waiting from the oldest input not applied, across send and accept', async () => {
    const [fast, quiet, slow] = await getChannelsHealth(db, { now })
    expect(slow.code).toBe('slow')
    expect(slow.listings).toEqual({ total: 6, inSync: 2, waiting: 4, failing: 0, stale: 4, oldestWaitingSeconds: 1200 })
    expect(slow.health.state).toBe('unhealthy')
    expect(slow.health.summary).toBe('4 listings waiting longer than the SLO of 5 min (oldest 20 min).')
    expect(slow.health.lagBreached).toBe(false)
    expect(fast.health.state).toBe('healthy')
    expect(fast.lag.p95).toEqual({ seconds: 9.8, lowerSeconds: 5, upperSeconds: 10 })
    // No listings and no samples: not measured, not zero.
    expect(quiet.lag).toMatchObject({ samples: 0, p50: null, p95: null, maxSeconds: null })
    expect(quiet.listings.oldestWaitingSeconds).toBeNull()
    expect(quiet.health.lagBreached).toBeNull()
  })

  it('is the same verdict on the dashboard, in KPIs, in SLO findings and in Prometheus', async () => {
    const dash = await getDashboard(db, { now })
    const tile = dash.channels.find((c) => c.code === 'slow')!
    expect(tile.health.state).toBe('unhealthy')
    expect([tile.pending, tile.stale, tile.oldestPendingSeconds]).toEqual([4, 4, 1200])
    expect(dash.channels.find((c) => c.code === 'fast')!.health.state).toBe('healthy')

    const kpis = await getKpis(db, '1h', now)
    const k = kpis.channels.find((c) => c.channel === 'slow')!
    expect(k.health.state).toBe('unhealthy')
    expect(k.staleListings).toBe(4)
    expect(kpis.overall.staleListings).toBe(4)

    const alerts = await evaluateSlos(db, { now })
    expect(alerts.map((a) => `${a.channel}:${a.slo}:${a.state}`)).toEqual(['slow:stale_listings:breached'])
    const finding = await db.finding.findFirstOrThrow({ where: { kind: 'slo_breach', channel: 'slow' } })
    expect(finding.cause).toContain('4 listing(s) waiting longer than 300 s')

    const prom = await renderPrometheus(db)
    expect(prom).toContain('stocktower_channel_health{channel="slow",state="unhealthy"} 1')
    expect(prom).toContain('stocktower_channel_health{channel="fast",state="healthy"} 1')
  })

  it('draws the dashboard series on a continuous axis with interpolated p95 and its bounds', async () => {
    const dash = await getDashboard(db, { now, range: '6h' })
    expect(dash.series.minutes).toBe(360)
    expect(Date.parse(dash.series.to) - Date.parse(dash.series.from)).toBe(359 * 60_000)
    const p = dash.lagSeries.find((x) => x.channel === 'fast')!
    expect(p).toMatchObject({ p95Seconds: 9.8, p95LowerSeconds: 5, p95UpperSeconds: 10, samples: 10 })
  })

  it("tells each listing's sync story on the SKU page: sent with its feed, accepted, waiting to apply since when", async () => {
    const slow = await db.channel.findUniqueOrThrow({ where: { code: 'slow' } })
    const listing = await db.channelListing.findFirstOrThrow({ where: { channelId: slow.id, externalSku: 'S-0' } })
    await db.publishAttempt.create({
      data: {
        listingId: listing.id,
        channelId: slow.id,
        version: 1,
        quantity: 5,
        outcome: 'accepted',
        batchId: 'FEED-42',
        startedAt: ago(1190),
        finishedAt: ago(1189),
      },
    })
    const d = await getSkuDetail(db, 'H-0')
    const s = d.sync.slow
    expect(s.waitingSince).toBe(ago(1200).toISOString())
    expect(s.sent).toMatchObject({
      version: 1,
      quantity: 5,
      outcome: 'accepted',
      batchId: 'FEED-42',
      at: ago(1190).toISOString(),
    })
    expect(s.accepted).toEqual({ version: 1, at: ago(1190).toISOString() })
    expect(s.applied).toBeNull()
    expect(s.waitsFor).toEqual({
      state: 'apply',
      message: 'The channel to apply version 1, accepted (request FEED-42); confirmed by reading it back.',
    })
    expect(d.sync.fast.waitsFor.state).toBe('in_sync')
    expect(d.sync.fast.waitingSince).toBeNull()
  })

  it('judges by the SLO an admin sets: a longer stale-after makes the same wait healthy, audited', async () => {
    const actor = { kind: 'user' as const, id: null, label: 'admin@example.com' }
    await setChannelSlo(db, actor, 'slow', { lagP95Seconds: 60, staleAfterSeconds: 3600 })
    const slow = (await getChannelsHealth(db, { now, codes: ['slow'] }))[0]
    expect(slow.slo.staleAfterSeconds).toBe(3600)
    expect([slow.listings.stale, slow.health.state]).toEqual([0, 'healthy'])
    expect(await db.auditLog.count({ where: { action: 'channel.slo', entityId: 'slow' } })).toBe(1)
    await expect(setChannelSlo(db, actor, 'slow', { lagP95Seconds: 0, staleAfterSeconds: 300 })).rejects.toThrow(
      /whole number of seconds/,
    )
  })
})
