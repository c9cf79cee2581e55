// Recomputes what each channel may sell for the SKUs in the recompute outbox. Claims a batch with
// SKIP LOCKED (parallel workers take disjoint SKUs), writes a decision wherever the result or its
// reasons changed, bumps the listing's desired version when the quantity changed, and enqueues the
// publish of each touched channel, all in one transaction: a committed decision always gets published.
import type { PrismaClient } from '@prisma/client'
import type { RawSql } from '../db'
import { rawTransaction, withDeadlockRetry } from '../db'
import { getCurrentRuleSet } from '../rules/rule-set.repository'
import type { RuleSet } from '../rules/rules.schema'
import {
  computeKitAvailability,
  computeSkuAvailability,
  eligibleLocations,
  type ChannelDecision,
  type HoldbackInput,
} from './compute-availability'
import { enqueuePublish, enqueueRecompute } from '../queue/enqueue'
import { claimDirty, finishClaim, releaseClaim, type Claim } from './recompute-outbox'
import { sellable, type PositionQuantities } from '../positions/apply-event'
import { loadDegradedConditions } from '../freshness/degraded-mode'
import { loadStrategicClass } from '../publishing/lock-listings'

export interface RecomputeResult {
  processed: number
  changedListings: number
  more: boolean
  /** Listings whose quantity changed. */
  changes: Array<{ sku: string; channel: string; quantity: number }>
  /** Every listing that got a new decision (a new quantity, or the same one for new reasons, e.g. a rule version). */
  decided: Array<{ sku: string; channel: string }>
}

interface SkuRow {
  id: string
  code: string
  category: string
  isKit: boolean
}
interface PositionRow extends PositionQuantities {
  skuId: string
  location: string
  lastEventId: string | null
}
export interface ListingRow {
  id: string
  skuId: string
  channelId: string
  channel: string
  desiredQuantity: number | null
  desiredVersion: number
  /** The current decision's steps as stored JSON text. */ steps: string | null
  ruleVersionIds: string[] | null
}

export async function recomputeDirtyAvailability(
  db: PrismaClient,
  opts: { batchSize?: number; now?: () => Date } = {},
): Promise<RecomputeResult> {
  const batchSize = opts.batchSize ?? 500
  const now = opts.now ?? (() => new Date())
  // Priority lane: strategic SKUs of a backlog are decided first (then the oldest of the rest).
  const strategic = await loadStrategicClass(db, now())
  // Claimed and committed before deciding: ingest marking these SKUs meanwhile never waits for us.
  const claim = await claimDirty(db, batchSize, now(), strategic)
  if (claim.skus.length === 0) return { processed: 0, changedListings: 0, more: false, changes: [], decided: [] }
  return decideClaim(db, claim, { more: claim.skus.length === batchSize, now })
}

/**
 * Decides a claim's SKUs in one transaction; then, in statements of their own, deletes the claim's
 * rows nothing marked again and asks for the next batch. The deciding transaction holds the SKUs'
 * listings, and an order takes the outbox row and the recompute job's key before them (its
 * reservation marks the SKU, then its read-back is due): doing either inside it deadlocked with an
 * order for the same SKU. A claim left behind (the process died in between) is taken again once
 * stale, by the job a worker queues when it starts or the minute sweep queues (sweep-recompute.ts).
 */
export async function decideClaim(
  db: PrismaClient,
  claim: Claim,
  opts: { more: boolean; now: () => Date },
): Promise<RecomputeResult> {
  let result: RecomputeResult
  try {
    // On a plain `pg` connection: a batch sends megabytes of decisions as parameters (see rawTransaction).
    // A batch chosen as a deadlock victim was rolled back whole and runs again: a failed recompute
    // job would leave its SKUs' channels on old numbers until the next one.
    result = await withDeadlockRetry(() =>
      rawTransaction(db, async (tx) => {
        const decided = await recomputeSkus(tx, claim.skus, opts.now())
        return { ...decided, processed: claim.skus.length, more: opts.more }
      }),
    )
  } catch (e) {
    await releaseClaim(db, claim).catch(() => {})
    throw e
  }
  await finishClaim(db, claim)
  if (opts.more) await enqueueRecompute(db)
  return result
}

/**
 * What one recompute job does: `lanes` concurrent loops (each batch its own transaction; SKIP LOCKED
 * keeps them on different SKUs) so the database works on one batch while this process decides the
 * next, until the outbox is empty or the time budget is spent (then the job is already re-queued).
 * On the 2-core machine 2 lanes use both cores; more only adds contention.
 */
export async function recomputeInLanes(
  db: PrismaClient,
  opts: {
    lanes?: number
    batchSize?: number
    budgetMs?: number
    now?: () => Date
    onBatch?: (r: RecomputeResult) => void
  } = {},
): Promise<{ processed: number; changedListings: number; batches: number }> {
  const until = Date.now() + (opts.budgetMs ?? 10_000)
  const total = { processed: 0, changedListings: 0, batches: 0 }
  const lane = async () => {
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: opts.batchSize, now: opts.now })
      total.processed += r.processed
      total.changedListings += r.changedListings
      if (r.processed > 0) {
        total.batches++
        opts.onBatch?.(r)
      }
      if (!r.more || Date.now() >= until) return
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, opts.lanes ?? 2) }, lane))
  return total
}

export interface SkuDecisions {
  listings: ListingRow[]
  skuById: Map<string, SkuRow>
  decisionsBySku: Map<string, ChannelDecision[]>
  inputEvents(skuId: string, channel: string): string[]
  decisionInputs(listing: ListingRow, decision: ChannelDecision): unknown
}

/** Loads what the given SKUs' numbers depend on and decides every listed channel (no writes). */
export async function decideSkus(
  tx: RawSql,
  skuIds: string[],
  ruleSet: { id: string; rules: RuleSet },
  decidedAt: Date,
  opts: { lock?: boolean } = {},
): Promise<SkuDecisions> {
  const data = await loadDecisionData(tx, skuIds, ruleSet, decidedAt, opts)
  // Memoised: deciding and decisionInputs() ask for the same SKU's facts once per channel.
  const factsCache = new Map<string, SkuFactsRow>()
  const facts = (skuId: string) => {
    let f = factsCache.get(skuId)
    if (!f) factsCache.set(skuId, (f = buildFacts(data, skuId)))
    return f
  }
  const decisionsBySku = new Map<string, ChannelDecision[]>()
  for (const skuId of skuIds) if (data.skuById.has(skuId)) decisionsBySku.set(skuId, decideSku(data, facts, skuId))
  const eligibleByChannel = new Map<string, string[]>()
  return {
    listings: data.listings,
    skuById: data.skuById,
    decisionsBySku,
    inputEvents: (skuId, channel) => inputEventsFor(data, eligibleByChannel, skuId, channel),
    decisionInputs: (listing, decision) => decisionInputsFor(data, facts, listing, decision),
  }
}

/** Everything a batch's decisions read, loaded once: SKUs and kit components, positions, listings, holdbacks, demand, degraded conditions. */
interface DecisionData {
  ruleSet: { id: string; rules: RuleSet }
  decidedAt: Date
  kitComponents: Array<{ kitSkuId: string; componentSkuId: string; quantity: number }>
  skuById: Map<string, SkuRow>
  locations: Array<{ code: string }>
  positionsBySku: Map<string, PositionRow[]>
  listings: ListingRow[]
  channelCodes: string[]
  holdbacks: HoldbackRow[]
  salesBySku: Map<string, Record<string, number>>
  orderLagSeconds: Record<string, number>
  usesSellAhead: boolean
  degraded: Awaited<ReturnType<typeof loadDegradedConditions>>
}

async function loadDecisionData(
  tx: RawSql,
  skuIds: string[],
  ruleSet: { id: string; rules: RuleSet },
  decidedAt: Date,
  opts: { lock?: boolean },
): Promise<DecisionData> {
  // The listings first, locked, and only then what they are decided from: two recomputes of one SKU
  // (a claim taken again, recompute-outbox.ts) write in lock order, each from positions read after
  // the other's commit, so the last decision written is never from older positions.
  const listings = await tx.$queryRawUnsafe<ListingRow[]>(
    `SELECT cl.id::text AS id, cl."skuId"::text AS "skuId", cl."channelId"::text AS "channelId", c.code AS channel,
            cl."desiredQuantity", cl."desiredVersion", d.steps::text AS steps, d."ruleVersionIds"
       FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId"
       LEFT JOIN "AvailabilityDecision" d ON d.id = cl."decisionId"
      WHERE cl."skuId" = ANY($1::uuid[]) AND cl.active
      -- Locked in id order, like every multi-listing writer (see lockListings, channels/channel.repository.ts).
      ORDER BY cl.id ${opts.lock === false ? '' : 'FOR UPDATE OF cl'}`,
    skuIds,
  )
  const kitComponents = await tx.$queryRawUnsafe<DecisionData['kitComponents']>(
    `SELECT "kitSkuId"::text AS "kitSkuId", "componentSkuId"::text AS "componentSkuId", quantity FROM "KitComponent" WHERE "kitSkuId" = ANY($1::uuid[])`,
    skuIds,
  )
  const allSkuIds = [...new Set([...skuIds, ...kitComponents.map((k) => k.componentSkuId)])]
  const skuRows = await tx.$queryRawUnsafe<SkuRow[]>(
    `SELECT id::text AS id, code, category, "isKit" FROM "Sku" WHERE id = ANY($1::uuid[])`,
    allSkuIds,
  )
  const skuById = new Map(skuRows.map((s) => [s.id, s]))
  const locations = await tx.$queryRawUnsafe<Array<{ code: string }>>(
    `SELECT code FROM "Location" WHERE active ORDER BY code`,
  )
  const positions = await tx.$queryRawUnsafe<PositionRow[]>(
    `SELECT p."skuId"::text AS "skuId", l.code AS location, p."onHand", p.reserved, p.allocated, p.quarantined, p.damaged, p."inTransit",
            p."lastEventId"::text AS "lastEventId"
       FROM "Position" p JOIN "Location" l ON l.id = p."locationId" WHERE p."skuId" = ANY($1::uuid[]) AND l.active`,
    allSkuIds,
  )
  const positionsBySku = new Map<string, PositionRow[]>()
  for (const p of positions) {
    const rows = positionsBySku.get(p.skuId)
    if (rows) rows.push(p)
    else positionsBySku.set(p.skuId, [p])
  }
  const channelCodes = [...new Set(listings.map((l) => l.channel))]
  const holdbacks = await loadActiveHoldbacks(tx, decidedAt)
  const { salesBySku, orderLagSeconds } = await loadDemand(tx, ruleSet.rules, allSkuIds, decidedAt)
  const usesSellAhead = Object.values(ruleSet.rules.channels).some((c) => c.sellAhead)
  // Degraded mode: stale feeds and blind channels (server/freshness), said in every decision they touch.
  const degraded = await loadDegradedConditions(tx)
  return {
    ruleSet,
    decidedAt,
    kitComponents,
    skuById,
    locations,
    positionsBySku,
    listings,
    channelCodes,
    holdbacks,
    salesBySku,
    orderLagSeconds,
    usesSellAhead,
    degraded,
  }
}

type SkuFactsRow = ReturnType<typeof buildFacts>

/** One SKU's facts as the pure calculation takes them. */
function buildFacts(data: DecisionData, skuId: string) {
  const sku = data.skuById.get(skuId)!
  const rows = data.positionsBySku.get(skuId) ?? []
  return {
    sku: sku.code,
    category: sku.category,
    locations: data.locations.map((l) => {
      const p = rows.find((r) => r.location === l.code)
      return { location: l.code, sellable: p ? sellable(p) : 0 }
    }),
    holdbacks: holdbacksFor(data.holdbacks, sku, data.channelCodes),
    dailySales: data.salesBySku.get(skuId),
    orderLagSeconds: data.orderLagSeconds,
    at: data.decidedAt,
    ...(data.degraded.length > 0 ? { degraded: data.degraded } : {}),
    // Sell-ahead counts what is in transit to a location (already on its way: within any horizon).
    ...(data.usesSellAhead
      ? { inbound: rows.filter((r) => r.inTransit > 0).map((r) => ({ location: r.location, quantity: r.inTransit })) }
      : {}),
  }
}

/** A SKU's decision for every listed channel; a kit is decided from its components' decisions. */
function decideSku(data: DecisionData, facts: (skuId: string) => SkuFactsRow, skuId: string): ChannelDecision[] {
  const { ruleSet, channelCodes } = data
  const sku = data.skuById.get(skuId)!
  if (!sku.isKit) return computeSkuAvailability(ruleSet.rules, facts(skuId), channelCodes)
  const comps = data.kitComponents.filter((k) => k.kitSkuId === skuId)
  return computeKitAvailability(
    ruleSet.rules,
    { sku: sku.code, holdbacks: holdbacksFor(data.holdbacks, sku, channelCodes) },
    comps.map((c) => ({
      sku: data.skuById.get(c.componentSkuId)?.code ?? '?',
      quantityPerKit: c.quantity,
      decisions: computeSkuAvailability(ruleSet.rules, facts(c.componentSkuId), channelCodes),
    })),
    channelCodes,
  )
}

/** The ledger events that last moved the positions this channel's number was computed from. */
function inputEventsFor(
  data: DecisionData,
  eligibleByChannel: Map<string, string[]>,
  skuId: string,
  channel: string,
): string[] {
  const sku = data.skuById.get(skuId)!
  const ids = sku.isKit ? data.kitComponents.filter((k) => k.kitSkuId === skuId).map((k) => k.componentSkuId) : [skuId]
  let eligible = eligibleByChannel.get(channel)
  if (!eligible)
    eligibleByChannel.set(
      channel,
      (eligible = eligibleLocations(
        data.ruleSet.rules.channels[channel],
        data.locations.map((l) => l.code),
      )),
    )
  return ids.flatMap((id) =>
    (data.positionsBySku.get(id) ?? [])
      .filter((p) => eligible.includes(p.location) && p.lastEventId)
      .map((p) => p.lastEventId!),
  )
}

/** What the number was computed from, as plain data (the steps say how). */
function decisionInputsFor(
  data: DecisionData,
  facts: (skuId: string) => SkuFactsRow,
  listing: ListingRow,
  decision: ChannelDecision,
): unknown {
  const { ruleSet, degraded, orderLagSeconds } = data
  const sku = data.skuById.get(listing.skuId)!
  const f = facts(listing.skuId)
  const base = {
    ruleVersion: ruleSet.id,
    sku: sku.code,
    channel: listing.channel,
    previousQuantity: listing.desiredQuantity,
    holdbackIds: decision.holdbackIds,
    ...(decision.steps.some((st) => st.step === 'degraded') ? { degraded: degraded.map((d) => d.what) } : {}),
    ...(f.dailySales?.[listing.channel] !== undefined ? { dailySales: f.dailySales[listing.channel] } : {}),
    ...(orderLagSeconds[listing.channel] !== undefined ? { orderLagSeconds: orderLagSeconds[listing.channel] } : {}),
  }
  if (!sku.isKit)
    return {
      ...base,
      locations: f.locations,
      ...(f.inbound && ruleSet.rules.channels[listing.channel]?.sellAhead ? { inbound: f.inbound } : {}),
    }
  return {
    ...base,
    components: data.kitComponents
      .filter((k) => k.kitSkuId === listing.skuId)
      .map((k) => ({
        sku: data.skuById.get(k.componentSkuId)?.code,
        quantityPerKit: k.quantity,
        locations: facts(k.componentSkuId).locations,
      })),
  }
}

/** Recomputes the given SKUs inside the caller's transaction. */
export async function recomputeSkus(
  tx: RawSql,
  skus: Array<{ skuId: string; since: Date }>,
  decidedAt: Date,
): Promise<Omit<RecomputeResult, 'processed' | 'more'>> {
  const ruleSet = await getCurrentRuleSet(tx, decidedAt)
  const sinceBySku = new Map(skus.map((s) => [s.skuId, s.since]))
  const decided = await decideSkus(
    tx,
    skus.map((s) => s.skuId),
    ruleSet,
    decidedAt,
  )
  const { skuById } = decided
  const writes = decisionWrites(decided, ruleSet.id)
  if (writes.length === 0) return { changedListings: 0, changes: [], decided: [] }
  const decisionByListing = await insertDecisions(tx, writes, decided.decisionInputs, ruleSet.id, decidedAt)
  await updateDecidedListings(tx, writes, decisionByListing, sinceBySku, decidedAt)
  // Sorted: concurrent recomputes take the per-channel publish job keys in one order (no deadlock).
  const changedChannels = [...new Set(writes.filter((w) => w.changed).map((w) => w.listing.channelId))].sort()
  // Job rows in one order too (two lanes enqueue for the same channels).
  for (const channelId of [...changedChannels].sort()) await enqueuePublish(tx, channelId)
  const changes = writes
    .filter((w) => w.changed)
    .map((w) => ({
      sku: skuById.get(w.listing.skuId)!.code,
      channel: w.listing.channel,
      quantity: w.decision.quantity,
    }))
  return {
    changedListings: changes.length,
    changes,
    decided: writes.map((w) => ({ sku: skuById.get(w.listing.skuId)!.code, channel: w.listing.channel })),
  }
}

type Decided = Awaited<ReturnType<typeof decideSkus>>
type DecisionWrite = {
  listing: ListingRow
  decision: ChannelDecision
  changed: boolean
  steps: string
  eventIds: string[]
}

/** The listings whose decision is new: a changed quantity, or the same one for other reasons (rules, steps). */
function decisionWrites(decided: Decided, ruleSetId: string): DecisionWrite[] {
  const { listings, decisionsBySku, inputEvents } = decided
  const writes: DecisionWrite[] = []
  for (const listing of listings) {
    const decision = decisionsBySku.get(listing.skuId)?.find((d) => d.channel === listing.channel)
    if (!decision) continue
    const changed = listing.desiredQuantity !== decision.quantity
    const steps = JSON.stringify(decision.steps)
    const sameReasons = !changed && (listing.ruleVersionIds ?? []).includes(ruleSetId) && listing.steps === steps
    if (!changed && sameReasons) continue
    writes.push({ listing, decision, changed, steps, eventIds: inputEvents(listing.skuId, listing.channel) })
  }
  return writes
}

/** One AvailabilityDecision row per write; the decision id per listing. */
async function insertDecisions(
  tx: RawSql,
  writes: DecisionWrite[],
  decisionInputs: Decided['decisionInputs'],
  ruleSetId: string,
  decidedAt: Date,
): Promise<Map<string, string>> {
  // Each statement gets its rows as one JSON document (json_to_recordset) rather than a dozen
  // parameter arrays: measured, the per-element array handling in the client cost more than the
  // database's own work. Inputs and steps go in as raw JSON text (json columns keep it as is).
  const inserted = await tx.$queryRawUnsafe<Array<{ id: string; listingId: string }>>(
    `INSERT INTO "AvailabilityDecision"("listingId", "skuId", "channelId", quantity, "listingVersion", "ruleVersionIds", "holdbackIds", inputs, steps, "eventIds", "decidedAt")
     SELECT x.l, x.s, x.c, x.q, x.v, ARRAY[$2::text], x.h, x.i, x.st, x.e, $3::timestamptz
       FROM json_to_recordset($1::json) AS x(l uuid, s uuid, c uuid, q int, v int, h text[], i json, st json, e bigint[])
     RETURNING id::text AS id, "listingId"::text AS "listingId"`,
    `[${writes
      .map(
        (w) =>
          `{"l":"${w.listing.id}","s":"${w.listing.skuId}","c":"${w.listing.channelId}","q":${w.decision.quantity},"v":${w.listing.desiredVersion + (w.changed ? 1 : 0)},` +
          `"h":${JSON.stringify(w.decision.holdbackIds)},"e":[${w.eventIds.join(',')}],"i":${JSON.stringify(decisionInputs(w.listing, w.decision))},"st":${w.steps}}`,
      )
      .join(',')}]`,
    ruleSetId,
    decidedAt.toISOString(),
  )
  return new Map(inserted.map((r) => [r.listingId, r.id]))
}

/** The listings point at their decision; a changed quantity is a new desired version to publish. */
async function updateDecidedListings(
  tx: RawSql,
  writes: DecisionWrite[],
  decisionByListing: Map<string, string>,
  sinceBySku: Map<string, Date>,
  decidedAt: Date,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" cl SET "decisionId" = u.d, "decidedAt" = $2::timestamptz,
            "desiredQuantity" = CASE WHEN u.ch THEN u.q ELSE cl."desiredQuantity" END,
            "desiredVersion" = CASE WHEN u.ch THEN cl."desiredVersion" + 1 ELSE cl."desiredVersion" END,
            "pendingSince" = CASE WHEN u.ch THEN COALESCE(cl."pendingSince", u.since) ELSE cl."pendingSince" END,
            -- A newer quantity deserves a fresh try, even after a permanent rejection of an older one.
            "nextAttemptAt" = CASE WHEN u.ch THEN NULL ELSE cl."nextAttemptAt" END,
            "failedAttempts" = CASE WHEN u.ch THEN 0 ELSE cl."failedAttempts" END
       FROM json_to_recordset($1::json) AS u(id uuid, d bigint, q int, ch boolean, since timestamptz)
      WHERE cl.id = u.id`,
    JSON.stringify(
      writes.map((w) => ({
        id: w.listing.id,
        d: decisionByListing.get(w.listing.id)!,
        q: w.decision.quantity,
        ch: w.changed,
        since: (sinceBySku.get(w.listing.skuId) ?? decidedAt).toISOString(),
      })),
    ),
    decidedAt.toISOString(),
  )
}

/**
 * Demand inputs, loaded only when a rule uses them: average units per day per SKU x channel over
 * the rules' sales window (SalesDaily), and each channel's order lag (p95 of order placed to
 * received over the last hour), for days-of-cover safety stock and the in-flight buffer.
 */
async function loadDemand(
  tx: RawSql,
  rules: RuleSet,
  skuIds: string[],
  at: Date,
): Promise<{ salesBySku: Map<string, Record<string, number>>; orderLagSeconds: Record<string, number> }> {
  const usesDays =
    rules.defaults.safetyStock.days !== undefined || (rules.safetyStock ?? []).some((r) => r.days !== undefined)
  const usesBuffer = Object.values(rules.channels).some((c) => c.inFlightBuffer)
  const salesBySku = new Map<string, Record<string, number>>()
  const orderLagSeconds: Record<string, number> = {}
  if (!usesDays && !usesBuffer) return { salesBySku, orderLagSeconds }
  const windowDays = rules.defaults.salesWindowDays ?? 28
  const rows = await tx.$queryRawUnsafe<Array<{ skuId: string; channel: string; units: number }>>(
    `SELECT s."skuId"::text AS "skuId", c.code AS channel, sum(s.units)::int AS units
       FROM "SalesDaily" s JOIN "Channel" c ON c.id = s."channelId"
      WHERE s."skuId" = ANY($1::uuid[]) AND s.day > ($2::timestamptz)::date - $3::int AND s.day <= ($2::timestamptz)::date
      GROUP BY 1, 2`,
    skuIds,
    at.toISOString(),
    windowDays,
  )
  for (const r of rows)
    (salesBySku.get(r.skuId) ?? salesBySku.set(r.skuId, {}).get(r.skuId)!)[r.channel] = r.units / windowDays
  if (usesBuffer) {
    const lags = await tx.$queryRawUnsafe<Array<{ channel: string; lag: number }>>(
      `SELECT c.code AS channel, percentile_cont(0.95) WITHIN GROUP (ORDER BY GREATEST(0, extract(epoch FROM o."receivedAt" - o."occurredAt")))::float8 AS lag
         FROM "ChannelOrderEvent" o JOIN "Channel" c ON c.id = o."channelId"
        WHERE o."receivedAt" > $1::timestamptz - interval '1 hour' AND o."receivedAt" <= $1::timestamptz AND o.status = 'created'
        GROUP BY c.code`,
      at.toISOString(),
    )
    for (const l of lags) orderLagSeconds[l.channel] = Number(l.lag)
  }
  return { salesBySku, orderLagSeconds }
}

interface HoldbackRow {
  id: string
  channel: string | null
  skuCode: string | null
  category: string | null
  mode: HoldbackInput['mode']
  value: number
  reason: string
}

async function loadActiveHoldbacks(tx: RawSql, at: Date): Promise<HoldbackRow[]> {
  return tx.$queryRawUnsafe<HoldbackRow[]>(
    `SELECT id::text AS id, channel, "skuCode", category, mode, value, reason FROM "Holdback"
      WHERE "removedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > $1::timestamptz)`,
    at.toISOString(),
  )
}

function holdbacksFor(all: HoldbackRow[], sku: SkuRow, channels: string[]): Record<string, HoldbackInput[]> {
  const out: Record<string, HoldbackInput[]> = {}
  for (const h of all) {
    if (h.skuCode && h.skuCode !== sku.code) continue
    if (h.category && h.category !== sku.category) continue
    if (!h.skuCode && !h.category) continue
    for (const c of h.channel ? [h.channel] : channels)
      (out[c] ??= []).push({ id: h.id, mode: h.mode, value: h.value, reason: h.reason })
  }
  return out
}
