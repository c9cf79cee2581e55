// Exponential backoff with full jitter, honouring a channel's Retry-After when it gives one.
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
  maxAttempts: number
}
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, maxAttempts: 8 }

/** Delay before attempt `attempt + 1` after `attempt` failures (attempt >= 1). `random` in [0, 1). */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs?: number,
  random: number = Math.random(),
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  const jittered = Math.floor(ceiling / 2 + (random * ceiling) / 2)
  return Math.max(jittered, retryAfterMs ?? 0)
}

export function attemptsExhausted(failedAttempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return failedAttempts >= policy.maxAttempts
}
