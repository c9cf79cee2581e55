import { describe, expect, it } from 'vitest'
import {
  computeKitAvailability,
  computeSkuAvailability,
  resolveSafetyStock,
} from '../../../server/availability/compute-availability'
import { RuleSetSchema, type RuleSet } from '../../../server/rules/rules.schema'

const rules = (r: Partial<RuleSet> & Pick<RuleSet, 'channels'>): RuleSet =>
  RuleSetSchema.parse({ defaults: { safetyStock: { units: 0 } }, safetyStock: [], ...r })
const facts = (locations: Record<string, number>, extra: object = {}) => ({
  sku: 'SKU-1',
  category: 'toys',
  locations: Object.entries(locations).map(([location, sellable]) => ({ location, sellable })),
  ...extra,
})
const qty = (decisions: ReturnType<typeof computeSkuAvailability>) =>
  Object.fromEntries(decisions.map((d) => [d.channel, d.quantity]))

describe('computeSkuAvailability', () => {
  it('pools eligible locations and subtracts safety stock', () => {
    const rs = rules({
      defaults: { safetyStock: { units: 3 }, salesWindowDays: 28 },
      channels: {
        amazon: { priority: 1, share: { type: 'shared' }, excludeLocations: ['3PL'] },
        shopify: { priority: 2, share: { type: 'shared' } },
      },
    })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 10, '3PL': 5 }), ['amazon', 'shopify']))).toEqual({
      amazon: 7,
      shopify: 12,
    })
  })

  it('picks the most specific safety stock rule', () => {
    const rs = rules({
      channels: { amazon: { priority: 1, share: { type: 'shared' } } },
      safetyStock: [
        { channel: 'amazon', units: 1 },
        { category: 'toys', units: 2 },
        { category: 'toys', channel: 'amazon', units: 3 },
        { sku: 'SKU-1', units: 4 },
        { sku: 'SKU-1', channel: 'amazon', units: 5 },
      ],
    })
    expect(resolveSafetyStock(rs, 'SKU-1', 'toys', 'amazon')).toMatchObject({
      level: 'SKU + channel',
      rule: { units: 5 },
    })
    expect(resolveSafetyStock(rs, 'SKU-1', 'toys', 'walmart')).toMatchObject({ level: 'SKU', rule: { units: 4 } })
    expect(resolveSafetyStock(rs, 'SKU-2', 'toys', 'amazon')).toMatchObject({ level: 'category + channel' })
    expect(resolveSafetyStock(rs, 'SKU-2', 'toys', 'walmart')).toMatchObject({ level: 'category' })
    expect(resolveSafetyStock(rs, 'SKU-2', 'games', 'amazon')).toMatchObject({ level: 'channel' })
    expect(resolveSafetyStock(rs, 'SKU-2', 'games', 'walmart')).toMatchObject({ level: 'default' })
  })

  it('days of cover use the sales rate, rounded up', () => {
    const rs = rules({
      channels: { amazon: { priority: 1, share: { type: 'shared' } } },
      safetyStock: [{ channel: 'amazon', days: 3 }],
    })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 20 }, { dailySales: { amazon: 1.5 } }), ['amazon']))).toEqual({
      amazon: 15,
    })
  })

  it('higher-priority ring-fences come off lower channels; a ring-fence only takes what is left', () => {
    const rs = rules({
      channels: {
        edi: { priority: 1, ringFence: 8, share: { type: 'shared' } },
        b2b: { priority: 2, ringFence: 8, share: { type: 'shared' } },
        shopify: { priority: 3, share: { type: 'shared' } },
      },
    })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 10 }), ['edi', 'b2b', 'shopify']))).toEqual({
      edi: 10,
      b2b: 2,
      shopify: 0,
    })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 30 }), ['edi', 'b2b', 'shopify']))).toEqual({
      edi: 30,
      b2b: 22,
      shopify: 14,
    })
  })

  it('percentage and fixed shares split what remains after ring-fences, never more than it', () => {
    const rs = rules({
      channels: {
        b2b: { priority: 1, ringFence: 10, share: { type: 'fixed', units: 0 } },
        amazon: { priority: 2, share: { type: 'percent', percent: 60 } },
        walmart: { priority: 3, share: { type: 'percent', percent: 40 } },
        ebay: { priority: 4, share: { type: 'fixed', units: 50 } },
      },
    })
    const q = qty(computeSkuAvailability(rs, facts({ DC: 110 }), ['b2b', 'amazon', 'walmart', 'ebay']))
    expect(q).toEqual({ b2b: 10, amazon: 30, walmart: 20, ebay: 50 })
    expect(q.b2b + q.amazon + q.walmart + q.ebay).toBeLessThanOrEqual(110)
  })

  it('applies holdbacks, then the cap, then the zero-out threshold, rounding down', () => {
    const rs = rules({ channels: { amazon: { priority: 1, share: { type: 'shared' }, cap: 20, zeroBelow: 5 } } })
    const hb = (mode: 'suppress' | 'units' | 'percent', value: number) => ({
      holdbacks: { amazon: [{ id: 'h1', mode, value, reason: 'test' }] },
    })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 100 }), ['amazon']))).toEqual({ amazon: 20 })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 100 }, hb('units', 90)), ['amazon']))).toEqual({ amazon: 10 })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 10 }, hb('percent', 25)), ['amazon']))).toEqual({ amazon: 7 })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 6 }, hb('percent', 50)), ['amazon']))).toEqual({ amazon: 0 })
    expect(qty(computeSkuAvailability(rs, facts({ DC: 100 }, hb('suppress', 0)), ['amazon']))).toEqual({ amazon: 0 })
  })

  it('never goes negative and the explanation arrives at the result', () => {
    const rs = rules({
      defaults: { safetyStock: { units: 50 }, salesWindowDays: 28 },
      channels: {
        a: { priority: 1, share: { type: 'shared' } },
        b: { priority: 2, share: { type: 'percent', percent: 33 } },
      },
    })
    for (const stock of [0, 1, 49, 51, 100, 1001]) {
      for (const d of computeSkuAvailability(rs, facts({ DC: stock, X: -5 }), ['a', 'b'])) {
        expect(d.quantity).toBeGreaterThanOrEqual(0)
        expect(Number.isInteger(d.quantity)).toBe(true)
        expect(d.steps.at(-1)).toMatchObject({ step: 'result', quantity: d.quantity })
        expect(d.steps[0].step).toBe('pool')
      }
    }
  })
})

describe('computeKitAvailability', () => {
  const rs = rules({ channels: { amazon: { priority: 1, share: { type: 'shared' } } } })
  const comp = (sku: string, q: number, per: number) => ({
    sku,
    quantityPerKit: per,
    decisions: [{ channel: 'amazon', quantity: q, steps: [], holdbackIds: [] }],
  })
  it('is the scarcest component, floored', () => {
    expect(
      computeKitAvailability(rs, { sku: 'KIT-1' }, [comp('A', 10, 3), comp('B', 7, 1)], ['amazon'])[0].quantity,
    ).toBe(3)
  })
  it('is zero when a component is missing on the channel', () => {
    const missing = { sku: 'B', quantityPerKit: 1, decisions: [] }
    expect(computeKitAvailability(rs, { sku: 'KIT-1' }, [comp('A', 10, 1), missing], ['amazon'])[0].quantity).toBe(0)
  })
})
