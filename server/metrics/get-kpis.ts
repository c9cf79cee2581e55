// KPIs per channel and overall over a selectable window, from the per-minute rollups (LagMinute,
// CounterMinute) and small indexed counts; never a scan of the ledger, orders or attempts.
import type { Db } from '../db'
import { percentileFromBuckets, LAG_BUCKETS_SECONDS } from './lag'
import { sloOf } from './slo'

export const KPI_WINDOWS = { '1h': 60, '24h': 1440, '7d': 10_080 } as const
export type KpiWindow = keyof typeof KPI_WINDOWS

export interface ChannelKpis {
  channel: string
  lag: { samples: number; p50Seconds: number | null; p95Seconds: number | null; p99Seconds: number | null }
  slo: { lagP95Seconds: number; staleAfterSeconds: number; lagBreached: boolean }
  staleListings: number
  driftOpen: number
  deadLettersOpen: number
  oldestDeadLetterSeconds: number | null
  reservations: { open: number; units: number; oldestSeconds: number | null }
  orderedUnits: number
  oversoldUnits: number
  oversellRate: number | null
  revenueAtRiskCents: number
  incidents: number
}

export interface KpiView { window: KpiWindow; from: string; to: string; channels: ChannelKpis[]; overall: Omit<ChannelKpis, 'channel' | 'slo'> }

const cap = (b: number | null) => (b === null ? null : Number.isFinite(b) ? b : LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1] * 2)

function sum(into: number[], add: number[]) { for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0); return into }

export async function getKpis(db: Db, window: KpiWindow, now = new Date()): Promise<KpiView> {
  const minutes = KPI_WINDOWS[window]
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000)
  const channels = await db.channel.findMany({ orderBy: { code: 'asc' } })
  const [lagRows, unitRows, stale, drift, dead, reservations, incidents] = await Promise.all([
    db.lagMinute.findMany({ where: { minute: { gte: from } }, select: { channelId: true, count: true, buckets: true } }),
    db.$queryRawUnsafe<Array<{ labels: string; value: bigint }>>(
      `SELECT labels, sum(value) AS value FROM "CounterMinute" WHERE name = 'stocktower_order_units_total' AND minute >= $1::timestamptz GROUP BY labels`, from.toISOString()),
    db.$queryRawUnsafe<Array<{ channelId: string; stale: bigint }>>(
      `SELECT cl."channelId"::text AS "channelId", count(*) AS stale FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId"
        WHERE cl.active AND cl."pendingSince" IS NOT NULL
          AND cl."pendingSince" < $1::timestamptz - make_interval(secs => COALESCE(NULLIF(c.settings->>'sloStaleAfterSeconds', '')::numeric, 300))
        GROUP BY 1`, now.toISOString()),
    db.$queryRawUnsafe<Array<{ channel: string | null; n: bigint }>>(`SELECT channel, count(*) AS n FROM "Finding" WHERE kind = 'drift' AND status IN ('open', 'healing') GROUP BY 1`),
    db.$queryRawUnsafe<Array<{ channel: string | null; n: bigint; oldest: Date | null }>>(
      `SELECT channel, count(*) AS n, min("firstSeenAt") AS oldest FROM "DeadLetter" WHERE status IN ('open', 'replay_requested') GROUP BY 1`),
    db.$queryRawUnsafe<Array<{ channelId: string; n: bigint; units: bigint; oldest: Date | null }>>(
      `SELECT "channelId"::text AS "channelId", count(*) AS n, sum(quantity) AS units, min("createdAt") AS oldest FROM "Reservation" WHERE status = 'open' AND quantity > 0 GROUP BY 1`),
    db.$queryRawUnsafe<Array<{ channel: string; n: bigint }>>(
      `SELECT channel, count(*) AS n FROM "OversellIncident" WHERE "detectedAt" >= $1::timestamptz GROUP BY 1`, from.toISOString()),
  ])
  const age = (d: Date | null | undefined) => (d ? Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000)) : null)
  const unit = (channel: string, measure: string) => unitRows.filter((r) => r.labels === `channel=${channel},measure=${measure}`).reduce((s, r) => s + Number(r.value), 0)

  const overallBuckets: number[] = []
  let overallSamples = 0
  const list: ChannelKpis[] = channels.map((c) => {
    const buckets: number[] = []
    let samples = 0
    for (const r of lagRows) if (r.channelId === c.id) { sum(buckets, r.buckets); samples += r.count }
    sum(overallBuckets, buckets); overallSamples += samples
    const slo = sloOf(c.settings)
    const p95 = samples ? cap(percentileFromBuckets(buckets, 95)) : null
    const ordered = unit(c.code, 'ordered')
    const oversold = unit(c.code, 'oversold_channel_oversell') + unit(c.code, 'oversold_shortage')
    const d = dead.find((x) => x.channel === c.code)
    const r = reservations.find((x) => x.channelId === c.id)
    return {
      channel: c.code,
      lag: { samples, p50Seconds: samples ? cap(percentileFromBuckets(buckets, 50)) : null, p95Seconds: p95, p99Seconds: samples ? cap(percentileFromBuckets(buckets, 99)) : null },
      slo: { ...slo, lagBreached: p95 !== null && p95 > slo.lagP95Seconds },
      staleListings: Number(stale.find((x) => x.channelId === c.id)?.stale ?? 0),
      driftOpen: Number(drift.find((x) => x.channel === c.code)?.n ?? 0),
      deadLettersOpen: Number(d?.n ?? 0),
      oldestDeadLetterSeconds: age(d?.oldest),
      reservations: { open: Number(r?.n ?? 0), units: Number(r?.units ?? 0), oldestSeconds: age(r?.oldest) },
      orderedUnits: ordered,
      oversoldUnits: oversold,
      oversellRate: ordered > 0 ? oversold / ordered : null,
      revenueAtRiskCents: unit(c.code, 'revenue_at_risk_cents'),
      incidents: Number(incidents.find((x) => x.channel === c.code)?.n ?? 0),
    }
  })
  const total = <K extends keyof ChannelKpis>(k: K) => list.reduce((s, c) => s + (c[k] as number), 0)
  const ordered = total('orderedUnits')
  const oversold = total('oversoldUnits')
  const ingestDead = dead.filter((x) => x.channel === null)
  const oldestDead = [...dead.map((x) => x.oldest)].filter((x): x is Date => x !== null).sort((a, b) => a.getTime() - b.getTime())[0]
  return {
    window, from: from.toISOString(), to: now.toISOString(), channels: list,
    overall: {
      lag: { samples: overallSamples, p50Seconds: overallSamples ? cap(percentileFromBuckets(overallBuckets, 50)) : null, p95Seconds: overallSamples ? cap(percentileFromBuckets(overallBuckets, 95)) : null, p99Seconds: overallSamples ? cap(percentileFromBuckets(overallBuckets, 99)) : null },
      staleListings: total('staleListings'),
      driftOpen: total('driftOpen') + Number(drift.find((x) => x.channel === null)?.n ?? 0),
      deadLettersOpen: total('deadLettersOpen') + ingestDead.reduce((s, x) => s + Number(x.n), 0),
      oldestDeadLetterSeconds: age(oldestDead),
      reservations: { open: list.reduce((s, c) => s + c.reservations.open, 0), units: list.reduce((s, c) => s + c.reservations.units, 0), oldestSeconds: Math.max(-1, ...list.map((c) => c.reservations.oldestSeconds ?? -1)) < 0 ? null : Math.max(...list.map((c) => c.reservations.oldestSeconds ?? -1)) },
      orderedUnits: ordered, oversoldUnits: oversold, oversellRate: ordered > 0 ? oversold / ordered : null,
      revenueAtRiskCents: total('revenueAtRiskCents'), incidents: total('incidents'),
    },
  }
}
