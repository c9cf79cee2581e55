// The operations dashboard's read model: exactly what the page shows, from listing state and the
// per-minute rollups (LagMinute, CounterMinute). It never scans the ledger or the attempts table.
import type { Db } from '../db'
import { getChannelsHealth, type ChannelHealth, type ChannelHealthView } from './channel-health'
import { lagPercentile } from './lag-percentile'
import { listingsView, type ListingsView } from './listing-counts'
import { channelIdentity, type ChannelIdentity } from '../channels/channel-identity'

/** A channel's tile: its identity and breaker, its listings (the total as `listings`), lag, SLO and health. */
export interface ChannelTile extends ChannelIdentity, Omit<ListingsView, 'total'> {
  breakerState: string
  listings: number
  /** Percentiles interpolated from the histogram; null when not measured (no samples). */
  lag: {
    windowMinutes: number
    samples: number
    p50Seconds: number | null
    p95Seconds: number | null
    p95UpperSeconds: number | null
    p95LowerSeconds: number | null
    maxSeconds: number | null
  }
  slo: { lagP95Seconds: number; staleAfterSeconds: number }
  /** The one health verdict (server/metrics/channel-health.ts). */
  health: ChannelHealth
}

/** One channel's p95 in one minute: interpolated, with the bucket bounds it lies between. Minutes without samples are absent (gaps). */
export interface LagPoint {
  minute: string
  channel: string
  p95Seconds: number | null
  p95LowerSeconds: number | null
  p95UpperSeconds: number | null
  samples: number
}

export interface RecentChange {
  decisionId: string
  sku: string
  channel: string
  quantity: number
  decidedAt: string
  applied: number | null
  appliedAt: string | null
  /** applied: the channel shows this decision's quantity; pending: on its way; superseded: a newer decision replaced it. */
  state: 'applied' | 'pending' | 'failing' | 'superseded'
}

export interface DashboardView {
  generatedAt: string
  channels: ChannelTile[]
  lagSeries: LagPoint[]
  /** The series' continuous time axis: every minute from `from` to `to` (ISO, UTC). */
  series: { from: string; to: string; minutes: number }
  totals: {
    eventsLastHour: number
    ordersLastHour: number
    openDeadLetters: number
    openFindings: number
    oversoldUnits24h: number
  }
  recent: RecentChange[]
}

/** Time ranges the dashboard offers for its lag chart, in minutes. */
export const DASHBOARD_RANGES = { '1h': 60, '6h': 360, '24h': 1440 } as const
export type DashboardRange = keyof typeof DASHBOARD_RANGES
const RECENT_LIMIT = 25

export async function getDashboard(
  db: Db,
  opts: { now?: Date; recentLimit?: number; range?: DashboardRange } = {},
): Promise<DashboardView> {
  const now = opts.now ?? new Date()
  const seriesMinutes = DASHBOARD_RANGES[opts.range ?? '1h']
  const toMinute = Math.floor(now.getTime() / 60_000) * 60_000
  const seriesFrom = new Date(toMinute - (seriesMinutes - 1) * 60_000)

  const [channels, health, lagRows, counterRows, openDeadLetters, openFindings, oversold, recentRows] =
    await Promise.all([
      db.channel.findMany({ orderBy: { code: 'asc' } }),
      getChannelsHealth(db, { now }),
      db.lagMinute.findMany({ where: { minute: { gte: seriesFrom } }, orderBy: { minute: 'asc' } }),
      db.$queryRawUnsafe<Array<{ name: string; labels: string; value: bigint }>>(
        `SELECT name, labels, sum(value) AS value FROM "CounterMinute"
        WHERE minute >= $1::timestamptz AND name = 'stocktower_events_total' GROUP BY name, labels`,
        new Date(now.getTime() - 60 * 60_000).toISOString(),
      ),
      db.deadLetter.count({ where: { status: { in: ['open', 'replay_requested'] } } }),
      db.finding.count({ where: { status: { in: ['open', 'healing'] } } }),
      db.oversellIncident.aggregate({
        _sum: { oversoldUnits: true },
        where: { detectedAt: { gte: new Date(now.getTime() - 24 * 3600_000) } },
      }),
      readRecentChanges(db, opts.recentLimit ?? RECENT_LIMIT),
    ])

  const healthByCode = new Map(health.map((h) => [h.code, h]))
  const codeById = new Map(channels.map((c) => [c.id, c.code]))

  const lagSeries = lagSeriesOf(lagRows, codeById)
  const { eventsLastHour, ordersLastHour } = countsLastHour(counterRows)

  return {
    generatedAt: now.toISOString(),
    channels: channels.flatMap((c) => {
      const h = healthByCode.get(c.code)
      if (!h) return []
      return [channelCard(c, h)]
    }),
    lagSeries,
    series: { from: seriesFrom.toISOString(), to: new Date(toMinute).toISOString(), minutes: seriesMinutes },
    totals: {
      eventsLastHour,
      ordersLastHour,
      openDeadLetters,
      openFindings,
      oversoldUnits24h: oversold._sum.oversoldUnits ?? 0,
    },
    recent: recentRows,
  }
}

/** The latest availability decisions and where each stands at its channel. */
async function readRecentChanges(db: Db, limit: number): Promise<RecentChange[]> {
  const rows = await db.$queryRawUnsafe<
    Array<{
      id: bigint
      sku: string
      channel: string
      quantity: number
      decidedAt: Date
      listingVersion: number
      desiredVersion: number
      appliedVersion: number
      appliedQuantity: number | null
      appliedAt: Date | null
      lastError: string | null
    }>
  >(
    `SELECT d.id, s.code AS sku, c.code AS channel, d.quantity, d."decidedAt", d."listingVersion",
              l."desiredVersion", l."appliedVersion", l."appliedQuantity", l."appliedAt", l."lastError"
         FROM "AvailabilityDecision" d
         JOIN "ChannelListing" l ON l.id = d."listingId"
         JOIN "Sku" s ON s.id = d."skuId"
         JOIN "Channel" c ON c.id = d."channelId"
        ORDER BY d.id DESC LIMIT $1`,
    limit,
  )
  return rows.map((r) => ({
    decisionId: String(r.id),
    sku: r.sku,
    channel: r.channel,
    quantity: r.quantity,
    decidedAt: r.decidedAt.toISOString(),
    applied: r.appliedQuantity,
    appliedAt: r.appliedAt ? r.appliedAt.toISOString() : null,
    state:
      r.listingVersion < r.desiredVersion
        ? 'superseded'
        : r.appliedVersion >= r.listingVersion
          ? 'applied'
          : r.lastError
            ? 'failing'
            : 'pending',
  }))
}

/** Per channel and minute: the p95 publish lag (with its bucket bounds). */
function lagSeriesOf(
  lagRows: Array<{ channelId: string; minute: Date; buckets: number[]; count: number }>,
  codeById: Map<string, string>,
): LagPoint[] {
  const lagSeries: LagPoint[] = []
  for (const row of lagRows) {
    const code = codeById.get(row.channelId)
    if (!code) continue
    const p95 = lagPercentile(row.buckets, 95)
    lagSeries.push({
      minute: row.minute.toISOString(),
      channel: code,
      p95Seconds: p95?.seconds ?? null,
      p95LowerSeconds: p95?.lowerSeconds ?? null,
      p95UpperSeconds: p95?.upperSeconds ?? null,
      samples: row.count,
    })
  }
  return lagSeries
}

/** Events of the last hour: order events (source=channel:<code>) apart from inventory movement. */
function countsLastHour(counterRows: Array<{ labels: string; value: bigint }>) {
  let eventsLastHour = 0
  let ordersLastHour = 0
  for (const row of counterRows) {
    // Order events are counted under source=channel:<code>; everything else is inventory movement.
    if (/(^|,)source=channel:/.test(row.labels)) ordersLastHour += Number(row.value)
    else eventsLastHour += Number(row.value)
  }
  return { eventsLastHour, ordersLastHour }
}

function channelCard(
  c: ChannelIdentity & { breakerState: string },
  h: ChannelHealthView,
): DashboardView['channels'][number] {
  const { total, ...listings } = listingsView(h.listings)
  return {
    ...channelIdentity(c),
    breakerState: c.breakerState,
    listings: total,
    ...listings,
    lag: {
      windowMinutes: h.lag.windowMinutes,
      samples: h.lag.samples,
      p50Seconds: h.lag.p50?.seconds ?? null,
      p95Seconds: h.lag.p95?.seconds ?? null,
      p95LowerSeconds: h.lag.p95?.lowerSeconds ?? null,
      p95UpperSeconds: h.lag.p95?.upperSeconds ?? null,
      maxSeconds: h.lag.maxSeconds,
    },
    slo: h.slo,
    health: h.health,
  }
}
