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
import { TokenBucket } from '../../simulators/core/token-bucket'

export const KINDS = ['shopify', 'amazon', 'walmart', 'b2b'] as const
export type Kind = (typeof KINDS)[number]

/** Refill rate per second of each bucket of a simulator's realistic plan, by bucket name. */
export function documentedRates(kind: Kind): Record<string, number> {
  if (kind === 'shopify') return { cost: SHOPIFY_PLANS.realistic.throttle!.restoreRate }
  if (kind === 'amazon') {
    const t = AMAZON_PLANS.realistic.throttle!
    return {
      patch: t.ratePerSecond,
      get: t.readRatePerSecond,
      search: t.searchRatePerSecond,
      feed: t.feedRatePerSecond,
      feedRead: t.feedReadRatePerSecond,
    }
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
  for (const [code, rate, burst] of [
    ['amazon', a.ratePerSecond, a.burst],
    ['walmart', w.ratePerSecond, w.burst],
    ['b2b', b.ratePerSecond, b.burst],
  ] as const) {
    await pool.query(
      `UPDATE "Channel" SET "ratePerSecond" = $2::float8, "rateBurst" = $3::int, "rateTokens" = LEAST("rateTokens", $3::int) WHERE code = $1`,
      [code, rate, Math.max(1, Math.floor(burst))],
    )
  }
}

// Tokens taken from each simulator bucket, counted by wrapping TokenBucket.tryTake in the bench
// process (the simulators run in it): exact, and unaffected by refill lost to a full bucket.
const takenOf = new WeakMap<TokenBucket, number>()
let metered = false
function meterBuckets(): void {
  if (metered) return
  metered = true
  const original = TokenBucket.prototype.tryTake
  TokenBucket.prototype.tryTake = function tryTake(this: TokenBucket, cost = 1) {
    const r = original.call(this, cost)
    if (r.ok) takenOf.set(this, (takenOf.get(this) ?? 0) + cost)
    return r
  }
}

/** Each of a simulator's current buckets by name: tokens taken so far and tokens available now. */
function buckets(
  kind: Kind,
  sims: RunningSimulators,
): Record<string, { taken: number; available: number; capacity: number }> {
  const sim = sims.sims[kind] as unknown as { bucket?: TokenBucket | null; buckets?: Map<string, TokenBucket> }
  const out: Record<string, { taken: number; available: number; capacity: number }> = {}
  const add = (name: string, b: TokenBucket) => {
    const o = (out[name] ??= { taken: 0, available: 0, capacity: 0 })
    o.taken += takenOf.get(b) ?? 0
    o.available += b.available()
    o.capacity += b.plan.capacity
  }
  if (kind === 'amazon')
    for (const [key, b] of sim.buckets ?? new Map<string, TokenBucket>()) add(key.slice(key.lastIndexOf(':') + 1), b)
  else if (sim.bucket) add(kind === 'shopify' ? 'cost' : 'calls', sim.bucket)
  return out
}

export interface SimSample {
  at: number
  requests: number
  throttled: number
  buckets: Record<string, { taken: number; available: number; capacity: number }>
}

export function sampleSim(sims: RunningSimulators, kind: Kind): SimSample {
  meterBuckets()
  const state = sims.sims[kind].state() as { counters: { requests: number; throttled: number } }
  return {
    at: Date.now(),
    requests: state.counters.requests,
    throttled: state.counters.throttled,
    buckets: buckets(kind, sims),
  }
}

/**
 * Share of each documented limit used between two samples: tokens taken / tokens the limit let
 * through in the window (the documented rate x seconds, plus what the bucket's saved-up burst
 * lost over the window, so spending a burst is not counted as more than 100%; a bucket first used
 * inside the window starts full).
 */
export function limitUse(
  kind: Kind,
  a: SimSample,
  b: SimSample,
): Record<string, { used: number; allowed: number; share: number }> {
  const seconds = (b.at - a.at) / 1000
  const out: Record<string, { used: number; allowed: number; share: number }> = {}
  for (const [bucket, rate] of Object.entries(documentedRates(kind))) {
    const end = b.buckets[bucket]
    if (!end) continue
    const start = a.buckets[bucket]
    const used = end.taken - (start?.taken ?? 0)
    const allowed = rate * seconds + Math.max(0, (start?.available ?? end.capacity) - end.available)
    out[bucket] = { used, allowed, share: allowed > 0 ? used / allowed : 0 }
  }
  return out
}
