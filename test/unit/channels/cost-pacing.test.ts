import { beforeEach, describe, expect, it } from 'vitest'
import { readyInMs, recordCost, reservePoints, resetCostPacing } from '../../../server/channels/shopify/cost-pacing'

// Shopify's cost bucket as our calls see it: 1,000 points, 50 restored a second.
const status = (currentlyAvailable: number) => ({
  requestedQueryCost: 110,
  actualQueryCost: 110,
  throttleStatus: { maximumAvailable: 1_000, currentlyAvailable, restoreRate: 50 },
})

describe('Shopify cost pacing', () => {
  beforeEach(() => resetCostPacing())

  it('knows nothing before an answer, then waits for the points a call needs', () => {
    expect(reservePoints('shop', 'set', 110, 0)).toBe(0)
    recordCost('shop', 'set', 110, status(60), 0)
    // 110 needed, 60 held: 50 more at 50 a second.
    expect(readyInMs('shop', 'set', 110, 0)).toBe(1_000)
    expect(readyInMs('shop', 'set', 110, 1_000)).toBe(0)
  })

  it('calls made at once queue behind each other instead of spending the same points', () => {
    recordCost('shop', 'set', 110, status(200), 0)
    expect(reservePoints('shop', 'set', 110, 0)).toBe(0) // 90 left
    expect(reservePoints('shop', 'set', 110, 0)).toBe(400) // 20 short: 0.4 s
    expect(reservePoints('shop', 'read', 101, 0)).toBe(2_420) // behind the second: 101 more at 50/s after it
    expect(readyInMs('shop', 'set', 110, 0)).toBe(4_620)
  })

  it("scales our formula by Shopify's real price of the operation", () => {
    // The mutation really cost twice our formula.
    recordCost('shop', 'set', 55, status(100), 0)
    expect(readyInMs('shop', 'set', 55, 0)).toBe(200)
    // Another shop (or token) is another bucket.
    expect(readyInMs('other-shop', 'set', 55, 0)).toBe(0)
  })
})
