// A circuit breaker per channel, as a pure transition function over its stored state.
import type { BreakerState } from '../channels/channel.repository'
export type { BreakerState }
export interface Breaker {
  state: BreakerState
  failures: number
  openedAt: Date | null
}
export interface BreakerPolicy {
  failureThreshold: number
  cooldownMs: number
}
export const DEFAULT_BREAKER: BreakerPolicy = { failureThreshold: 5, cooldownMs: 30_000 }

/** May we call the channel now? An open breaker half-opens after its cool-down to let one probe through. */
export function breakerGate(
  b: Breaker,
  now: Date,
  p: BreakerPolicy = DEFAULT_BREAKER,
): { allowed: boolean; probe: boolean; retryAt?: Date; next: Breaker } {
  if (b.state === 'closed') return { allowed: true, probe: false, next: b }
  if (b.state === 'half_open') return { allowed: true, probe: true, next: b }
  const reopenAt = new Date((b.openedAt ?? now).getTime() + p.cooldownMs)
  if (now >= reopenAt) return { allowed: true, probe: true, next: { ...b, state: 'half_open' } }
  return { allowed: false, probe: false, retryAt: reopenAt, next: b }
}

/** Sustained failures open it; a success closes it; a failed probe reopens it. */
export function breakerRecord(b: Breaker, success: boolean, now: Date, p: BreakerPolicy = DEFAULT_BREAKER): Breaker {
  if (success) return { state: 'closed', failures: 0, openedAt: null }
  if (b.state === 'half_open') return { state: 'open', failures: b.failures + 1, openedAt: now }
  const failures = b.failures + 1
  if (failures >= p.failureThreshold) return { state: 'open', failures, openedAt: now }
  return { state: 'closed', failures, openedAt: null }
}
