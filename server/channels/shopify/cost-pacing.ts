// Shopify's cost bucket, as its answers describe it, so a connector waits for the points a call
// needs instead of finding the limit by being throttled.
//
// Every Admin GraphQL answer carries `extensions.cost.throttleStatus` (currentlyAvailable,
// maximumAvailable, restoreRate: shopify.dev "API rate limits"). Before a call we estimate the
// points it will cost (our own formula for it, scaled by what the same operation really cost last
// time: Shopify's costs are its own) and the points the bucket holds now (the last answer's,
// restored since), wait for the difference and take the points from the estimate, so calls made
// at once from this process (a publish and a read-back) queue behind each other. One estimate per
// shop and token in this process: a shop's writes, read-backs and orders poll draw from one bucket. Another
// process (a second worker) is not seen: Shopify's THROTTLED answer, and the wait it names, stays
// the net.

import { createHash } from 'node:crypto'
import type { ChannelResponse } from '../channel-http'
import { costSchema } from './shopify.schema'

/** Never wait longer than this before a call: a full bucket refills in 20 s at 50 points/s. */
export const MAX_PACE_WAIT_MS = 20_000

interface Seen {
  available: number
  maximum: number
  restoreRate: number
  atMs: number
  /** Per operation: the last call's real cost over our formula's. */
  ratio: Map<string, number>
}

const buckets = new Map<string, Seen>()

export interface CostSeen {
  requestedQueryCost?: number | null
  actualQueryCost?: number | null
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number }
}

/** Records what an answer said of the bucket and of this call's cost. */
export function recordCost(shop: string, operation: string, formulaCost: number, cost: CostSeen, nowMs: number): void {
  const previous = buckets.get(shop)
  const ratio = previous?.ratio ?? new Map<string, number>()
  const points = cost.requestedQueryCost ?? cost.actualQueryCost
  if (points != null && formulaCost > 0) ratio.set(operation, points / formulaCost)
  buckets.set(shop, {
    available: cost.throttleStatus.currentlyAvailable,
    maximum: cost.throttleStatus.maximumAvailable,
    restoreRate: cost.throttleStatus.restoreRate,
    atMs: nowMs,
    ratio,
  })
  // One entry per shop and token; bounded should credentials rotate often.
  if (buckets.size > 1_000) buckets.delete(buckets.keys().next().value!)
}

/**
 * The estimate for a call priced at `formulaCost` at `nowMs`: the points it needs and the points
 * the bucket holds then. The last state may lie ahead of `nowMs` (a call reserved for later): the
 * bucket now is that state restored backwards, so a second caller queues behind the first.
 */
function estimate(seen: Seen, operation: string, formulaCost: number, nowMs: number) {
  const needed = Math.min(seen.maximum, Math.ceil(formulaCost * (seen.ratio.get(operation) ?? 1)))
  const available = Math.min(seen.maximum, seen.available + ((nowMs - seen.atMs) / 1000) * seen.restoreRate)
  const waitMs = available >= needed ? 0 : Math.ceil(((needed - available) / seen.restoreRate) * 1000)
  return { needed, available, waitMs }
}

/** How long until the bucket (as last seen, restored since) holds what a call priced at `formulaCost` needs; takes nothing. */
export function readyInMs(shop: string, operation: string, formulaCost: number, nowMs: number): number {
  const seen = buckets.get(shop)
  return !seen || seen.restoreRate <= 0 ? 0 : estimate(seen, operation, formulaCost, nowMs).waitMs
}

/**
 * How long to wait before a call our formula prices at `formulaCost` (0 when the bucket, as last
 * seen and restored since, holds the points it is expected to cost, or nothing is known yet); the
 * points are taken from the estimate at the time the call will go.
 */
export function reservePoints(shop: string, operation: string, formulaCost: number, nowMs: number): number {
  const seen = buckets.get(shop)
  if (!seen || seen.restoreRate <= 0) return 0
  const { needed, available, waitMs: wanted } = estimate(seen, operation, formulaCost, nowMs)
  const waitMs = Math.min(MAX_PACE_WAIT_MS, wanted)
  // At the send time the bucket holds what it holds now plus the wait's restore, less this call.
  seen.available = available + (waitMs / 1000) * seen.restoreRate - needed
  seen.atMs = nowMs + waitMs
  return waitMs
}

/** Forgets every shop (tests). */
export function resetCostPacing(): void {
  buckets.clear()
}

/** The bucket is the shop's and the app's: one estimate per Admin API endpoint and access token. */
export function shopBucketKey(endpoint: string, accessToken: string): string {
  return `${endpoint} ${createHash('sha256').update(accessToken).digest('hex').slice(0, 16)}`
}

/**
 * One Admin GraphQL call of the shop's, paced: waits for the points it needs, sends, and records
 * what the answer said of the bucket. Every caller of a shop (inventory writes, read-backs, the
 * orders poll) goes through it, so they draw from one estimate.
 */
export async function pacedGraphqlCall(
  pace: {
    key: string
    operation: string
    formulaCost: number
    now: () => number
    sleep: (ms: number) => Promise<void>
  },
  send: () => Promise<ChannelResponse>,
): Promise<ChannelResponse> {
  const wait = reservePoints(pace.key, pace.operation, pace.formulaCost, pace.now())
  if (wait > 0) await pace.sleep(wait)
  const response = await send()
  if (response.kind === 'response') {
    const cost = costSchema.safeParse((response.json as { extensions?: { cost?: unknown } } | null)?.extensions?.cost)
    if (cost.success) recordCost(pace.key, pace.operation, pace.formulaCost, cost.data, pace.now())
  }
  return response
}

/** Waits with a timer (connectors take a test's clock instead). */
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
