// Priority lanes of a publish claim: zero-outs, then decrements, then strategic increases, then the rest.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { publishLane } from '../../../server/publishing/lock-listings'

describe('publish lanes', () => {
  it('golden: each kind of change in its lane', () => {
    expect(publishLane({ desiredQuantity: 0, publishedQuantity: 5, appliedQuantity: 5, strategic: false })).toBe(0)
    expect(publishLane({ desiredQuantity: 3, publishedQuantity: 5, appliedQuantity: 5, strategic: true })).toBe(1)
    expect(publishLane({ desiredQuantity: 9, publishedQuantity: 5, appliedQuantity: 5, strategic: true })).toBe(2)
    expect(publishLane({ desiredQuantity: 9, publishedQuantity: 5, appliedQuantity: null, strategic: false })).toBe(3)
    // Never published (nothing known at the channel): as the claim has always done, it goes early.
    expect(publishLane({ desiredQuantity: 9, publishedQuantity: null, appliedQuantity: null, strategic: false })).toBe(
      1,
    )
    expect(publishLane({ desiredQuantity: 4, publishedQuantity: null, appliedQuantity: 6, strategic: false })).toBe(1)
  })
  it('being strategic never puts a listing behind a non-strategic one, and never ahead of a zero-out or a decrement', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
        (desired, published, applied) => {
          const plain = publishLane({
            desiredQuantity: desired,
            publishedQuantity: published,
            appliedQuantity: applied,
            strategic: false,
          })
          const strategic = publishLane({
            desiredQuantity: desired,
            publishedQuantity: published,
            appliedQuantity: applied,
            strategic: true,
          })
          expect(strategic).toBeLessThanOrEqual(plain)
          if (plain <= 1) expect(strategic).toBe(plain)
        },
      ),
    )
  })
})
