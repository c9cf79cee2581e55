// The rule set, as data. GET /api/v1/rules returns it and POST accepts it unchanged.
import { z } from 'zod'

const units = z.number().int().min(0).max(1_000_000_000)

export const SafetyStockSchema = z.object({
  /** Fixed units held back from the channel. */
  units: units.optional(),
  /** Days of cover: units = average daily sales x days (rounded up). */
  days: z.number().min(0).max(365).optional(),
}).refine((s) => s.units !== undefined || s.days !== undefined, { message: 'safety stock needs "units" or "days"' })

export const SafetyStockRuleSchema = SafetyStockSchema.and(z.object({
  sku: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  channel: z.string().min(1).optional(),
}))

export const ShareSchema = z.discriminatedUnion('type', [
  /** Every channel on the shared pool may sell all of what remains. */
  z.object({ type: z.literal('shared') }),
  z.object({ type: z.literal('percent'), percent: z.number().min(0).max(100) }),
  z.object({ type: z.literal('fixed'), units }),
])

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
})

export const RuleSetSchema = z.object({
  defaults: z.object({ safetyStock: SafetyStockSchema, salesWindowDays: z.number().int().min(1).max(365).default(28) }),
  channels: z.record(z.string().min(1), ChannelRulesSchema),
  safetyStock: z.array(SafetyStockRuleSchema).default([]),
}).superRefine((rs, ctx) => {
  const pct = Object.values(rs.channels).reduce((s, c) => s + (c.share.type === 'percent' ? c.share.percent : 0), 0)
  if (pct > 100) ctx.addIssue({ code: 'custom', path: ['channels'], message: `percentage shares add up to ${pct}%, more than 100%` })
})

export type RuleSet = z.infer<typeof RuleSetSchema>
export type ChannelRules = z.infer<typeof ChannelRulesSchema>
export type SafetyStockRule = z.infer<typeof SafetyStockRuleSchema>

export const DEFAULT_RULES: RuleSet = {
  defaults: { safetyStock: { units: 2 }, salesWindowDays: 28 },
  channels: {
    b2b: { priority: 10, ringFence: 5, share: { type: 'shared' }, zeroBelow: 0 },
    shopify: { priority: 20, share: { type: 'shared' }, zeroBelow: 0 },
    amazon: { priority: 30, share: { type: 'shared' }, cap: 500, zeroBelow: 2, locations: ['DC-EAST', 'DC-WEST', '3PL-CENTRAL'] },
    walmart: { priority: 40, share: { type: 'shared' }, zeroBelow: 2, excludeLocations: ['3PL-CENTRAL'] },
  },
  safetyStock: [{ channel: 'amazon', units: 3 }],
}
