// Percentiles from the fixed-bucket lag histogram (LAG_BUCKETS_SECONDS), interpolated linearly
// inside the bucket that holds the rank, as Prometheus' histogram_quantile does. The answer always
// carries the bucket's bounds so a screen can state how precise it is ("≈ 42 s, between 30 s and
// 60 s"). Above the last finite bound the value is only known to be more than it (`seconds` is
// that bound and `upperSeconds` is null).
import { LAG_BUCKETS_SECONDS } from './lag'

export interface LagPercentile {
  /** Interpolated estimate in seconds. */
  seconds: number
  /** The bucket holding the rank: lower bound (exclusive) and upper bound (inclusive, null for +Inf). */
  lowerSeconds: number
  upperSeconds: number | null
}

/** null when the histogram holds no samples (missing measurement, never a zero). */
export function lagPercentile(buckets: readonly number[], p: number): LagPercentile | null {
  const total = buckets.reduce((s, x) => s + (x ?? 0), 0)
  if (total === 0) return null
  const rank = (p / 100) * total
  let seen = 0
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i] ?? 0
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : LAG_BUCKETS_SECONDS[i - 1]
      if (i >= LAG_BUCKETS_SECONDS.length)
        return {
          seconds: LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1],
          lowerSeconds: LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1],
          upperSeconds: null,
        }
      const upper = LAG_BUCKETS_SECONDS[i]
      const seconds = lower + (upper - lower) * Math.max(0, Math.min(1, (rank - seen) / n))
      return { seconds: Math.round(seconds * 10) / 10, lowerSeconds: lower, upperSeconds: upper }
    }
    seen += n
  }
  return null
}

/** Element-wise sum of histograms of possibly different lengths. */
export function sumBuckets(into: number[], add: readonly number[]): number[] {
  for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0)
  return into
}
