import { beforeEach, describe, expect, it } from 'vitest'
import {
  pacedGraphqlCall,
  readyInMs,
  recordCost,
  reservePoints,
  resetCostPacing,
  shopBucketKey,
} from '../../../server/channels/shopify/cost-pacing'

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

  it('an orders poll and the inventory connector of one shop and token draw from one bucket', async () => {
    const key = shopBucketKey('https://shop.example/admin/api/2026-04/graphql.json', 'shpat_1')
    expect(shopBucketKey('https://shop.example/admin/api/2026-04/graphql.json', 'shpat_2')).not.toBe(key)
    let t = 0
    const slept: number[] = []
    const answer = (available: number) => async () => ({
      kind: 'response' as const,
      status: 200,
      headers: new Headers(),
      text: '',
      json: { data: {}, extensions: { cost: { ...status(available), requestedQueryCost: 51 } } },
      latencyMs: 1,
    })
    const pace = { key, now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)) }
    // The orders poll (formula 51) leaves 20 points...
    await pacedGraphqlCall({ ...pace, operation: 'orders', formulaCost: 51 }, answer(20))
    // ...so an inventory write of 110 waits (110 - 20) / 50 per second.
    await pacedGraphqlCall({ ...pace, operation: 'set', formulaCost: 110 }, answer(0))
    expect(slept).toEqual([1_800])
  })
})
