// The marketplaces' documented limits (the simulators' 'realistic' throttle plans, README
// "Connectors" table) switched on at runtime once the demo catalogue has synced, with each channel's
// rate budget set to the documented request rate as an operator would configure it. Shopify's limit
// is cost-based (points restored per second); its connector follows the cost extension itself, so its
// request budget stays as seeded.
import type pg from 'pg'
import type { RunningSimulators } from '../../simulators'
import { SHOPIFY_PLANS } from '../../simulators/shopify'
import { AMAZON_PLANS } from '../../simulators/amazon'
import { WALMART_PLANS } from '../../simulators/walmart'
import { B2B_PLANS } from '../../simulators/b2b'

export const KINDS = ['shopify', 'amazon', 'walmart', 'b2b'] as const
export type Kind = typeof KINDS[number]

/** Refill rate per second of each bucket of a simulator's realistic plan, by bucket name. */
export function documentedRates(kind: Kind): Record<string, number> {
  if (kind === 'shopify') return { cost: SHOPIFY_PLANS.realistic.throttle!.restoreRate }
  if (kind === 'amazon') {
    const t = AMAZON_PLANS.realistic.throttle!
    return { patch: t.ratePerSecond, get: t.readRatePerSecond, feed: t.feedRatePerSecond, feedRead: t.feedReadRatePerSecond }
  }
  if (kind === 'walmart') return { calls: WALMART_PLANS.realistic.throttle!.ratePerSecond }
  return { calls: B2B_PLANS.realistic.throttle!.ratePerSecond }
}

export async function applyDocumentedLimits(sims: RunningSimulators, pool: pg.Pool): Promise<void> {
  sims.sims.shopify.configure({ throttle: SHOPIFY_PLANS.realistic.throttle })
  sims.sims.amazon.configure({ throttle: AMAZON_PLANS.realistic.throttle })
  sims.sims.walmart.configure({ throttle: WALMART_PLANS.realistic.throttle })
  sims.sims.b2b.configure({ throttle: B2B_PLANS.realistic.throttle })
  const a = AMAZON_PLANS.realistic.throttle!
  const w = WALMART_PLANS.realistic.throttle!
  const b = B2B_PLANS.realistic.throttle!
  for (const [code, rate, burst] of [['amazon', a.ratePerSecond, a.burst], ['walmart', w.ratePerSecond, w.burst], ['b2b', b.ratePerSecond, b.burst]] as const) {
    await pool.query(`UPDATE "Channel" SET "ratePerSecond" = $2, "rateBurst" = $3, "rateTokens" = LEAST("rateTokens", $3) WHERE code = $1`, [code, rate, Math.max(1, Math.floor(burst))])
  }
}

/** Tokens left in each bucket of a simulator now (from its /_sim/state), by bucket name. */
export function bucketTokens(kind: Kind, state: Record<string, unknown>): Record<string, number> {
  const t = state.throttle as Record<string, unknown> | null
  if (!t) return {}
  if (kind === 'shopify') return { cost: Number((t as { currentlyAvailable: number }).currentlyAvailable) }
  if (kind === 'amazon') {
    const out: Record<string, number> = {}
    for (const [key, v] of Object.entries((t as { tokensAvailable: Record<string, number> }).tokensAvailable ?? {})) out[key.slice(key.lastIndexOf(':') + 1)] = Number(v)
    return out
  }
  const v = (t as { tokensAvailable: number | null }).tokensAvailable
  return v === null ? {} : { calls: Number(v) }
}

export interface SimSample { at: number; requests: number; throttled: number; tokens: Record<string, number> }

export function sampleSim(sims: RunningSimulators, kind: Kind): SimSample {
  const state = sims.sims[kind].state() as { counters: { requests: number; throttled: number } }
  return { at: Date.now(), requests: state.counters.requests, throttled: state.counters.throttled, tokens: bucketTokens(kind, state as unknown as Record<string, unknown>) }
}

/**
 * Share of what each documented limit allowed between two samples that was used: the bucket could
 * give its tokens at the start plus its refill over the window; what it still holds at the end was
 * left unused. (Ignores refill lost to a full bucket: under a backlog the bucket is never full.)
 * A bucket first used inside the window counts from full.
 */
export function limitUse(kind: Kind, a: SimSample, b: SimSample): Record<string, { used: number; allowed: number; share: number }> {
  const seconds = (b.at - a.at) / 1000
  const out: Record<string, { used: number; allowed: number; share: number }> = {}
  for (const [bucket, rate] of Object.entries(documentedRates(kind))) {
    if (!(bucket in b.tokens)) continue
    const allowed = (a.tokens[bucket] ?? documentedBurst(kind, bucket)) + rate * seconds
    const used = allowed - b.tokens[bucket]
    out[bucket] = { used, allowed, share: used / allowed }
  }
  return out
}

export function documentedBurst(kind: Kind, bucket: string): number {
  if (kind === 'shopify') return SHOPIFY_PLANS.realistic.throttle!.maximumAvailable
  if (kind === 'amazon') {
    const t = AMAZON_PLANS.realistic.throttle!
    return bucket === 'patch' ? t.burst : bucket === 'get' ? t.readBurst : bucket === 'feed' ? t.feedBurst : t.feedReadBurst
  }
  if (kind === 'walmart') return WALMART_PLANS.realistic.throttle!.burst
  return B2B_PLANS.realistic.throttle!.burst
}
