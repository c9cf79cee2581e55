// Golden cases for the availability calculation: input positions and rules, the expected quantity
// per channel, and the explanation steps (name and running quantity) that must lead to it.
// Semantics: ARCHITECTURE.md "What a channel may sell".
import { describe, expect, it } from 'vitest'
import {
  computeKitAvailability,
  computeSkuAvailability,
  type HoldbackInput,
  type SkuFacts,
} from '../../../server/availability/compute-availability'
import { RuleSetSchema } from '../../../server/rules/rules.schema'

type Rules = Parameters<typeof RuleSetSchema.parse>[0]
interface Golden {
  name: string
  rules: Rules
  stock: Record<string, number>
  channels: string[]
  facts?: Partial<SkuFacts>
  expect: Record<string, number>
  /** channel -> [step, running quantity][] (every step, in order). */
  steps?: Record<string, Array<[string, number]>>
  /** channel -> substrings the explanation must contain. */
  says?: Record<string, string[]>
}

const ch = (priority: number, extra: object = {}) => ({ priority, share: { type: 'shared' }, ...extra })
const base = (channels: Record<string, object>, extra: object = {}): Rules => ({
  defaults: { safetyStock: { units: 0 }, salesWindowDays: 28 },
  channels,
  safetyStock: [],
  ...extra,
})
const hb = (channel: string, mode: HoldbackInput['mode'], value: number): Partial<SkuFacts> => ({
  holdbacks: { [channel]: [{ id: `hb-${mode}`, mode, value, reason: 'golden' }] },
})

const CASES: Golden[] = [
  {
    name: 'shared pool: every channel may sell all of the pool minus the default safety stock',
    rules: base({ shopify: ch(1), amazon: ch(2) }, { defaults: { safetyStock: { units: 4 }, salesWindowDays: 28 } }),
    stock: { 'DC-EAST': 30, 'DC-WEST': 12 },
    channels: ['shopify', 'amazon'],
    expect: { shopify: 38, amazon: 38 },
    steps: {
      amazon: [
        ['pool', 42],
        ['safety_stock', 38],
        ['waterfall', 38],
        ['in_flight_buffer', 38],
        ['share', 38],
        ['result', 38],
      ],
    },
    says: { amazon: ['DC-EAST 30 + DC-WEST 12', 'default rule: 4 units'] },
  },
  {
    name: 'eligible locations: include list and exclude list',
    rules: base({ amazon: ch(1, { locations: ['3PL', 'DC-EAST'] }), walmart: ch(2, { excludeLocations: ['3PL'] }) }),
    stock: { 'DC-EAST': 10, 'DC-WEST': 5, '3PL': 7 },
    channels: ['amazon', 'walmart'],
    expect: { amazon: 17, walmart: 15 },
  },
  {
    name: 'safety stock: SKU + channel beats SKU beats category + channel beats category beats channel beats default',
    rules: base(
      { a: ch(1), b: ch(2), c: ch(3) },
      {
        defaults: { safetyStock: { units: 1 }, salesWindowDays: 28 },
        safetyStock: [
          { sku: 'SKU-1', channel: 'a', units: 9 },
          { sku: 'SKU-1', units: 7 },
          { category: 'toys', channel: 'b', units: 5 },
          { category: 'toys', units: 3 },
          { channel: 'c', units: 2 },
        ],
      },
    ),
    stock: { DC: 20 },
    channels: ['a', 'b', 'c'],
    expect: { a: 11, b: 13, c: 13 },
    says: { a: ['SKU + channel rule: 9 units'], b: ['SKU rule: 7 units'], c: ['SKU rule: 7 units'] },
  },
  {
    name: 'safety stock falls through to category + channel, category, channel, default for another SKU',
    rules: base(
      { a: ch(1), b: ch(2), c: ch(3), d: ch(4) },
      {
        defaults: { safetyStock: { units: 1 }, salesWindowDays: 28 },
        safetyStock: [
          { sku: 'OTHER', units: 50 },
          { category: 'toys', channel: 'a', units: 5 },
          { category: 'toys', units: 3 },
          { category: 'games', units: 40 },
          { channel: 'd', units: 2 },
        ],
      },
    ),
    stock: { DC: 20 },
    channels: ['a', 'b', 'c', 'd'],
    expect: { a: 15, b: 17, c: 17, d: 17 },
    says: { a: ['category + channel rule'], b: ['category rule'] },
  },
  {
    name: 'safety stock as days of cover: average daily sales x days, rounded up',
    rules: base({ amazon: ch(1) }, { safetyStock: [{ channel: 'amazon', days: 4 }] }),
    stock: { DC: 40 },
    channels: ['amazon'],
    facts: { dailySales: { amazon: 2.25 } },
    expect: { amazon: 31 },
    says: { amazon: ['4 days of cover x 2.25 units/day = 9'] },
  },
  {
    name: 'days of cover with a units floor takes the larger',
    rules: base({ amazon: ch(1) }, { safetyStock: [{ channel: 'amazon', days: 2, units: 6 }] }),
    stock: { DC: 40 },
    channels: ['amazon'],
    facts: { dailySales: { amazon: 1 } },
    expect: { amazon: 34 },
  },
  {
    name: 'in-flight buffer: sales rate x measured order lag, rounded up, its own step',
    rules: base({ amazon: ch(1, { inFlightBuffer: true }), shopify: ch(2) }),
    stock: { DC: 50 },
    channels: ['amazon', 'shopify'],
    facts: { dailySales: { amazon: 86.4, shopify: 86.4 }, orderLagSeconds: { amazon: 2500, shopify: 2500 } },
    expect: { amazon: 47, shopify: 50 },
    steps: {
      amazon: [
        ['pool', 50],
        ['safety_stock', 50],
        ['waterfall', 50],
        ['in_flight_buffer', 47],
        ['share', 47],
        ['result', 47],
      ],
    },
    says: { amazon: ['86.40 units/day x 2500 s order lag'], shopify: ['in-flight buffer off'] },
  },
  {
    name: 'waterfall: ring-fences come off lower-priority channels in priority order',
    rules: base({ edi: ch(1, { ringFence: 10 }), b2b: ch(2, { ringFence: 5 }), shopify: ch(3), amazon: ch(4) }),
    stock: { DC: 40 },
    channels: ['edi', 'b2b', 'shopify', 'amazon'],
    expect: { edi: 40, b2b: 30, shopify: 25, amazon: 25 },
    says: { shopify: ['edi 10, b2b 5'] },
  },
  {
    name: 'waterfall runs dry: a ring-fence takes only what is left, lower channels get nothing',
    rules: base({ edi: ch(1, { ringFence: 10 }), b2b: ch(2, { ringFence: 10 }), shopify: ch(3) }),
    stock: { DC: 14 },
    channels: ['edi', 'b2b', 'shopify'],
    expect: { edi: 14, b2b: 4, shopify: 0 },
    says: { shopify: ['edi 10, b2b 4'] },
  },
  {
    name: 'percentage shares split what remains after ring-fences, rounding down',
    rules: base({
      b2b: ch(1, { ringFence: 5 }),
      amazon: ch(2, { share: { type: 'percent', percent: 60 } }),
      walmart: ch(3, { share: { type: 'percent', percent: 40 } }),
    }),
    stock: { DC: 28 },
    channels: ['b2b', 'amazon', 'walmart'],
    expect: { b2b: 28, amazon: 13, walmart: 9 },
    says: { amazon: ['60% of 23 remaining after ring-fences = 13'] },
  },
  {
    name: 'fixed shares are served first, percentages split the rest',
    rules: base({
      b2b: ch(1, { ringFence: 10, share: { type: 'fixed', units: 0 } }),
      amazon: ch(2, { share: { type: 'percent', percent: 60 } }),
      walmart: ch(3, { share: { type: 'percent', percent: 40 } }),
      ebay: ch(4, { share: { type: 'fixed', units: 50 } }),
    }),
    stock: { DC: 110 },
    channels: ['b2b', 'amazon', 'walmart', 'ebay'],
    expect: { b2b: 10, amazon: 30, walmart: 20, ebay: 50 },
  },
  {
    name: 'fixed share larger than what remains gets what remains',
    rules: base({ b2b: ch(1, { ringFence: 8 }), ebay: ch(2, { share: { type: 'fixed', units: 50 } }) }),
    stock: { DC: 20 },
    channels: ['b2b', 'ebay'],
    expect: { b2b: 20, ebay: 12 },
  },
  {
    name: 'holdback: suppress',
    rules: base({ amazon: ch(1) }),
    stock: { DC: 30 },
    channels: ['amazon'],
    facts: hb('amazon', 'suppress', 0),
    expect: { amazon: 0 },
    steps: {
      amazon: [
        ['pool', 30],
        ['safety_stock', 30],
        ['waterfall', 30],
        ['in_flight_buffer', 30],
        ['share', 30],
        ['holdback', 0],
        ['result', 0],
      ],
    },
  },
  {
    name: 'holdback: N units',
    rules: base({ amazon: ch(1) }),
    stock: { DC: 30 },
    channels: ['amazon'],
    facts: hb('amazon', 'units', 12),
    expect: { amazon: 18 },
  },
  {
    name: 'holdback: more units than there are gives zero, not negative',
    rules: base({ amazon: ch(1) }),
    stock: { DC: 5 },
    channels: ['amazon'],
    facts: hb('amazon', 'units', 12),
    expect: { amazon: 0 },
  },
  {
    name: 'holdback: a percentage (held back units round up, so the channel rounds down)',
    rules: base({ amazon: ch(1) }),
    stock: { DC: 30 },
    channels: ['amazon'],
    facts: hb('amazon', 'percent', 25),
    expect: { amazon: 22 },
  },
  {
    name: 'holdback on one channel leaves the others',
    rules: base({ amazon: ch(1), shopify: ch(2) }),
    stock: { DC: 30 },
    channels: ['amazon', 'shopify'],
    facts: hb('amazon', 'suppress', 0),
    expect: { amazon: 0, shopify: 30 },
  },
  {
    name: 'order: holdback, then cap, then zero-out threshold',
    rules: base({ amazon: ch(1, { cap: 20, zeroBelow: 5 }) }),
    stock: { DC: 100 },
    channels: ['amazon'],
    facts: hb('amazon', 'units', 85),
    expect: { amazon: 15 },
    steps: {
      amazon: [
        ['pool', 100],
        ['safety_stock', 100],
        ['waterfall', 100],
        ['in_flight_buffer', 100],
        ['share', 100],
        ['holdback', 15],
        ['result', 15],
      ],
    },
  },
  {
    name: 'cap: never more than the maximum',
    rules: base({ amazon: ch(1, { cap: 20 }) }),
    stock: { DC: 100 },
    channels: ['amazon'],
    expect: { amazon: 20 },
    steps: {
      amazon: [
        ['pool', 100],
        ['safety_stock', 100],
        ['waterfall', 100],
        ['in_flight_buffer', 100],
        ['share', 100],
        ['cap', 20],
        ['result', 20],
      ],
    },
  },
  {
    name: 'zero-out threshold: below it publish 0, at it publish it',
    rules: base({ a: ch(1, { zeroBelow: 5 }), b: ch(2, { zeroBelow: 4 }) }),
    stock: { DC: 4 },
    channels: ['a', 'b'],
    expect: { a: 0, b: 4 },
    steps: {
      a: [
        ['pool', 4],
        ['safety_stock', 4],
        ['waterfall', 4],
        ['in_flight_buffer', 4],
        ['share', 4],
        ['zero_out', 0],
        ['result', 0],
      ],
    },
  },
  {
    name: 'zero and negative inputs: a negative location counts as nothing, safety stock above the pool is zero',
    rules: base({ amazon: ch(1), shopify: ch(2) }, { defaults: { safetyStock: { units: 10 }, salesWindowDays: 28 } }),
    stock: { 'DC-EAST': -7, 'DC-WEST': 6 },
    channels: ['amazon', 'shopify'],
    expect: { amazon: 0, shopify: 0 },
    says: { amazon: ['DC-EAST 0 + DC-WEST 6'] },
  },
  {
    name: 'no stock at all',
    rules: base({ amazon: ch(1, { ringFence: 3 }) }),
    stock: {},
    channels: ['amazon'],
    expect: { amazon: 0 },
  },
  {
    name: 'a channel listed without rules shares the pool last',
    rules: base({ amazon: ch(1, { ringFence: 4 }) }),
    stock: { DC: 10 },
    channels: ['amazon', 'ebay'],
    expect: { amazon: 10, ebay: 6 },
  },
  // Allocation windows: a campaign's ring-fence or share replaces the channel's own between
  // `from` and `until` (including `from`, excluding `until`), then is released.
  {
    name: 'allocation window in force: the campaign ring-fence comes off lower channels and says until when',
    rules: base({
      target: ch(1, {
        ringFence: 2,
        allocations: [{ name: 'BF-2026', from: '2026-11-27T00:00:00Z', until: '2026-12-01T00:00:00Z', ringFence: 20 }],
      }),
      shopify: ch(2),
    }),
    stock: { DC: 50 },
    channels: ['target', 'shopify'],
    facts: { at: new Date('2026-11-28T12:00:00Z') },
    expect: { target: 50, shopify: 30 },
    steps: {
      target: [
        ['pool', 50],
        ['safety_stock', 50],
        ['allocation_window', 50],
        ['waterfall', 50],
        ['in_flight_buffer', 50],
        ['share', 50],
        ['result', 50],
      ],
    },
    says: {
      target: [
        'allocation "BF-2026" (from 2026-11-27T00:00:00Z until 2026-12-01T00:00:00Z) in force: ring-fence 20 (own 2)',
      ],
      shopify: ['target 20 (allocation "BF-2026" until 2026-12-01T00:00:00Z)'],
    },
  },
  {
    name: 'allocation window at its until: released exactly then, the own ring-fence applies again',
    rules: base({
      target: ch(1, {
        ringFence: 2,
        allocations: [{ name: 'BF-2026', from: '2026-11-27T00:00:00Z', until: '2026-12-01T00:00:00Z', ringFence: 20 }],
      }),
      shopify: ch(2),
    }),
    stock: { DC: 50 },
    channels: ['target', 'shopify'],
    facts: { at: new Date('2026-12-01T00:00:00Z') },
    expect: { target: 50, shopify: 48 },
    says: {
      target: ['no allocation window in force', '"BF-2026" released at 2026-12-01T00:00:00Z'],
      shopify: ['target 2'],
    },
  },
  {
    name: 'allocation window not yet started: the explanation says when it starts',
    rules: base({
      target: ch(1, {
        allocations: [{ name: 'BF-2026', from: '2026-11-27T00:00:00Z', until: '2026-12-01T00:00:00Z', ringFence: 20 }],
      }),
      shopify: ch(2),
    }),
    stock: { DC: 50 },
    channels: ['target', 'shopify'],
    facts: { at: new Date('2026-11-26T23:59:59Z') },
    expect: { target: 50, shopify: 50 },
    says: { target: ['"BF-2026" starts at 2026-11-27T00:00:00Z'] },
  },
  {
    name: 'allocation window as a share: a percentage for the campaign, shared again after',
    rules: base({
      target: ch(1, {
        allocations: [{ name: 'Spring', until: '2026-04-01T00:00:00Z', share: { type: 'percent', percent: 25 } }],
      }),
      shopify: ch(2),
    }),
    stock: { DC: 41 },
    channels: ['target', 'shopify'],
    facts: { at: new Date('2026-03-31T23:00:00Z') },
    expect: { target: 10, shopify: 41 },
    says: { target: ['share 25% (own shared)', '25% of 41 remaining after ring-fences = 10'] },
  },
  {
    name: 'allocation window for one SKU leaves other SKUs alone',
    rules: base({
      target: ch(1, { allocations: [{ name: 'Hero SKU', sku: 'SKU-OTHER', ringFence: 30 }] }),
      shopify: ch(2),
    }),
    stock: { DC: 50 },
    channels: ['target', 'shopify'],
    facts: { at: new Date('2026-11-28T12:00:00Z') },
    expect: { target: 50, shopify: 50 },
    steps: {
      target: [
        ['pool', 50],
        ['safety_stock', 50],
        ['waterfall', 50],
        ['in_flight_buffer', 50],
        ['share', 50],
        ['result', 50],
      ],
    },
  },
  // Sell-ahead: incoming units within the horizon, up to a cap, after safety stock, its own step.
  {
    name: 'sell-ahead: in-transit and expected units within the horizon, capped, its own step',
    rules: base(
      { b2b: ch(1, { sellAhead: { cap: 25, horizonDays: 14 } }), shopify: ch(2) },
      { defaults: { safetyStock: { units: 3 }, salesWindowDays: 28 } },
    ),
    stock: { DC: 10 },
    channels: ['b2b', 'shopify'],
    facts: {
      at: new Date('2026-12-02T00:00:00Z'),
      inbound: [
        { location: 'DC', quantity: 12 },
        { location: 'DC', quantity: 8, expectedAt: '2026-12-10T00:00:00Z' },
        { location: 'DC', quantity: 40, expectedAt: '2027-01-10T00:00:00Z' },
      ],
    },
    expect: { b2b: 27, shopify: 7 },
    steps: {
      b2b: [
        ['pool', 10],
        ['safety_stock', 7],
        ['sell_ahead', 27],
        ['waterfall', 27],
        ['in_flight_buffer', 27],
        ['share', 27],
        ['result', 27],
      ],
    },
    says: {
      b2b: [
        'plus 20 incoming units sold ahead (20 in transit or expected within 14 days, 40 expected later not counted; cap 25)',
      ],
    },
  },
  {
    name: 'sell-ahead: the cap limits, and only eligible locations count',
    rules: base({ b2b: ch(1, { excludeLocations: ['3PL'], sellAhead: { cap: 5, horizonDays: 30 } }) }),
    stock: { DC: 0 },
    channels: ['b2b'],
    facts: {
      at: new Date('2026-12-02T00:00:00Z'),
      inbound: [
        { location: 'DC', quantity: 12 },
        { location: '3PL', quantity: 100 },
      ],
    },
    expect: { b2b: 5 },
    says: { b2b: ['plus 5 incoming units sold ahead (12 in transit or expected within 30 days; cap 5)'] },
  },
  // Degraded mode: while a feed of the channel's eligible locations is stale (or another channel is
  // blind), the channel's degraded policy applies and the explanation says so.
  {
    name: 'degraded: a stale feed at an eligible location reduces by a percentage, and says why',
    rules: base({
      amazon: ch(1, { degraded: { mode: 'reduce', percent: 50 } }),
      shopify: ch(2, { excludeLocations: ['DC-EAST'], degraded: { mode: 'cap', units: 1 } }),
    }),
    stock: { 'DC-EAST': 30, 'DC-WEST': 11 },
    channels: ['amazon', 'shopify'],
    facts: {
      degraded: [
        {
          kind: 'feed',
          what: 'feed erp-demo at DC-EAST silent since 2026-12-02T09:00:00.000Z',
          locations: ['DC-EAST'],
        },
      ],
    },
    expect: { amazon: 20, shopify: 11 },
    steps: {
      amazon: [
        ['pool', 41],
        ['safety_stock', 41],
        ['waterfall', 41],
        ['in_flight_buffer', 41],
        ['share', 41],
        ['degraded', 20],
        ['result', 20],
      ],
    },
    says: {
      amazon: [
        'degraded mode (feed erp-demo at DC-EAST silent since 2026-12-02T09:00:00.000Z): policy reduce by 50%: 41 → 20',
      ],
    },
  },
  {
    name: 'degraded: cap, and keep (no policy) still says the decision was made in degraded mode',
    rules: base({ amazon: ch(1, { degraded: { mode: 'cap', units: 5 } }), shopify: ch(2) }),
    stock: { DC: 30 },
    channels: ['amazon', 'shopify'],
    facts: { degraded: [{ kind: 'feed', what: 'feed wms silent since T' }] },
    expect: { amazon: 5, shopify: 30 },
    says: {
      amazon: ['policy cap at 5: 30 → 5'],
      shopify: ['degraded mode (feed wms silent since T): policy keep (no degraded policy for this channel)'],
    },
  },
  {
    name: 'degraded: zero SKUs whose cover is below N days, keep those with enough cover',
    rules: base({
      amazon: ch(1, { degraded: { mode: 'zero_low_cover', days: 5 } }),
      walmart: ch(2, { degraded: { mode: 'zero_low_cover', days: 5 } }),
    }),
    stock: { DC: 20 },
    channels: ['amazon', 'walmart'],
    facts: { dailySales: { amazon: 5, walmart: 2 }, degraded: [{ kind: 'feed', what: 'feed erp silent' }] },
    expect: { amazon: 0, walmart: 20 },
    says: { amazon: ['20 units / 5.00 per day = 4.0 days → 0'], walmart: ['10.0 days, 20 kept'] },
  },
  {
    name: 'degraded: a blind channel (breaker open) makes the other channels protect themselves, not itself',
    rules: base({
      amazon: ch(1, { degraded: { mode: 'reduce', percent: 10 } }),
      walmart: ch(2, { degraded: { mode: 'reduce', percent: 10 } }),
    }),
    stock: { DC: 50 },
    channels: ['amazon', 'walmart'],
    facts: { degraded: [{ kind: 'channel', what: 'channel walmart blind: breaker open since T', channel: 'walmart' }] },
    expect: { amazon: 45, walmart: 50 },
  },
]

describe('golden availability cases', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const rules = RuleSetSchema.parse(c.rules)
      const facts: SkuFacts = {
        sku: 'SKU-1',
        category: 'toys',
        locations: Object.entries(c.stock).map(([location, sellable]) => ({ location, sellable })),
        ...c.facts,
      }
      const decisions = computeSkuAvailability(rules, facts, c.channels)
      expect(Object.fromEntries(decisions.map((d) => [d.channel, d.quantity]))).toEqual(c.expect)
      for (const d of decisions) {
        expect(d.steps.at(-1)).toMatchObject({ step: 'result', quantity: d.quantity })
        if (c.steps?.[d.channel]) expect(d.steps.map((s) => [s.step, s.quantity])).toEqual(c.steps[d.channel])
        for (const text of c.says?.[d.channel] ?? []) expect(d.steps.map((s) => s.detail).join(' | ')).toContain(text)
      }
    })
  }
})

describe('golden kit cases', () => {
  const rules = RuleSetSchema.parse(base({ amazon: ch(1, { zeroBelow: 2 }), shopify: ch(2, { cap: 3 }) }))
  const comp = (sku: string, per: number, stock: number) => ({
    sku,
    quantityPerKit: per,
    decisions: computeSkuAvailability(
      rules,
      { sku, category: 'parts', locations: [{ location: 'DC', sellable: stock }] },
      ['amazon', 'shopify'],
    ),
  })
  const q = (d: ReturnType<typeof computeKitAvailability>) => Object.fromEntries(d.map((x) => [x.channel, x.quantity]))

  it('the scarcest component decides, floored per kit', () => {
    const d = computeKitAvailability(rules, { sku: 'KIT' }, [comp('A', 3, 10), comp('B', 1, 7)], ['amazon', 'shopify'])
    expect(q(d)).toEqual({ amazon: 3, shopify: 1 })
    expect(d[0].steps.map((s) => s.step)).toEqual(['kit_component', 'kit_component', 'kit', 'result'])
    expect(d[0].steps[0].detail).toContain('A: 10 available / 3 per kit = 3')
  })
  it('consistent with what the components publish: a kit never needs more than a component channel shows', () => {
    const parts = [comp('A', 2, 9), comp('B', 1, 100)]
    const d = computeKitAvailability(rules, { sku: 'KIT' }, parts, ['amazon', 'shopify'])
    for (const k of d)
      for (const p of parts)
        expect(k.quantity * p.quantityPerKit).toBeLessThanOrEqual(
          p.decisions.find((x) => x.channel === k.channel)!.quantity,
        )
  })
  it('a component missing on the channel makes the kit zero, and says so', () => {
    const missing = { sku: 'B', quantityPerKit: 1, decisions: [] }
    const d = computeKitAvailability(rules, { sku: 'KIT' }, [comp('A', 1, 10), missing], ['amazon'])
    expect(d[0].quantity).toBe(0)
    expect(d[0].steps[1].detail).toContain('B: not available on amazon')
  })
  it('a kit without components is zero', () => {
    expect(computeKitAvailability(rules, { sku: 'KIT' }, [], ['amazon'])[0].quantity).toBe(0)
  })
  it('kit holdbacks, cap and zero-out apply to the kit', () => {
    const d = computeKitAvailability(
      rules,
      { sku: 'KIT', holdbacks: { amazon: [{ id: 'h', mode: 'units', value: 4, reason: 'promo' }] } },
      [comp('A', 1, 5)],
      ['amazon', 'shopify'],
    )
    expect(q(d)).toEqual({ amazon: 0, shopify: 3 })
    expect(d[0].steps.map((s) => s.step)).toEqual(['kit_component', 'kit', 'holdback', 'zero_out', 'result'])
  })
})
