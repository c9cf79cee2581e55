// KPIs per channel and overall over a selectable window, from the per-minute rollups (LagMinute,
// CounterMinute) and small indexed counts; never a scan of the ledger, orders or attempts.
import type { Db } from '../db'
import { lagPercentile } from './lag-percentile'
import { getChannelsHealth, type ChannelHealth } from './channel-health'
import { getOrderIntakeHealth, getOrderIntakeLag, type IntakeState } from './order-intake'

export const KPI_WINDOWS = { '1h': 60, '24h': 1440, '7d': 10_080 } as const
export type KpiWindow = keyof typeof KPI_WINDOWS

export interface ChannelKpis {
  channel: string
  lag: { samples: number; p50Seconds: number | null; p95Seconds: number | null; p99Seconds: number | null }
  slo: { lagP95Seconds: number; staleAfterSeconds: number; lagBreached: boolean }
  /** Now, whatever the window: the one health verdict (server/metrics/channel-health.ts). */
  health: ChannelHealth
  /** Listings waiting longer than the channel's SLO now. */
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
  /** Units of cancelled order lines, and of those the units the line could not be filled (oversold). */
  cancelledUnits: number
  cancelledForStockUnits: number
  /** Order intake lag over the window: marketplace order time to our reservation (OrderLagMinute). */
  intakeLag: { samples: number; p50Seconds: number | null; p95Seconds: number | null; p99Seconds: number | null }
  /** Now, whatever the window: is the channel's orders intake alive (server/metrics/order-intake.ts). */
  intake: { state: IntakeState; lastActivityAt: string | null }
}

/** One bucket of the trend: per channel ordered/oversold units, revenue at risk and lag p95. */
export interface KpiBucket {
  bucket: string
  channels: Record<
    string,
    { ordered: number; oversold: number; revenueAtRiskCents: number; lagP95Seconds: number | null }
  >
}

export interface KpiView {
  window: KpiWindow
  from: string
  to: string
  channels: ChannelKpis[]
  overall: Omit<ChannelKpis, 'channel' | 'slo' | 'health' | 'intake'>
  series?: { bucketMinutes: number; buckets: KpiBucket[] }
}

/** Trend resolution per window: 12 to 28 points, each a whole number of minutes. */
export const SERIES_BUCKET_MINUTES: Record<KpiWindow, number> = { '1h': 5, '24h': 60, '7d': 360 }

/** Interpolated percentile in seconds (lag-percentile.ts); null when not measured. */
const pct = (buckets: number[], p: number) => lagPercentile(buckets, p)?.seconds ?? null

/** Percentiles of an order intake lag histogram (absent: not measured, all null). */
const lagOf = (x: { samples: number; buckets: number[] } | undefined) => ({
  samples: x?.samples ?? 0,
  p50Seconds: x ? pct(x.buckets, 50) : null,
  p95Seconds: x ? pct(x.buckets, 95) : null,
  p99Seconds: x ? pct(x.buckets, 99) : null,
})

function sum(into: number[], add: number[]) {
  for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0)
  return into
}

export async function getKpis(
  db: Db,
  window: KpiWindow,
  now = new Date(),
  opts: { series?: boolean } = {},
): Promise<KpiView> {
  const minutes = KPI_WINDOWS[window]
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000)
  const channels = await db.channel.findMany({ orderBy: { code: 'asc' } })
  const [intakeLag, intakeHealth] = await Promise.all([getOrderIntakeLag(db, from), getOrderIntakeHealth(db, now)])
  const rows = await readWindowRows(db, window, from, now)
  const { lagRows, unitRows, drift, dead } = rows
  const age = (d: Date | null | undefined) => ageSeconds(now, d)

  const overallBuckets: number[] = []
  let overallSamples = 0
  const list: ChannelKpis[] = channels.map((c) => {
    const lag = channelLag(lagRows, c.id)
    sum(overallBuckets, lag.buckets)
    overallSamples += lag.samples
    return channelKpis(c, rows, lag, { lag: intakeLag, health: intakeHealth }, now)
  })
  const series = opts.series ? trend(window, from, now, channels, lagRows, unitRows) : undefined
  const total = <K extends keyof ChannelKpis>(k: K) => list.reduce((s, c) => s + (c[k] as number), 0)
  const ordered = total('orderedUnits')
  const oversold = total('oversoldUnits')
  const ingestDead = dead.filter((x) => x.channel === null)
  const oldestDead = [...dead.map((x) => x.oldest)]
    .filter((x): x is Date => x !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0]
  return {
    window,
    from: from.toISOString(),
    to: now.toISOString(),
    channels: list,
    ...(series ? { series } : {}),
    overall: {
      lag: {
        samples: overallSamples,
        p50Seconds: pct(overallBuckets, 50),
        p95Seconds: pct(overallBuckets, 95),
        p99Seconds: pct(overallBuckets, 99),
      },
      staleListings: total('staleListings'),
      driftOpen: total('driftOpen') + Number(drift.find((x) => x.channel === null)?.n ?? 0),
      deadLettersOpen: total('deadLettersOpen') + ingestDead.reduce((s, x) => s + Number(x.n), 0),
      oldestDeadLetterSeconds: age(oldestDead),
      reservations: {
        open: list.reduce((s, c) => s + c.reservations.open, 0),
        units: list.reduce((s, c) => s + c.reservations.units, 0),
        oldestSeconds:
          Math.max(-1, ...list.map((c) => c.reservations.oldestSeconds ?? -1)) < 0
            ? null
            : Math.max(...list.map((c) => c.reservations.oldestSeconds ?? -1)),
      },
      orderedUnits: ordered,
      oversoldUnits: oversold,
      oversellRate: ordered > 0 ? oversold / ordered : null,
      revenueAtRiskCents: total('revenueAtRiskCents'),
      incidents: total('incidents'),
      cancelledUnits: total('cancelledUnits'),
      cancelledForStockUnits: total('cancelledForStockUnits'),
      intakeLag: lagOf(
        [...intakeLag.values()].reduce(
          (a, x) => ({ samples: a.samples + x.samples, buckets: sum(a.buckets, x.buckets) }),
          { samples: 0, buckets: [] as number[] },
        ),
      ),
    },
  }
}

type WindowRows = Awaited<ReturnType<typeof readWindowRows>>

/** The window's rollups and open work, read once for every channel (a few dozen rows each). */
async function readWindowRows(db: Db, window: KpiWindow, from: Date, now: Date) {
  const [lagRows, unitRows, health, drift, dead, reservations, incidents] = await Promise.all([
    db.lagMinute.findMany({
      where: { minute: { gte: from } },
      select: { channelId: true, minute: true, count: true, buckets: true },
    }),
    // Per trend bucket and label set (a few dozen rows), summed again here for the whole window.
    db.$queryRawUnsafe<Array<{ minute: Date; labels: string; value: bigint }>>(
      `SELECT date_bin(make_interval(mins => $2::int), minute, 'epoch'::timestamptz) AS minute, labels, sum(value) AS value
         FROM "CounterMinute" WHERE name = 'stocktower_order_units_total' AND minute >= $1::timestamptz GROUP BY 1, 2`,
      from.toISOString(),
      SERIES_BUCKET_MINUTES[window],
    ),
    getChannelsHealth(db, { now }),
    db.$queryRawUnsafe<Array<{ channel: string | null; n: bigint }>>(
      `SELECT channel, count(*) AS n FROM "Finding" WHERE kind = 'drift' AND status IN ('open', 'healing') GROUP BY 1`,
    ),
    db.$queryRawUnsafe<Array<{ channel: string | null; n: bigint; oldest: Date | null }>>(
      `SELECT channel, count(*) AS n, min("firstSeenAt") AS oldest FROM "DeadLetter" WHERE status IN ('open', 'replay_requested') GROUP BY 1`,
    ),
    db.$queryRawUnsafe<Array<{ channelId: string; n: bigint; units: bigint; oldest: Date | null }>>(
      `SELECT "channelId"::text AS "channelId", count(*) AS n, sum(quantity) AS units, min("createdAt") AS oldest FROM "Reservation" WHERE status = 'open' AND quantity > 0 GROUP BY 1`,
    ),
    db.$queryRawUnsafe<Array<{ channel: string; n: bigint }>>(
      `SELECT channel, count(*) AS n FROM "OversellIncident" WHERE "detectedAt" >= $1::timestamptz GROUP BY 1`,
      from.toISOString(),
    ),
  ])
  return { lagRows, unitRows, health, drift, dead, reservations, incidents }
}

const ageSeconds = (now: Date, d: Date | null | undefined) =>
  d ? Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000)) : null

/** One channel's publish lag histogram over the window. */
function channelLag(lagRows: WindowRows['lagRows'], channelId: string): { buckets: number[]; samples: number } {
  const buckets: number[] = []
  let samples = 0
  for (const r of lagRows)
    if (r.channelId === channelId) {
      sum(buckets, r.buckets)
      samples += r.count
    }
  return { buckets, samples }
}

function channelKpis(
  c: { id: string; code: string },
  rows: WindowRows,
  { buckets, samples }: { buckets: number[]; samples: number },
  intakeOf: {
    lag: Awaited<ReturnType<typeof getOrderIntakeLag>>
    health: Awaited<ReturnType<typeof getOrderIntakeHealth>>
  },
  now: Date,
): ChannelKpis {
  const { unitRows, health, drift, dead, reservations, incidents } = rows
  const intakeLag = intakeOf.lag
  const intakeHealth = intakeOf.health
  const age = (d: Date | null | undefined) => ageSeconds(now, d)
  const unit = (channel: string, measure: string) =>
    unitRows
      .filter((r) => r.labels === `channel=${channel},measure=${measure}`)
      .reduce((s, r) => s + Number(r.value), 0)
  const h = health.find((x) => x.code === c.code)!
  const slo = h.slo
  const p95 = pct(buckets, 95)
  const ordered = unit(c.code, 'ordered')
  const oversold = unit(c.code, 'oversold_channel_oversell') + unit(c.code, 'oversold_shortage')
  const d = dead.find((x) => x.channel === c.code)
  const r = reservations.find((x) => x.channelId === c.id)
  return {
    channel: c.code,
    lag: { samples, p50Seconds: pct(buckets, 50), p95Seconds: p95, p99Seconds: pct(buckets, 99) },
    slo: { ...slo, lagBreached: p95 !== null && p95 > slo.lagP95Seconds },
    health: h.health,
    staleListings: h.listings.stale,
    driftOpen: Number(drift.find((x) => x.channel === c.code)?.n ?? 0),
    deadLettersOpen: Number(d?.n ?? 0),
    oldestDeadLetterSeconds: age(d?.oldest),
    reservations: { open: Number(r?.n ?? 0), units: Number(r?.units ?? 0), oldestSeconds: age(r?.oldest) },
    orderedUnits: ordered,
    oversoldUnits: oversold,
    oversellRate: ordered > 0 ? oversold / ordered : null,
    revenueAtRiskCents: unit(c.code, 'revenue_at_risk_cents'),
    incidents: Number(incidents.find((x) => x.channel === c.code)?.n ?? 0),
    cancelledUnits: unit(c.code, 'cancelled'),
    cancelledForStockUnits: unit(c.code, 'cancelled_stock'),
    intakeLag: lagOf(intakeLag.get(c.id)),
    intake: {
      state: intakeHealth.find((x) => x.channel === c.code)?.state ?? 'not_connected',
      lastActivityAt: intakeHealth.find((x) => x.channel === c.code)?.lastActivityAt ?? null,
    },
  }
}

function trend(
  window: KpiWindow,
  from: Date,
  now: Date,
  channels: Array<{ id: string; code: string }>,
  lagRows: Array<{ channelId: string; minute: Date; count: number; buckets: number[] }>,
  unitRows: Array<{ minute: Date; labels: string; value: bigint }>,
): { bucketMinutes: number; buckets: KpiBucket[] } {
  const size = SERIES_BUCKET_MINUTES[window] * 60_000
  const start = Math.floor(from.getTime() / size) * size
  const index = (t: Date) => Math.floor((t.getTime() - start) / size)
  const n = index(now) + 1
  const codeOf = new Map(channels.map((c) => [c.id, c.code]))
  const acc = Array.from(
    { length: n },
    () =>
      new Map(channels.map((c) => [c.code, { ordered: 0, oversold: 0, revenueAtRiskCents: 0, lag: [] as number[] }])),
  )
  for (const r of unitRows) {
    const m = /^channel=([^,]+),measure=(.+)$/.exec(r.labels)
    const cell = m ? acc[index(r.minute)]?.get(m[1]) : undefined
    if (!cell || !m) continue
    const v = Number(r.value)
    if (m[2] === 'ordered') cell.ordered += v
    else if (m[2] === 'oversold_channel_oversell' || m[2] === 'oversold_shortage') cell.oversold += v
    else if (m[2] === 'revenue_at_risk_cents') cell.revenueAtRiskCents += v
  }
  for (const r of lagRows) {
    const cell = acc[index(r.minute)]?.get(codeOf.get(r.channelId) ?? '')
    if (cell) sum(cell.lag, r.buckets)
  }
  return {
    bucketMinutes: SERIES_BUCKET_MINUTES[window],
    buckets: acc.map((cells, i) => ({
      bucket: new Date(start + i * size).toISOString(),
      channels: Object.fromEntries(
        [...cells].map(([code, c]) => [
          code,
          {
            ordered: c.ordered,
            oversold: c.oversold,
            revenueAtRiskCents: c.revenueAtRiskCents,
            lagP95Seconds: pct(c.lag, 95),
          },
        ]),
      ),
    })),
  }
}
