// The rule set, as data. GET /api/v1/rules returns it and POST accepts it unchanged.
import { z } from 'zod'

const units = z.number().int().min(0).max(1_000_000_000)

export const SafetyStockSchema = z
  .object({
    /** Fixed units held back from the channel. */
    units: units.optional(),
    /** Days of cover: units = average daily sales x days (rounded up). */
    days: z.number().min(0).max(365).optional(),
  })
  .refine((s) => s.units !== undefined || s.days !== undefined, { message: 'safety stock needs "units" or "days"' })

export const SafetyStockRuleSchema = SafetyStockSchema.and(
  z.object({
    sku: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    channel: z.string().min(1).optional(),
  }),
)

export const ShareSchema = z.discriminatedUnion('type', [
  /** Every channel on the shared pool may sell all of what remains. */
  z.object({ type: z.literal('shared') }),
  z.object({ type: z.literal('percent'), percent: z.number().min(0).max(100) }),
  z.object({ type: z.literal('fixed'), units }),
])

const isoTime = z.iso.datetime({ offset: true })

/**
 * A time-boxed allocation for one channel (a retail partner's campaign): between `from` and
 * `until` its ring-fence and/or share replace the channel's own; outside the window the channel's
 * own apply again. Optionally only for one SKU or one category. The first allocation in force wins.
 */
export const AllocationWindowSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** In force from this time (absent: since always). */
    from: isoTime.optional(),
    /** Released at this time (absent: until the rules change). */
    until: isoTime.optional(),
    sku: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    ringFence: units.optional(),
    share: ShareSchema.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.ringFence === undefined && a.share === undefined)
      ctx.addIssue({ code: 'custom', path: ['ringFence'], message: 'an allocation needs "ringFence" or "share"' })
    if (a.from && a.until && Date.parse(a.from) >= Date.parse(a.until))
      ctx.addIssue({ code: 'custom', path: ['until'], message: '"until" must be later than "from"' })
    if (a.sku && a.category)
      ctx.addIssue({ code: 'custom', path: ['sku'], message: 'give at most one of "sku" or "category"' })
  })

/**
 * Sell-ahead: the channel may also sell incoming units (in transit to, or expected at, its eligible
 * locations) that arrive within `horizonDays`, at most `cap` units.
 */
export const SellAheadSchema = z.object({
  cap: units,
  horizonDays: z.number().min(0).max(365),
})

/**
 * What a channel publishes while a feed it depends on is stale (or another channel is blind): keep
 * the number, reduce it by a percentage, cap it, or zero SKUs whose cover is below N days. A
 * degraded policy only ever lowers a quantity.
 */
export const DegradedPolicySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('keep') }),
  z.object({ mode: z.literal('reduce'), percent: z.number().int().min(1).max(100) }),
  z.object({ mode: z.literal('cap'), units }),
  z.object({ mode: z.literal('zero_low_cover'), days: z.number().min(0).max(365) }),
])

/** A feed Stocktower expects to hear from: a source (at one location, or anywhere) at least every N minutes. */
export const FeedExpectationSchema = z.object({
  source: z.string().trim().min(1).max(100),
  location: z.string().trim().min(1).max(200).optional(),
  maxSilenceMinutes: z
    .number()
    .min(0.1)
    .max(60 * 24 * 30),
  /**
   * What keeps the feed fresh: `events` (any ledger event of the source, at the location) or
   * `snapshots` (a stored snapshot of the source, with rows for the location; e.g. the WMS's nightly
   * full snapshot). Absent: events (see feedExpects).
   */
  expects: z.enum(['events', 'snapshots']).optional(),
})

/** What a feed expectation is judged by: `expects`, events when absent (rule sets written before it). */
export const feedExpects = (f: { expects?: 'events' | 'snapshots' }): 'events' | 'snapshots' => f.expects ?? 'events'

export const ChannelRulesSchema = z.object({
  /** Lower numbers come first in the waterfall. */
  priority: z.number().int().min(0).max(1000),
  /** Eligible locations in fulfilment order; empty or absent: every location. */
  locations: z.array(z.string().min(1)).optional(),
  excludeLocations: z.array(z.string().min(1)).optional(),
  /** Units protected for this channel from lower-priority channels. */
  ringFence: units.optional(),
  share: ShareSchema,
  /** Maximum quantity ever published. */
  cap: units.nullable().optional(),
  /** Below this, publish 0. */
  zeroBelow: units.optional(),
  /** Deduct the in-flight order buffer (orders the channel took that have not reached us). */
  inFlightBuffer: z.boolean().optional(),
  /** Time-boxed ring-fences or shares (campaign windows), released automatically at `until`. */
  allocations: z.array(AllocationWindowSchema).max(100).optional(),
  sellAhead: SellAheadSchema.optional(),
  /**
   * Priority lane across channels: the order this channel's publish jobs are claimed in when the
   * workers are congested (graphile-worker job priority: lower runs first; absent: 0, like every
   * other job). Independent of the waterfall `priority`, which decides who gets units.
   */
  publishPriority: z.number().int().min(-1000).max(1000).optional(),
  /** Applied at once while a feed of its eligible locations is stale or another channel is blind; undone when it returns. */
  degraded: DegradedPolicySchema.optional(),
})

/**
 * What Stocktower does when a system of record says it rejected or held a channel order, per reason
 * code (`*`: any reason not named). Without a policy: keep the reservation, suppress nothing, open a
 * finding.
 */
export const OrderExceptionPolicySchema = z.object({
  /** Give the order's reserved units back to the pool. */
  releaseReservation: z.boolean().default(false),
  /** Suppress the order's SKUs on the order's channel until the exception is resolved. */
  suppress: z.boolean().default(false),
  /** The suppression expires after this many hours even if nobody resolves the exception. */
  suppressHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(72),
})

export const RuleSetSchema = z
  .object({
    defaults: z.object({
      safetyStock: SafetyStockSchema,
      salesWindowDays: z.number().int().min(1).max(365).default(28),
    }),
    channels: z.record(z.string().min(1), ChannelRulesSchema),
    safetyStock: z.array(SafetyStockRuleSchema).default([]),
    /** Per ERP order exception reason code (or `*`). */
    orderExceptions: z.record(z.string().min(1).max(100), OrderExceptionPolicySchema).optional(),
    /** Expected cadence per source and location: a feed silent for longer is stale (degraded mode). */
    feeds: z.array(FeedExpectationSchema).max(500).optional(),
    /**
     * Priority lane: strategic SKUs (by category or code) are recomputed before the rest of a backlog
     * and published right after zero-outs and decrements, ahead of other increases.
     */
    strategic: z
      .object({
        categories: z.array(z.string().min(1)).max(500).optional(),
        skus: z.array(z.string().min(1)).max(10_000).optional(),
      })
      .optional(),
    /** A channel whose circuit breaker stays open this long is blind: the other channels apply their degraded policy. */
    breakerOpenMinutes: z
      .number()
      .min(0.1)
      .max(60 * 24)
      .optional(),
  })
  .superRefine((rs, ctx) => {
    const pct = Object.values(rs.channels).reduce((s, c) => s + (c.share.type === 'percent' ? c.share.percent : 0), 0)
    if (pct > 100)
      ctx.addIssue({
        code: 'custom',
        path: ['channels'],
        message: `percentage shares add up to ${pct}%, more than 100%`,
      })
    // Allocation windows change shares over time: percentages must stay within 100% at every moment
    // (checked at each window boundary, for unscoped windows and for each SKU/category scope).
    const windows = Object.values(rs.channels).flatMap((c) => c.allocations ?? [])
    if (windows.length === 0) return
    const scopes = [
      { sku: undefined as string | undefined, category: undefined as string | undefined },
      ...windows.filter((w) => w.sku || w.category).map((w) => ({ sku: w.sku, category: w.category })),
    ]
    const instants = [
      Number.NEGATIVE_INFINITY,
      ...windows
        .flatMap((w) => [w.from, w.until])
        .filter((x): x is string => !!x)
        .map((x) => Date.parse(x)),
    ]
    for (const scope of scopes) {
      for (const t of instants) {
        const total = Object.values(rs.channels).reduce((s, c) => {
          const w = (c.allocations ?? []).find(
            (a) =>
              a.share &&
              windowInForce(a, t) &&
              (!a.sku || a.sku === scope.sku) &&
              (!a.category || a.category === scope.category),
          )
          const share = w?.share ?? c.share
          return s + (share.type === 'percent' ? share.percent : 0)
        }, 0)
        if (total > 100) {
          const when = Number.isFinite(t) ? ` from ${new Date(t).toISOString()}` : ''
          ctx.addIssue({
            code: 'custom',
            path: ['channels'],
            message: `with allocation windows, percentage shares add up to ${total}%${when}${scope.sku ? ` for SKU ${scope.sku}` : scope.category ? ` for category ${scope.category}` : ''}, more than 100%`,
          })
          return
        }
      }
    }
  })

/** A window is in force at `t` (ms) when it has started and not yet ended: [from, until). */
export function windowInForce(a: { from?: string; until?: string }, t: number): boolean {
  return (!a.from || Date.parse(a.from) <= t) && (!a.until || t < Date.parse(a.until))
}

export type RuleSet = z.infer<typeof RuleSetSchema>
export type ChannelRules = z.infer<typeof ChannelRulesSchema>
export type SafetyStockRule = z.infer<typeof SafetyStockRuleSchema>
export type AllocationWindow = z.infer<typeof AllocationWindowSchema>
export type SellAhead = z.infer<typeof SellAheadSchema>
export type OrderExceptionPolicy = z.infer<typeof OrderExceptionPolicySchema>
export type DegradedPolicy = z.infer<typeof DegradedPolicySchema>
export type FeedExpectation = z.infer<typeof FeedExpectationSchema>

export const DEFAULT_RULES: RuleSet = {
  defaults: { safetyStock: { units: 2 }, salesWindowDays: 28 },
  channels: {
    b2b: { priority: 10, ringFence: 5, share: { type: 'shared' }, zeroBelow: 0 },
    shopify: { priority: 20, share: { type: 'shared' }, zeroBelow: 0 },
    amazon: {
      priority: 30,
      share: { type: 'shared' },
      cap: 500,
      zeroBelow: 2,
      locations: ['DC-EAST', 'DC-WEST', '3PL-CENTRAL'],
    },
    walmart: { priority: 40, share: { type: 'shared' }, zeroBelow: 2, excludeLocations: ['3PL-CENTRAL'] },
  },
  safetyStock: [{ channel: 'amazon', units: 3 }],
}
