// The operations dashboard's read model: exactly what the page shows, from listing state and the
// per-minute rollups (LagMinute, CounterMinute). It never scans the ledger or the attempts table.
import type { Db } from '../db'
import { LAG_BUCKETS_SECONDS, percentileFromBuckets } from './lag'

export interface ChannelTile {
  code: string
  name: string
  kind: string
  mode: string
  status: string
  breakerState: string
  listings: number
  /** Applied at the channel at the version we last decided. */
  inSync: number
  /** Decided but not yet confirmed applied by the channel. */
  pending: number
  /** Listings whose last publish attempt failed or was rejected. */
  failing: number
  /** Age in seconds of the oldest input still waiting to reach the channel (null when none waits). */
  oldestPendingSeconds: number | null
  lag: { windowMinutes: number; samples: number; p50Seconds: number | null; p95Seconds: number | null; maxSeconds: number | null }
}

export interface LagPoint { minute: string; channel: string; p95Seconds: number | null; samples: number }

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
  totals: { eventsLastHour: number; ordersLastHour: number; openDeadLetters: number; openFindings: number; oversoldUnits24h: number }
  recent: RecentChange[]
}

const LAG_WINDOW_MINUTES = 15
const SERIES_MINUTES = 60
const RECENT_LIMIT = 25

function seconds(bucketBound: number | null): number | null {
  if (bucketBound === null) return null
  return Number.isFinite(bucketBound) ? bucketBound : LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1] * 2
}

function addBuckets(into: number[], add: number[]): number[] {
  const out = into.length >= add.length ? [...into] : [...add.map(() => 0)]
  for (let i = 0; i < into.length; i++) out[i] = into[i] ?? 0
  for (let i = 0; i < add.length; i++) out[i] = (out[i] ?? 0) + (add[i] ?? 0)
  return out
}

export async function getDashboard(db: Db, opts: { now?: Date; recentLimit?: number } = {}): Promise<DashboardView> {
  const now = opts.now ?? new Date()
  const seriesFrom = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (SERIES_MINUTES - 1) * 60_000)
  const windowFrom = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (LAG_WINDOW_MINUTES - 1) * 60_000)

  const [channels, listingStats, lagRows, counterRows, openDeadLetters, openFindings, oversold, recentRows] = await Promise.all([
    db.channel.findMany({ orderBy: { code: 'asc' } }),
    db.$queryRawUnsafe<Array<{ channelId: string; listings: bigint; inSync: bigint; pending: bigint; failing: bigint; oldestPending: Date | null }>>(
      `SELECT "channelId",
              count(*) AS listings,
              count(*) FILTER (WHERE "desiredVersion" > 0 AND "appliedVersion" >= "desiredVersion") AS "inSync",
              count(*) FILTER (WHERE "desiredVersion" > "appliedVersion") AS pending,
              count(*) FILTER (WHERE "lastError" IS NOT NULL) AS failing,
              min("pendingSince") AS "oldestPending"
         FROM "ChannelListing" WHERE active GROUP BY "channelId"`),
    db.lagMinute.findMany({ where: { minute: { gte: seriesFrom } }, orderBy: { minute: 'asc' } }),
    db.$queryRawUnsafe<Array<{ name: string; labels: string; value: bigint }>>(
      `SELECT name, labels, sum(value) AS value FROM "CounterMinute"
        WHERE minute >= $1::timestamptz AND name = 'stocktower_events_total' GROUP BY name, labels`,
      new Date(now.getTime() - 60 * 60_000).toISOString()),
    db.deadLetter.count({ where: { status: { in: ['open', 'replay_requested'] } } }),
    db.finding.count({ where: { status: { in: ['open', 'healing'] } } }),
    db.oversellIncident.aggregate({ _sum: { oversoldUnits: true }, where: { detectedAt: { gte: new Date(now.getTime() - 24 * 3600_000) } } }),
    db.$queryRawUnsafe<Array<{ id: bigint; sku: string; channel: string; quantity: number; decidedAt: Date; listingVersion: number; desiredVersion: number; appliedVersion: number; appliedQuantity: number | null; appliedAt: Date | null; lastError: string | null }>>(
      `SELECT d.id, s.code AS sku, c.code AS channel, d.quantity, d."decidedAt", d."listingVersion",
              l."desiredVersion", l."appliedVersion", l."appliedQuantity", l."appliedAt", l."lastError"
         FROM "AvailabilityDecision" d
         JOIN "ChannelListing" l ON l.id = d."listingId"
         JOIN "Sku" s ON s.id = d."skuId"
         JOIN "Channel" c ON c.id = d."channelId"
        ORDER BY d.id DESC LIMIT $1`, opts.recentLimit ?? RECENT_LIMIT),
  ])

  const statsByChannel = new Map(listingStats.map((s) => [s.channelId, s]))
  const codeById = new Map(channels.map((c) => [c.id, c.code]))

  const windowBuckets = new Map<string, { buckets: number[]; samples: number; maxMs: number }>()
  const lagSeries: LagPoint[] = []
  for (const row of lagRows) {
    const code = codeById.get(row.channelId)
    if (!code) continue
    lagSeries.push({ minute: row.minute.toISOString(), channel: code, p95Seconds: seconds(percentileFromBuckets(row.buckets, 95)), samples: row.count })
    if (row.minute >= windowFrom) {
      const w = windowBuckets.get(code) ?? { buckets: [], samples: 0, maxMs: 0 }
      windowBuckets.set(code, { buckets: addBuckets(w.buckets, row.buckets), samples: w.samples + row.count, maxMs: Math.max(w.maxMs, row.maxMs) })
    }
  }

  let eventsLastHour = 0
  let ordersLastHour = 0
  for (const row of counterRows) {
    // Order events are counted under source=channel:<code>; everything else is inventory movement.
    if (/(^|,)source=channel:/.test(row.labels)) ordersLastHour += Number(row.value)
    else eventsLastHour += Number(row.value)
  }

  return {
    generatedAt: now.toISOString(),
    channels: channels.map((c) => {
      const s = statsByChannel.get(c.id)
      const w = windowBuckets.get(c.code)
      return {
        code: c.code,
        name: c.name,
        kind: c.kind,
        mode: c.mode,
        status: c.status,
        breakerState: c.breakerState,
        listings: Number(s?.listings ?? 0),
        inSync: Number(s?.inSync ?? 0),
        pending: Number(s?.pending ?? 0),
        failing: Number(s?.failing ?? 0),
        oldestPendingSeconds: s?.oldestPending ? Math.max(0, Math.round((now.getTime() - s.oldestPending.getTime()) / 1000)) : null,
        lag: {
          windowMinutes: LAG_WINDOW_MINUTES,
          samples: w?.samples ?? 0,
          p50Seconds: w ? seconds(percentileFromBuckets(w.buckets, 50)) : null,
          p95Seconds: w ? seconds(percentileFromBuckets(w.buckets, 95)) : null,
          maxSeconds: w ? Math.round(w.maxMs / 100) / 10 : null,
        },
      }
    }),
    lagSeries,
    totals: { eventsLastHour, ordersLastHour, openDeadLetters, openFindings, oversoldUnits24h: oversold._sum.oversoldUnits ?? 0 },
    recent: recentRows.map((r) => ({
      decisionId: String(r.id),
      sku: r.sku,
      channel: r.channel,
      quantity: r.quantity,
      decidedAt: r.decidedAt.toISOString(),
      applied: r.appliedQuantity,
      appliedAt: r.appliedAt ? r.appliedAt.toISOString() : null,
      state: r.listingVersion < r.desiredVersion ? 'superseded' : r.appliedVersion >= r.listingVersion ? 'applied' : r.lastError ? 'failing' : 'pending',
    })),
  }
}
