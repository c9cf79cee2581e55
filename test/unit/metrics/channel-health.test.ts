import { describe, expect, it } from 'vitest'
import { assessChannelHealth, type HealthInputs } from '../../../server/metrics/channel-health'
import { lagPercentile } from '../../../server/metrics/lag-percentile'

const base = (
  over: Partial<Omit<HealthInputs, 'listings'>> & { listings?: Partial<HealthInputs['listings']> } = {},
): HealthInputs => ({
  mode: 'live',
  status: 'active',
  breakerState: 'closed',
  slo: { lagP95Seconds: 60, staleAfterSeconds: 300 },
  lag: {
    windowMinutes: 15,
    samples: 100,
    p50: { seconds: 1.5, lowerSeconds: 1, upperSeconds: 2 },
    p95: { seconds: 8, lowerSeconds: 5, upperSeconds: 10 },
    maxSeconds: 9,
  },
  intake: { deadLettersOpen: 0 },
  ...over,
  listings: { total: 100, inSync: 98, waiting: 2, failing: 0, stale: 0, oldestWaitingSeconds: 12, ...over.listings },
})

describe('assessChannelHealth', () => {
  const cases: Array<[string, HealthInputs, string, string[]]> = [
    ['all within the SLO', base(), 'healthy', []],
    [
      'listings waiting longer than the SLO, lag fine',
      base({ listings: { waiting: 1996, stale: 1336, oldestWaitingSeconds: 1200 } }),
      'unhealthy',
      ['stale'],
    ],
    [
      'stale with no lag measured at all (nothing verified)',
      base({
        lag: { windowMinutes: 15, samples: 0, p50: null, p95: null, maxSeconds: null },
        listings: { waiting: 50, stale: 3, oldestWaitingSeconds: 900 },
      }),
      'unhealthy',
      ['stale', 'lag_unmeasured'],
    ],
    [
      'oldest waiting beyond the SLO even before the stale count catches up',
      base({ listings: { oldestWaitingSeconds: 301, stale: 0 } }),
      'unhealthy',
      ['stale'],
    ],
    [
      'lag p95 above the SLO',
      base({
        lag: {
          windowMinutes: 15,
          samples: 40,
          p50: null,
          p95: { seconds: 75, lowerSeconds: 60, upperSeconds: 120 },
          maxSeconds: 110,
        },
      }),
      'unhealthy',
      ['lag'],
    ],
    [
      'too few samples: lag not judged',
      base({
        lag: {
          windowMinutes: 15,
          samples: 3,
          p50: null,
          p95: { seconds: 900, lowerSeconds: 600, upperSeconds: 1800 },
          maxSeconds: 1000,
        },
      }),
      'healthy',
      ['lag_unmeasured'],
    ],
    ['breaker open', base({ breakerState: 'open' }), 'unhealthy', ['breaker']],
    ['breaker half-open', base({ breakerState: 'half_open' }), 'degraded', ['breaker']],
    ['failing listings', base({ listings: { failing: 4 } }), 'degraded', ['failing']],
    ['open dead letters for the channel', base({ intake: { deadLettersOpen: 2 } }), 'degraded', ['intake']],
    [
      'paused, even with stale listings',
      base({ status: 'paused', listings: { stale: 5, oldestWaitingSeconds: 900 } }),
      'paused',
      ['paused', 'stale'],
    ],
    [
      'shadow: waiting is expected, never judged stale',
      base({ mode: 'shadow', listings: { waiting: 100, stale: 100, oldestWaitingSeconds: 99_999 } }),
      'shadow',
      ['shadow'],
    ],
  ]
  it.each(cases)('%s', (_name, inputs, state, checks) => {
    const h = assessChannelHealth(inputs)
    expect(h.state).toBe(state)
    expect(h.reasons.map((r) => r.check)).toEqual(checks)
    expect(h.summary.length).toBeGreaterThan(5)
  })

  it('reports unmeasured lag as null, not as met', () => {
    const h = assessChannelHealth(
      base({ lag: { windowMinutes: 15, samples: 0, p50: null, p95: null, maxSeconds: null } }),
    )
    expect(h.lagBreached).toBeNull()
    expect(assessChannelHealth(base()).lagBreached).toBe(false)
  })

  it('says how many and how old in the stale sentence', () => {
    const h = assessChannelHealth(base({ listings: { waiting: 1996, stale: 1336, oldestWaitingSeconds: 1200 } }))
    expect(h.summary).toBe('1,336 listings waiting longer than the SLO of 5 min (oldest 20 min).')
  })
})

describe('lagPercentile', () => {
  // Buckets: ≤1, ≤2, ≤5, ≤10, ≤30, ≤60, ≤120, ≤300, ≤600, ≤1800, ≤3600, +Inf
  it('interpolates inside the bucket holding the rank and states its bounds', () => {
    const b = [0, 90, 0, 0, 10]
    expect(lagPercentile(b, 50)).toEqual({ seconds: 1.6, lowerSeconds: 1, upperSeconds: 2 })
    expect(lagPercentile(b, 95)).toEqual({ seconds: 20, lowerSeconds: 10, upperSeconds: 30 })
    expect(lagPercentile(b, 99)).toEqual({ seconds: 28, lowerSeconds: 10, upperSeconds: 30 })
  })
  it('is null without samples (missing, not zero)', () => {
    expect(lagPercentile([], 95)).toBeNull()
    expect(lagPercentile([0, 0, 0], 95)).toBeNull()
  })
  it('above the last bound says "more than 1 h" (no upper bound)', () => {
    const b = new Array(12).fill(0)
    b[11] = 3
    expect(lagPercentile(b, 95)).toEqual({ seconds: 3600, lowerSeconds: 3600, upperSeconds: null })
  })
  it('never goes below the first bucket or above its bound', () => {
    expect(lagPercentile([10], 1)!.seconds).toBeGreaterThanOrEqual(0)
    expect(lagPercentile([10], 100)!.seconds).toBe(1)
  })
})
