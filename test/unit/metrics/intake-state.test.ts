// Is a channel's orders intake alive? (pure: server/metrics/order-intake.ts)
import { describe, expect, it } from 'vitest'
import { intakeState } from '../../../server/metrics/order-intake'

const T0 = new Date('2026-12-02T10:00:00.000Z')
const min = (n: number) => new Date(T0.getTime() + n * 60_000)
const path = (p: Partial<Parameters<typeof intakeState>[1][number]> = {}) => ({
  path: 'poll',
  cursor: null,
  cursorAt: null,
  lastDeliveryAt: null,
  lastPollAt: null,
  lastSuccessAt: null,
  lastFailureAt: null,
  lastError: null,
  consecutiveFailures: 0,
  deliveries: 0,
  updatedAt: T0,
  ...p,
})
const live = { code: 'amazon', live: true, staleAfterMs: 15 * 60_000 }

describe('intakeState', () => {
  it.each<[string, typeof live, ReturnType<typeof path>[], Date, string, string | null]>([
    ['no intake path: not connected', live, [], min(60), 'not_connected', null],
    ['a poll succeeded recently', live, [path({ lastSuccessAt: min(10) })], min(20), 'ok', null],
    [
      'silent past the threshold: stopped since last success + threshold',
      live,
      [path({ lastSuccessAt: min(0), lastFailureAt: min(14), consecutiveFailures: 3, lastError: 'HTTP 503' })],
      min(16),
      'stopped',
      min(15).toISOString(),
    ],
    [
      'the newest path counts (webhook quiet, reconciliation poll alive)',
      live,
      [
        path({ path: 'webhook', lastDeliveryAt: min(0), deliveries: 1 }),
        path({ path: 'reconcile_poll', lastSuccessAt: min(14) }),
      ],
      min(20),
      'ok',
      null,
    ],
    [
      'a webhook delivery with no failure counts as alive',
      live,
      [path({ path: 'webhook', lastDeliveryAt: min(10) })],
      min(20),
      'ok',
      null,
    ],
    [
      'deliveries that keep failing do not',
      live,
      [
        path({
          path: 'webhook',
          lastDeliveryAt: min(19),
          consecutiveFailures: 5,
          lastError: 'bad signature',
          updatedAt: min(0),
        }),
      ],
      min(20),
      'stopped',
      min(15).toISOString(),
    ],
    [
      'never a success: silent since set up',
      live,
      [path({ updatedAt: min(0) })],
      min(16),
      'stopped',
      min(15).toISOString(),
    ],
    [
      'never a success yet, within the threshold: waiting, not stopped',
      live,
      [path({ updatedAt: min(0), consecutiveFailures: 1, lastError: 'HTTP 503' })],
      min(5),
      'ok',
      null,
    ],
    ['not live: not watched', { ...live, live: false }, [path({ lastSuccessAt: min(0) })], min(60), 'not_live', null],
  ])('%s', (_name, c, paths, now, state, stoppedSince) => {
    const r = intakeState(c, paths, now)
    expect(r.state).toBe(state)
    expect(r.stoppedSince).toBe(stoppedSince)
  })

  it("says it is waiting for a first success (the demo's freshness check crashed on this case)", () => {
    expect(intakeState(live, [path({ updatedAt: min(0) })], min(1)).message).toBe(
      'Waiting for the first delivery or successful poll (set up 2026-12-02T10:00:00.000Z).',
    )
  })

  it('says why it stopped', () => {
    const r = intakeState(
      live,
      [path({ lastSuccessAt: min(0), consecutiveFailures: 3, lastError: 'HTTP 503 from getOrders' })],
      min(16),
    )
    expect(r.message).toBe(
      'Orders intake stopped: nothing received since 2026-12-02T10:00:00.000Z (threshold 900 s); poll: HTTP 503 from getOrders. The channel still sells; other channels protect themselves under their degraded policy.',
    )
  })
})
