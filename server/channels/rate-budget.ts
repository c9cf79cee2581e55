// A token bucket per channel (rate per second, burst), stored on the channel row so every worker
// process draws from one budget: publishing and read-backs alike (channel.repository.ts spends it).
export interface Bucket {
  tokens: number
  refilledAt: Date
}

export function refill(b: Bucket, ratePerSecond: number, burst: number, now: Date): Bucket {
  const elapsed = Math.max(0, (now.getTime() - b.refilledAt.getTime()) / 1000)
  return { tokens: Math.min(burst, b.tokens + elapsed * ratePerSecond), refilledAt: now }
}

/** Takes up to `wanted` whole tokens; says how long until the next token when none is left. */
export function take(
  b: Bucket,
  wanted: number,
  ratePerSecond: number,
): { granted: number; bucket: Bucket; waitMs: number } {
  const granted = Math.max(0, Math.min(wanted, Math.floor(b.tokens)))
  const tokens = b.tokens - granted
  const waitMs = granted > 0 ? 0 : Math.ceil(((1 - tokens) / Math.max(ratePerSecond, 0.001)) * 1000)
  return { granted, bucket: { ...b, tokens }, waitMs }
}
