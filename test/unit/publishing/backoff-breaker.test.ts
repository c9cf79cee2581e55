import { describe, expect, it } from 'vitest'
import { attemptsExhausted, backoffDelayMs, DEFAULT_BACKOFF } from '../../../server/publishing/backoff'
import { breakerGate, breakerRecord, type Breaker } from '../../../server/publishing/circuit-breaker'
import { refill, take } from '../../../server/channels/rate-budget'

describe('backoff', () => {
  it('grows exponentially within jitter bounds and caps', () => {
    for (const [attempt, lo, hi] of [
      [1, 500, 1000],
      [2, 1000, 2000],
      [4, 4000, 8000],
      [20, 150_000, 300_000],
    ] as const) {
      expect(backoffDelayMs(attempt, DEFAULT_BACKOFF, undefined, 0)).toBe(lo)
      expect(backoffDelayMs(attempt, DEFAULT_BACKOFF, undefined, 0.999999)).toBeLessThanOrEqual(hi)
    }
  })
  it('honours Retry-After when it is longer', () => {
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, 30_000, 0.5)).toBe(30_000)
  })
  it('is exhausted after maxAttempts', () => {
    expect(attemptsExhausted(DEFAULT_BACKOFF.maxAttempts - 1)).toBe(false)
    expect(attemptsExhausted(DEFAULT_BACKOFF.maxAttempts)).toBe(true)
  })
})

describe('circuit breaker', () => {
  const t0 = new Date('2026-11-22T10:00:00Z')
  const policy = { failureThreshold: 3, cooldownMs: 10_000 }
  it('opens on sustained failures, half-opens after the cool-down, closes on success', () => {
    let b: Breaker = { state: 'closed', failures: 0, openedAt: null }
    for (let i = 0; i < 3; i++) b = breakerRecord(b, false, t0, policy)
    expect(b.state).toBe('open')
    expect(breakerGate(b, new Date(t0.getTime() + 5_000), policy).allowed).toBe(false)
    const gate = breakerGate(b, new Date(t0.getTime() + 10_000), policy)
    expect(gate).toMatchObject({ allowed: true, probe: true })
    expect(gate.next.state).toBe('half_open')
    expect(breakerRecord(gate.next, true, t0, policy)).toEqual({ state: 'closed', failures: 0, openedAt: null })
  })
  it('a failed probe reopens at once', () => {
    const b = breakerRecord(
      { state: 'half_open', failures: 3, openedAt: t0 },
      false,
      new Date(t0.getTime() + 11_000),
      policy,
    )
    expect(b.state).toBe('open')
    expect(b.openedAt?.getTime()).toBe(t0.getTime() + 11_000)
  })
})

describe('rate budget', () => {
  it('refills at the rate up to the burst and grants whole tokens', () => {
    const t0 = new Date('2026-11-22T10:00:00Z')
    let b = refill({ tokens: 0, refilledAt: t0 }, 5, 5, new Date(t0.getTime() + 500))
    expect(b.tokens).toBe(2.5)
    const r = take(b, 10, 5)
    expect(r.granted).toBe(2)
    b = refill(r.bucket, 5, 5, new Date(t0.getTime() + 60_000))
    expect(b.tokens).toBe(5)
    const empty = take({ tokens: 0.5, refilledAt: t0 }, 1, 5)
    expect(empty).toMatchObject({ granted: 0, waitMs: 100 })
  })
})
