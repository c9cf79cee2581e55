// The Channels screen's read model: one channel's state (mode, pause, breaker), listing sync
// counts, lag percentiles per minute (from the LagMinute rollup), rate-budget use per minute
// (requests sent vs what the budget allows), outcomes, recent attempts and, in shadow mode, what
// the first live publish would change. Its operator actions: set-channel-status.ts (pause/resume:
// while paused desired quantities keep updating; the newest goes out on resume) and
// set-channel-mode.ts (shadow/live), both audited.
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { LAG_BUCKETS_SECONDS, percentileFromBuckets } from '../metrics/lag'
import { getListingStates } from '../metrics/listing-states'
import { listingCounts, listingsView, type ListingsView } from '../metrics/listing-counts'
import { sloOf } from './channel-settings'
import { channelIdentity, type ChannelIdentity } from './channel-identity'
import type { ListingMoves } from './listing-moves'
import type { AttemptItem } from './list-publish-attempts'

export interface ChannelOpsView {
  channel: ChannelIdentity & {
    breakerState: string
    breakerFailures: number
    breakerOpenedAt: string | null
    ratePerSecond: number
    rateBurst: number
    slo: { lagP95Seconds: number; staleAfterSeconds: number }
  }
  listings: ListingsView
  lag: Array<{ minute: string; p50: number | null; p95: number | null; p99: number | null; samples: number }>
  budget: Array<{ minute: string; requests: number; capacity: number }>
  outcomes: Record<string, number>
  /** The attempt list's columns (list-publish-attempts.ts) but the attempt number, finish and verification. */
  attempts: Array<Omit<AttemptItem, 'attemptNo' | 'finishedAt' | 'verifiedAt'>>
  /** In shadow mode: the moves, and listings whose channel quantity is not known yet. */
  shadowPreview: (ListingMoves & { unknown: number }) | null
}

const secs = (b: number | null) =>
  b === null ? null : Number.isFinite(b) ? b : LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1] * 2

export async function getChannelOps(
  db: Db,
  code: string,
  opts: { hours?: number; now?: Date } = {},
): Promise<ChannelOpsView> {
  const now = opts.now ?? new Date()
  const c = await db.channel.findUnique({ where: { code } })
  if (!c) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
  const slo = sloOf(c.settings)
  const hours = Math.min(24, Math.max(1, opts.hours ?? 1))
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (hours * 60 - 1) * 60_000)
  const hourAgo = new Date(now.getTime() - 3_600_000)
  const [stats, lagRows, budget, outcomeRows, attempts, shadowPreview] = await Promise.all([
    // The same listing state the dashboard and the health verdict read (server/metrics/listing-states.ts): a rollup, not a count over the channel's listings.
    getListingStates(db, [{ id: c.id, staleAfterSeconds: slo.staleAfterSeconds }], now).then((m) => m.get(c.id)),
    db.lagMinute.findMany({ where: { channelId: c.id, minute: { gte: from } }, orderBy: { minute: 'asc' } }),
    readBudgetPerMinute(db, c, hourAgo, now),
    db.$queryRawUnsafe<Array<{ outcome: string; n: bigint }>>(
      `SELECT outcome, count(*) AS n FROM "PublishAttempt" WHERE "channelId" = $1::uuid AND "startedAt" >= $2::timestamptz GROUP BY 1`,
      c.id,
      hourAgo.toISOString(),
    ),
    readRecentAttempts(db, c.id),
    c.mode === 'shadow' ? readShadowPreview(db, c.id) : Promise.resolve(null),
  ])
  return {
    channel: {
      ...channelIdentity(c),
      breakerState: c.breakerState,
      breakerFailures: c.breakerFailures,
      breakerOpenedAt: c.breakerOpenedAt?.toISOString() ?? null,
      ratePerSecond: c.ratePerSecond,
      rateBurst: c.rateBurst,
      slo,
    },
    listings: listingsView(listingCounts(stats, now)),
    lag: lagRows.map((r) => ({
      minute: r.minute.toISOString(),
      p50: secs(percentileFromBuckets(r.buckets, 50)),
      p95: secs(percentileFromBuckets(r.buckets, 95)),
      p99: secs(percentileFromBuckets(r.buckets, 99)),
      samples: r.count,
    })),
    budget,
    outcomes: Object.fromEntries(outcomeRows.map((r) => [r.outcome, Number(r.n)])),
    attempts,
    shadowPreview,
  }
}

/**
 * Requests sent per minute over the last hour beside what the rate budget allows. One request may
 * carry many listings (a batch mutation or a feed): requests are distinct batches.
 */
async function readBudgetPerMinute(
  db: Db,
  c: { id: string; ratePerSecond: number },
  hourAgo: Date,
  now: Date,
): Promise<ChannelOpsView['budget']> {
  const budgetRows = await db.$queryRawUnsafe<Array<{ minute: Date; requests: bigint }>>(
    `SELECT date_trunc('minute', "startedAt") AS minute, count(DISTINCT COALESCE("batchId", id::text)) AS requests
       FROM "PublishAttempt" WHERE "channelId" = $1::uuid AND "startedAt" >= $2::timestamptz GROUP BY 1 ORDER BY 1`,
    c.id,
    hourAgo.toISOString(),
  )
  const capacity = Math.round(c.ratePerSecond * 60)
  const byMinute = new Map(budgetRows.map((r) => [r.minute.toISOString(), Number(r.requests)]))
  const budget: ChannelOpsView['budget'] = []
  for (let t = Math.floor(hourAgo.getTime() / 60_000) * 60_000 + 60_000; t <= now.getTime(); t += 60_000) {
    const minute = new Date(t).toISOString()
    budget.push({ minute, requests: byMinute.get(minute) ?? 0, capacity })
  }
  return budget
}

type AttemptView = ChannelOpsView['attempts'][number]

/** The channel's 50 latest publish attempts, newest first. */
async function readRecentAttempts(db: Db, channelId: string): Promise<AttemptView[]> {
  const rows = await db.$queryRawUnsafe<Array<Omit<AttemptView, 'id' | 'startedAt'> & { id: bigint; startedAt: Date }>>(
    `SELECT a.id, s.code AS sku, a.quantity, a.version, a.outcome, a."httpStatus", a."latencyMs", a.error, a."batchId", a."startedAt"
       FROM "PublishAttempt" a JOIN "ChannelListing" l ON l.id = a."listingId" JOIN "Sku" s ON s.id = l."skuId"
      WHERE a."channelId" = $1::uuid ORDER BY a."startedAt" DESC, a.id DESC LIMIT 50`,
    channelId,
  )
  return rows.map((a) => ({ ...a, id: String(a.id), startedAt: a.startedAt.toISOString() }))
}

/** In shadow mode: how the first live publish would move the channel's active listings (counts as int: they fit). */
async function readShadowPreview(db: Db, channelId: string): Promise<ChannelOpsView['shadowPreview']> {
  const [sh] = await db.$queryRawUnsafe<Array<NonNullable<ChannelOpsView['shadowPreview']>>>(
    `SELECT count(*)::int AS listings,
            (count(*) FILTER (WHERE "appliedQuantity" IS NOT NULL AND "desiredQuantity" > "appliedQuantity"))::int AS up,
            (count(*) FILTER (WHERE "appliedQuantity" IS NOT NULL AND "desiredQuantity" < "appliedQuantity"))::int AS down,
            (count(*) FILTER (WHERE "appliedQuantity" > 0 AND "desiredQuantity" = 0))::int AS "toZero",
            (count(*) FILTER (WHERE "appliedQuantity" = 0 AND "desiredQuantity" > 0))::int AS "fromZero",
            (count(*) FILTER (WHERE "appliedQuantity" = "desiredQuantity"))::int AS unchanged,
            (count(*) FILTER (WHERE "appliedQuantity" IS NULL AND "desiredQuantity" IS NOT NULL))::int AS unknown
       FROM "ChannelListing" WHERE "channelId" = $1::uuid AND active`,
    channelId,
  )
  return sh ?? null
}
