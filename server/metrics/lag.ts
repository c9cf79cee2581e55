// Publish lag (event received to applied at the channel), rolled up per channel per minute into
// a fixed-bucket histogram so dashboards and /api/metrics never scan attempts.
import type { Db } from '../db'
import { minuteOf } from './counters'

/** Upper bounds in seconds (Prometheus `le`), the last bucket is +Inf. */
export const LAG_BUCKETS_SECONDS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const

export function bucketIndex(ms: number): number {
  const s = ms / 1000
  const i = LAG_BUCKETS_SECONDS.findIndex((b) => s <= b)
  return i === -1 ? LAG_BUCKETS_SECONDS.length : i
}

/**
 * Whether an applied update is a lag sample: not the first number a listing ever gets there. A
 * channel's first sync (a new channel, a new catalogue, the demo's start) is a backlog drained
 * within the marketplace's limits, not lag behind an event: counted, every demo start opened a
 * Walmart lag-SLO breach for its first 15 minutes (its 2,050 first numbers verified one read each
 * within its budget, p95 90 s).
 */
export function isLagSample(appliedBefore: number | null): boolean {
  return appliedBefore !== null
}

export async function recordLag(db: Db, channelId: string, samplesMs: number[], at: Date): Promise<void> {
  return recordHistogram(db, 'LagMinute', channelId, samplesMs, at)
}

/** One sample per order created: received (reserved, same transaction) minus the marketplace's order time. */
export async function recordOrderLag(db: Db, channelId: string, samplesMs: number[], at: Date): Promise<void> {
  return recordHistogram(
    db,
    'OrderLagMinute',
    channelId,
    samplesMs.map((ms) => Math.max(0, Math.round(ms))),
    at,
  )
}

/** Adds samples to a per-channel per-minute histogram table (LagMinute, OrderLagMinute: same shape). */
export async function recordHistogram(
  db: Db,
  table: 'LagMinute' | 'OrderLagMinute',
  channelId: string,
  samplesMs: number[],
  at: Date,
): Promise<void> {
  if (samplesMs.length === 0) return
  const buckets = new Array<number>(LAG_BUCKETS_SECONDS.length + 1).fill(0)
  for (const ms of samplesMs) buckets[bucketIndex(ms)]++
  const sum = samplesMs.reduce((s, x) => s + x, 0)
  const max = Math.max(...samplesMs)
  await db.$executeRawUnsafe(
    `INSERT INTO "${table}"("channelId", minute, count, "sumMs", "maxMs", buckets) VALUES ($1::uuid, $2::timestamptz, $3, $4, $5, $6::int[])
     ON CONFLICT ("channelId", minute) DO UPDATE SET count = "${table}".count + EXCLUDED.count, "sumMs" = "${table}"."sumMs" + EXCLUDED."sumMs",
       "maxMs" = GREATEST("${table}"."maxMs", EXCLUDED."maxMs"),
       buckets = (SELECT array_agg(a + b ORDER BY i) FROM unnest("${table}".buckets, EXCLUDED.buckets) WITH ORDINALITY AS x(a, b, i))`,
    channelId,
    minuteOf(at).toISOString(),
    samplesMs.length,
    sum,
    max,
    buckets,
  )
}

/** Approximate percentile from bucket counts (upper bound of the bucket holding the rank). */
export function percentileFromBuckets(buckets: number[], p: number): number | null {
  const total = buckets.reduce((s, x) => s + x, 0)
  if (total === 0) return null
  const rank = Math.ceil((p / 100) * total)
  let seen = 0
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]
    if (seen >= rank) return i < LAG_BUCKETS_SECONDS.length ? LAG_BUCKETS_SECONDS[i] : Number.POSITIVE_INFINITY
  }
  return null
}
