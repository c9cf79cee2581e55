// ERP order exception policies: golden cases for the policy lookup and the property that an
// exception suppresses only the order's own channel (every other channel's number is unchanged).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { planOrderException, policyFor } from '../../../server/exceptions/record-order-exceptions'
import { computeSkuAvailability } from '../../../server/availability/compute-availability'
import { RuleSetSchema } from '../../../server/rules/rules.schema'

const rules = RuleSetSchema.parse({
  defaults: { safetyStock: { units: 0 }, salesWindowDays: 28 },
  channels: {
    b2b: { priority: 1, ringFence: 4, share: { type: 'shared' } },
    amazon: { priority: 2, share: { type: 'shared' } },
    walmart: { priority: 3, share: { type: 'percent', percent: 50 } },
  },
  orderExceptions: {
    invalid_item: { releaseReservation: true, suppress: true, suppressHours: 24 },
    '*': { suppress: true },
  },
})
const at = new Date('2026-12-02T10:00:00Z')

describe('order exception policy', () => {
  it('named reason, then *, then the built-in keep-and-do-nothing', () => {
    expect(policyFor(rules, 'invalid_item')).toMatchObject({
      policy: { releaseReservation: true, suppress: true, suppressHours: 24 },
      from: 'policy for "invalid_item"',
    })
    expect(policyFor(rules, 'credit_hold')).toMatchObject({
      policy: { releaseReservation: false, suppress: true, suppressHours: 72 },
      from: 'policy for any reason (*)',
    })
    const bare = RuleSetSchema.parse({ ...rules, orderExceptions: undefined })
    expect(policyFor(bare, 'credit_hold')).toMatchObject({ policy: { releaseReservation: false, suppress: false } })
  })
  it('the suppression expires after suppressHours, one per SKU, on the order channel', () => {
    expect(
      planOrderException(rules, { channel: 'amazon', reason: 'invalid_item', skus: ['A', 'B', 'A'] }, at).suppress,
    ).toEqual([
      { sku: 'A', channel: 'amazon', expiresAt: new Date('2026-12-03T10:00:00Z') },
      { sku: 'B', channel: 'amazon', expiresAt: new Date('2026-12-03T10:00:00Z') },
    ])
  })
  it('an exception suppresses only the affected channel: every other channel keeps its number', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('b2b', 'amazon', 'walmart'),
        fc.constantFrom('invalid_item', 'credit_hold', 'warehouse'),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        (channel, reason, east, west) => {
          const plan = planOrderException(rules, { channel, reason, skus: ['SKU-1'] }, at)
          for (const s of plan.suppress) expect(s.channel).toBe(channel)
          const facts = {
            sku: 'SKU-1',
            category: 'toys',
            at,
            locations: [
              { location: 'DC-EAST', sellable: east },
              { location: 'DC-WEST', sellable: west },
            ],
          }
          const before = computeSkuAvailability(rules, facts, ['b2b', 'amazon', 'walmart'])
          const holdbacks = Object.fromEntries(
            plan.suppress.map((s) => [
              s.channel,
              [{ id: 'hb', mode: 'suppress' as const, value: 0, reason: `ERP order exception ${reason}` }],
            ]),
          )
          const after = computeSkuAvailability(rules, { ...facts, holdbacks }, ['b2b', 'amazon', 'walmart'])
          for (const d of after) {
            if (d.channel === channel && plan.suppress.length) expect(d.quantity).toBe(0)
            else expect(d.quantity).toBe(before.find((b) => b.channel === d.channel)!.quantity)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
