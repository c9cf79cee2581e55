// Publishes a channel's changed listings. Outbox discipline: claim (short transaction: lease +
// rate budget), call the marketplace with no transaction open, then record the result (another
// short transaction). Coalescing is inherent: a claim reads the newest desired version, and the
// lease means at most one update per listing is in flight. Results are recorded only if they are
// newer than what is already recorded, so an older quantity never overwrites a newer one.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import {
  MAX_INLINE_PACE_MS,
  type BulkFeedHandle,
  type BulkSubmitResult,
  type Connector,
  type ListingUpdate,
  type UpdateOutcome,
} from '../channels/connector'
import { backoffDelayMs, attemptsExhausted, DEFAULT_BACKOFF } from './backoff'
import { breakerGate, breakerRecord, DEFAULT_BREAKER } from './circuit-breaker'
import {
  loadChannel,
  lockListings,
  returnRateBudget,
  spendRateBudget,
  type ChannelRow,
} from '../channels/channel.repository'
import { bulkFeedSize, bulkThreshold, FEEDS_PER_BACKLOG, verifyDelayMs } from '../channels/channel-settings'
import { enqueuePollFeed, enqueuePublish, enqueueVerify, FIRST_POLL_MS } from '../queue/enqueue'
import { isLagSample, recordLag } from '../metrics/lag'
import { bumpCounters } from '../metrics/counters'
import { emitListingsChanged, ROOMS } from '../realtime/publisher'
import { emitPublishDeadLettersChanged, recordPublishDeadLetter } from './publish-dead-letters.repository'
import { loadStrategicClass, publishClaimOrder, UNSENT_SQL } from './lock-listings'
import { reconcileChannel } from '../reconciliation/channel-drift'

export const LEASE_MS = 120_000
/** A submitted feed is polled for this long at most, then counted as failed (poll-feed). */
export const FEED_GIVE_UP_AFTER_MS = 6 * 3_600_000
/** Listings in an unprocessed feed stay held this long at most (past the give-up, as a backstop). */
const FEED_HOLD_MS = FEED_GIVE_UP_AFTER_MS + 10 * 60_000

/** Failure codes that mean "the channel's current quantity is not what you said" (compare-and-set). */
export const COMPARE_AND_SET_CONFLICTS = new Set(['CHANGE_FROM_QUANTITY_STALE', 'COMPARE_QUANTITY_STALE'])

interface ClaimedListing {
  id: string
  sku: string
  externalSku: string
  externalId: string | null
  desiredQuantity: number
  desiredVersion: number
  appliedQuantity: number | null
  publishedQuantity: number | null
  pendingSince: Date | null
  failedAttempts: number
}

export interface PublishDeps {
  connectorFor(channel: ChannelRow): Connector
  now?: () => Date
  random?: () => number
}

export interface PublishRunResult {
  claimed: number
  applied: number
  accepted: number
  failed: number
  rejected: number
  skipped?: string
  nextRunAt?: Date
}

/** A run that claimed nothing (skipped, or every due listing leased by another run). */
const NOTHING_PUBLISHED = { claimed: 0, applied: 0, accepted: 0, failed: 0, rejected: 0 } as const

/** Why a run claimed nothing, and when to come back (if ever). */
type SkippedClaim = {
  skipped: 'unknown channel' | 'shadow mode' | 'paused' | 'breaker open' | 'rate budget' | 'marketplace limit'
  retryAt?: Date
  channel?: ChannelRow
}

interface Claim {
  channel: ChannelRow
  connector: Connector
  listings: ClaimedListing[]
  probe: boolean
  bulk: boolean
  granted: number
  moreLikely: boolean
  claimableAt: Date | null
}

/** One listing's answer from the marketplace, with the call it came from. */
interface SendResult {
  listing: ClaimedListing
  outcome: UpdateOutcome
  batchId: string
  httpStatus?: number
  latencyMs: number
  request?: unknown
  response?: unknown
  startedAt: Date
  finishedAt: Date
}

/** What the calls to the marketplace produced: per-listing results, what was never sent, the feed. */
interface Sent {
  results: SendResult[]
  unsent: ClaimedListing[]
  feed: BulkFeedHandle | null
  callsMade: number
  throttledForMs: number
  /** The marketplace's own limit would have made the next batch wait this long: the rest was left for a fresh claim then. */
  pacedForMs?: number
}

type Clock = () => Date

/**
 * The publish use case, as its steps: claim (one short transaction), call the marketplace (no
 * transaction open), record the results (another short transaction), then read back any listing
 * whose compare-and-set the channel refused.
 */
export async function publishChannel(
  db: PrismaClient,
  channelId: string,
  deps: PublishDeps,
): Promise<PublishRunResult> {
  const now = deps.now ?? (() => new Date())
  const random = deps.random ?? Math.random

  const claim = await transaction(db, (tx) => claimListings(tx, channelId, deps, now()))
  if ('skipped' in claim) {
    if (claim.retryAt) await enqueuePublish(db, channelId, claim.retryAt)
    return { ...NOTHING_PUBLISHED, skipped: claim.skipped, nextRunAt: claim.retryAt }
  }
  const { channel, listings } = claim
  if (listings.length === 0) {
    if (claim.claimableAt) await enqueuePublish(db, channelId, claim.claimableAt)
    return { ...NOTHING_PUBLISHED, ...(claim.claimableAt ? { nextRunAt: claim.claimableAt } : {}) }
  }

  const sent = claim.bulk && claim.connector.bulk ? await submitBulkFeed(claim, now) : await pushInBatches(claim, now)

  const t = now()
  const summary = await transaction(db, (tx) => recordResults(tx, channelId, claim, sent, t, random))
  emitListingsChanged(
    listings.map((l) => l.sku),
    [channel.code],
    [ROOMS.channel(channel.code)],
  )
  if (summary.rejected > 0 || summary.failed > 0) emitPublishDeadLettersChanged()

  await readBackConflicts(db, channelId, channel, sent.results, deps, now)
  return { claimed: listings.length, ...summary }
}

/** Step 1, claim: breaker gate, rate budget and listing leases, in one short transaction. */
async function claimListings(tx: Db, channelId: string, deps: PublishDeps, t: Date): Promise<Claim | SkippedClaim> {
  const channel = await loadChannel(tx, channelId, { forUpdate: true })
  if (!channel) return { skipped: 'unknown channel' }
  // A shadow channel computes and reads back but never writes; a paused one keeps its desired
  // quantities updating and publishes the newest on resume.
  if (channel.mode !== 'live') return { skipped: 'shadow mode' }
  if (channel.status !== 'active') return { skipped: 'paused' }
  const gate = breakerGate(
    { state: channel.breakerState, failures: channel.breakerFailures, openedAt: channel.breakerOpenedAt },
    t,
    DEFAULT_BREAKER,
  )
  if (!gate.allowed) return { skipped: 'breaker open', retryAt: gate.retryAt, channel }
  const connector = deps.connectorFor(channel)
  // The marketplace's own limit (Shopify's cost bucket) before ours: come back when a batch may go,
  // rather than hold a worker slot while the connector waits for it.
  const readyIn = gate.probe ? 0 : (connector.readyInMs?.() ?? 0)
  if (readyIn > MAX_INLINE_PACE_MS)
    return { skipped: 'marketplace limit', retryAt: new Date(t.getTime() + readyIn), channel }
  const backlog =
    connector.bulk && !gate.probe ? await bulkBacklog(tx, channel, connector.bulk.maxUpdatesPerFeed, t) : 0
  const bulk = backlog >= bulkThreshold(channel)
  const wantedCalls = gate.probe || bulk ? 1 : Math.max(1, Math.ceil(channel.rateBurst))
  const { granted, waitMs } = await spendRateBudget(tx, channel, t, () => wantedCalls)
  if (gate.next.state !== channel.breakerState) {
    await tx.$executeRawUnsafe(
      `UPDATE "Channel" SET "breakerState" = $2::"BreakerState" WHERE id = $1::uuid`,
      channelId,
      gate.next.state,
    )
  }
  if (granted === 0) return { skipped: 'rate budget', retryAt: new Date(t.getTime() + waitMs), channel }
  const limit = gate.probe
    ? 1
    : bulk
      ? bulkFeedSize(channel, backlog, connector.bulk!.maxUpdatesPerFeed)
      : granted * connector.maxBatchSize
  const listings = await leaseListings(tx, channelId, limit, t)
  const claimableAt = listings.length === 0 ? await nextClaimableAt(tx, channelId, t) : null
  return {
    channel,
    connector,
    listings,
    probe: gate.probe,
    bulk,
    granted,
    moreLikely: listings.length === limit,
    claimableAt,
  }
}

/**
 * A backlog (first sync, a long outage) drains through the marketplace's bulk path: one feed
 * carries it instead of a call per listing. Small changes keep the faster per-listing path. Counts
 * the due listings, up to as many as the largest feeds would carry in FEEDS_PER_BACKLOG feeds (the
 * feed size follows it: channel-settings.ts, bulkFeedSize).
 */
async function bulkBacklog(tx: Db, channel: ChannelRow, marketplaceMax: number, t: Date): Promise<number> {
  const [row] = await tx.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM "ChannelListing"
        WHERE "channelId" = $1::uuid AND ${UNSENT_SQL}
          AND ("leaseUntil" IS NULL OR "leaseUntil" < $2::timestamptz) AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $2::timestamptz)
        LIMIT $3) x`,
    channel.id,
    t.toISOString(),
    Math.max(bulkThreshold(channel), marketplaceMax * FEEDS_PER_BACKLOG),
  )
  return Number(row?.n ?? 0)
}

/** Leases up to `limit` due listings. Zero-outs first, then decrements, then strategic SKUs' increases, then the rest (priority lanes). */
async function leaseListings(tx: Db, channelId: string, limit: number, t: Date): Promise<ClaimedListing[]> {
  const claimOrder = publishClaimOrder(await loadStrategicClass(tx, t))
  return tx.$queryRawUnsafe<ClaimedListing[]>(
    `UPDATE "ChannelListing" cl SET "inFlightVersion" = cl."desiredVersion", "leaseUntil" = $3::timestamptz
       FROM (SELECT id FROM "ChannelListing"
              WHERE "channelId" = $1::uuid AND ${UNSENT_SQL}
                AND ("leaseUntil" IS NULL OR "leaseUntil" < $4::timestamptz) AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $4::timestamptz)
              ORDER BY ${claimOrder}
              LIMIT $2 FOR UPDATE SKIP LOCKED) pick
      WHERE cl.id = pick.id
      RETURNING cl.id::text AS id, (SELECT code FROM "Sku" s WHERE s.id = cl."skuId") AS sku, cl."externalSku", cl."externalId",
                cl."desiredQuantity", cl."desiredVersion", cl."appliedQuantity", cl."publishedQuantity", cl."pendingSince", cl."failedAttempts"`,
    channelId,
    limit,
    new Date(t.getTime() + LEASE_MS).toISOString(),
    t.toISOString(),
  )
}

/**
 * Nothing claimable now: come back when something is. A listing still leased by a run that never
 * finished (its worker was killed) when its lease ends, or nobody would publish it until the next
 * decision for this channel (found by the fault suite, issue 17); a listing waiting (a retry's
 * backoff, orders in flight) when its wait ends: a run that came early for another reason finds
 * nothing and would otherwise leave it waiting for good (found by the e2e: a refused
 * compare-and-set waiting 5 s for orders in flight, the run its own retry had scheduled 2 s out
 * came first, and the update was never sent again).
 */
async function nextClaimableAt(tx: Db, channelId: string, t: Date): Promise<Date | null> {
  const [next] = await tx.$queryRawUnsafe<Array<{ at: Date | null }>>(
    `SELECT LEAST(
              (SELECT min("leaseUntil") + interval '1 second' FROM "ChannelListing"
                WHERE "channelId" = $1::uuid AND ${UNSENT_SQL} AND "leaseUntil" >= $2::timestamptz),
              (SELECT min("nextAttemptAt") FROM "ChannelListing"
                WHERE "channelId" = $1::uuid AND ${UNSENT_SQL}
                  AND "nextAttemptAt" > $2::timestamptz AND "nextAttemptAt" < 'infinity')) AS at`,
    channelId,
    t.toISOString(),
  )
  return next?.at ? new Date(next.at) : null
}

function toUpdate(l: ClaimedListing): ListingUpdate {
  return {
    listingId: l.id,
    externalSku: l.externalSku,
    externalId: l.externalId,
    quantity: l.desiredQuantity,
    expectedCurrent: l.appliedQuantity,
    version: l.desiredVersion,
  }
}

/** A connector bug or unexpected error is transient for the listing, never a crash. */
function connectorFailure(
  updates: ListingUpdate[],
  latencyMs: number,
  e: unknown,
): { latencyMs: number; outcomes: UpdateOutcome[] } {
  return {
    latencyMs,
    outcomes: updates.map((u) => ({
      listingId: u.listingId,
      outcome: 'failed' as const,
      code: 'CONNECTOR_ERROR',
      message: (e as Error).message,
    })),
  }
}

function outcomeFor(outcomes: UpdateOutcome[], listingId: string): UpdateOutcome {
  return (
    outcomes.find((o) => o.listingId === listingId) ?? {
      listingId,
      outcome: 'failed' as const,
      code: 'NO_OUTCOME',
      message: 'The connector returned no outcome for this listing.',
    }
  )
}

/**
 * Step 2 (bulk): one feed for the whole claim. Submitted = accepted for every listing (Amazon
 * applies feeds asynchronously, like a single patch); the processing report is read by the
 * poll-feed job.
 */
async function submitBulkFeed(claim: Claim, now: Clock): Promise<Sent> {
  const { channel, connector, listings } = claim
  const results: SendResult[] = []
  const updates = listings.map(toUpdate)
  const startedAt = now()
  let sub: BulkSubmitResult
  try {
    sub = await connector.bulk!.submitFeed(updates)
  } catch (e) {
    sub = { status: 'not_submitted', result: connectorFailure(updates, now().getTime() - startedAt.getTime(), e) }
  }
  const finishedAt = now()
  if (sub.status === 'submitted') {
    const handle = sub.handle
    const batchId = `${channel.code}-feed-${handle.feedId}`
    const byListing = new Map(handle.messages.map((m) => [m.listingId, m.messageId]))
    for (const l of listings) {
      results.push({
        listing: l,
        outcome: { listingId: l.id, outcome: 'accepted', submissionId: `${handle.feedId}:${byListing.get(l.id)}` },
        batchId,
        httpStatus: sub.httpStatus,
        latencyMs: sub.latencyMs,
        request: sub.request,
        response: sub.response,
        startedAt,
        finishedAt,
      })
    }
    return { results, unsent: [], feed: handle, callsMade: 1, throttledForMs: 0 }
  }
  const r = sub.result
  const batchId = `${channel.code}-feed-${startedAt.getTime()}`
  for (const l of listings) {
    results.push({
      listing: l,
      outcome: outcomeFor(r.outcomes, l.id),
      batchId,
      httpStatus: r.httpStatus,
      latencyMs: r.latencyMs,
      request: r.request,
      response: r.response,
      startedAt,
      finishedAt,
    })
  }
  return { results, unsent: [], feed: null, callsMade: 1, throttledForMs: r.throttledForMs ?? 0 }
}

/**
 * Step 2 (per listing): batches of maxBatchSize, up to maxConcurrency in flight. A throttle stops
 * further sends; so does a marketplace limit that would make the next batch wait (Shopify's cost
 * bucket): unsent listings are released, and the next run claims afresh in priority order, so a
 * zero-out decided meanwhile goes before the rest of a large claim.
 */
async function pushInBatches(claim: Claim, now: Clock): Promise<Sent> {
  const { channel, connector, listings } = claim
  const sent: Sent = { results: [], unsent: [], feed: null, callsMade: 0, throttledForMs: 0 }
  const batches: ClaimedListing[][] = []
  for (let i = 0; i < listings.length; i += connector.maxBatchSize)
    batches.push(listings.slice(i, i + connector.maxBatchSize))
  let nextBatch = 0
  const sendNext = async (): Promise<void> => {
    while (nextBatch < batches.length) {
      const index = nextBatch++
      const batch = batches[index]
      if (sent.throttledForMs > 0 || sent.pacedForMs) {
        sent.unsent.push(...batch)
        continue
      }
      const readyIn = index > 0 ? (connector.readyInMs?.() ?? 0) : 0
      if (readyIn > MAX_INLINE_PACE_MS) {
        sent.pacedForMs = readyIn
        sent.unsent.push(...batch)
        continue
      }
      const updates = batch.map(toUpdate)
      const startedAt = now()
      const batchId = `${channel.code}-${startedAt.getTime()}-${index}`
      let push: Awaited<ReturnType<Connector['pushQuantities']>>
      try {
        sent.callsMade++
        push = await connector.pushQuantities(updates)
      } catch (e) {
        push = connectorFailure(updates, now().getTime() - startedAt.getTime(), e)
      }
      const finishedAt = now()
      sent.throttledForMs = Math.max(sent.throttledForMs, push.throttledForMs ?? 0)
      for (const l of batch) {
        sent.results.push({
          listing: l,
          outcome: outcomeFor(push.outcomes, l.id),
          batchId,
          httpStatus: push.httpStatus,
          latencyMs: push.latencyMs,
          request: push.request,
          response: push.response,
          startedAt,
          finishedAt,
        })
      }
    }
  }
  const lanes = Math.max(1, Math.min(connector.maxConcurrency ?? 1, batches.length))
  await Promise.all(Array.from({ length: lanes }, () => sendNext()))
  return sent
}

type SuccessRow = { id: string; q: number; v: number; at: string; ap: boolean; aq: number | null; fh: string | null }

interface Tally {
  applied: number
  accepted: number
  failed: number
  rejected: number
  anySuccess: boolean
  counters: Map<string, number>
  lagSamples: number[]
  attemptRows: unknown[]
  successRows: SuccessRow[]
}

/** Step 3, record: attempts, listing state, dead letters, breaker, budget, metrics and the next run, in one short transaction. */
async function recordResults(
  tx: Db,
  channelId: string,
  claim: Claim,
  sent: Sent,
  t: Date,
  random: () => number,
): Promise<Omit<PublishRunResult, 'claimed'>> {
  const { channel } = claim
  await lockListings(tx, [...sent.results.map((r) => r.listing.id), ...sent.unsent.map((l) => l.id)])
  // Never sent (the channel throttled first): release the lease, no attempt is recorded.
  if (sent.unsent.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL WHERE id = ANY($1::uuid[]) AND "inFlightVersion" IS NOT NULL`,
      sent.unsent.map((l) => l.id),
    )
  }
  // Attempts and successful listings are written set-based (a feed's results are thousands of
  // rows); the rarer refusals and failures one by one.
  const tally: Tally = {
    applied: 0,
    accepted: 0,
    failed: 0,
    rejected: 0,
    anySuccess: false,
    counters: new Map(),
    lagSamples: [],
    attemptRows: [],
    successRows: [],
  }
  // A listing in a feed the marketplace has not processed yet stays held (leased) until poll-feed
  // reads the feed's report: a newer quantity sent meanwhile by the per-listing path could apply
  // first and then be overwritten by the feed's older one (found by the scale-out test).
  const feedHold = sent.feed ? new Date(t.getTime() + FEED_HOLD_MS).toISOString() : null
  for (const r of sent.results) await recordOutcome(tx, claim, r, tally, feedHold, t, random)
  await writeAttempts(tx, channelId, tally.attemptRows)
  await writeSuccesses(tx, tally.successRows)
  const breaker = breakerRecord(
    {
      state: claim.probe ? 'half_open' : channel.breakerState,
      failures: channel.breakerFailures,
      openedAt: channel.breakerOpenedAt,
    },
    tally.anySuccess,
    t,
    DEFAULT_BREAKER,
  )
  await tx.$executeRawUnsafe(
    `UPDATE "Channel" SET "breakerState" = $2::"BreakerState", "breakerFailures" = $3, "breakerOpenedAt" = $4::timestamptz WHERE id = $1::uuid`,
    channelId,
    breaker.state,
    breaker.failures,
    breaker.openedAt ? breaker.openedAt.toISOString() : null,
  )
  // Calls taken from the budget but not made (fewer listings than it allowed) go back to it, so
  // reads (verification, reconciliation) are not starved by a publish that needed one call.
  // Not after a throttle: then the channel asked us to slow down.
  const unused = claim.granted - sent.callsMade
  if (unused > 0 && sent.throttledForMs === 0) await returnRateBudget(tx, channelId, unused)
  await bumpCounters(tx, 'stocktower_publish_attempts_total', tally.counters, t)
  await recordLag(tx, channelId, tally.lagSamples, t)
  const nextRunAt = await scheduleFollowUps(tx, channelId, claim, sent, breaker.state, tally.accepted, t)
  return { applied: tally.applied, accepted: tally.accepted, failed: tally.failed, rejected: tally.rejected, nextRunAt }
}

/** One listing's result: an attempt row, and its success row, refusal or scheduled retry. */
async function recordOutcome(
  tx: Db,
  claim: Claim,
  r: SendResult,
  tally: Tally,
  feedHold: string | null,
  t: Date,
  random: () => number,
): Promise<void> {
  const { listing: l, outcome: o } = r
  const attemptNo = l.failedAttempts + 1
  const counterKey = `channel=${claim.channel.code},outcome=${o.outcome}`
  tally.counters.set(counterKey, (tally.counters.get(counterKey) ?? 0) + 1)
  const lagMs =
    o.outcome === 'applied' && l.pendingSince
      ? Math.max(0, Math.round(r.finishedAt.getTime() - new Date(l.pendingSince).getTime()))
      : null
  tally.attemptRows.push(attemptRow(r, attemptNo, lagMs))
  if (o.outcome === 'applied' || o.outcome === 'accepted') tallySuccess(r, tally, lagMs, feedHold)
  else if (o.outcome === 'rejected') {
    tally.rejected++
    tally.anySuccess = true // the channel answered: not a channel health problem
    await recordRejection(tx, claim, l, o, attemptNo, t)
  } else {
    tally.failed++
    await scheduleRetry(tx, claim, l, o, attemptNo, t, random)
  }
}

type Refusal = Extract<UpdateOutcome, { outcome: 'rejected' }>
type Failure = Extract<UpdateOutcome, { outcome: 'failed' }>

/** The PublishAttempt row of one result (written set-based by writeAttempts). */
function attemptRow(r: SendResult, attemptNo: number, lagMs: number | null) {
  const { listing: l, outcome: o } = r
  return {
    l: l.id,
    v: l.desiredVersion,
    q: l.desiredQuantity,
    n: attemptNo,
    b: r.batchId,
    o: o.outcome,
    hs: r.httpStatus ?? null,
    ms: Math.round(r.latencyMs),
    rq: r.request ?? null,
    rs: r.response ?? null,
    e: o.outcome === 'failed' || o.outcome === 'rejected' ? `${o.code}: ${o.message}` : null,
    lag: lagMs,
    st: r.startedAt.toISOString(),
    fi: r.finishedAt.toISOString(),
    ve: o.outcome === 'applied' ? r.finishedAt.toISOString() : null,
  }
}

/** An applied or accepted result: counted, and its success row (written set-based by writeSuccesses). */
function tallySuccess(r: SendResult, tally: Tally, lagMs: number | null, feedHold: string | null): void {
  const { listing: l, outcome: o } = r
  tally.anySuccess = true
  const isApplied = o.outcome === 'applied'
  if (isApplied) {
    tally.applied++
    if (lagMs !== null && isLagSample(l.appliedQuantity)) tally.lagSamples.push(lagMs)
  } else tally.accepted++
  tally.successRows.push({
    id: l.id,
    q: l.desiredQuantity,
    v: l.desiredVersion,
    at: r.finishedAt.toISOString(),
    ap: isApplied,
    aq: isApplied ? (o as { appliedQuantity: number }).appliedQuantity : null,
    fh: isApplied ? null : feedHold,
  })
}

/** A refused listing is not sent again until its quantity changes, and leaves a dead letter. */
async function recordRejection(
  tx: Db,
  claim: Claim,
  l: ClaimedListing,
  o: Refusal,
  attemptNo: number,
  t: Date,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL, "nextAttemptAt" = 'infinity', "lastError" = $2 WHERE id = $1::uuid`,
    l.id,
    `${o.code}: ${o.message}`,
  )
  await recordPublishDeadLetter(tx, {
    channel: claim.channel.code,
    listing: l,
    code: o.code,
    reason: o.message,
    attempts: attemptNo,
    at: t,
  })
}

/** A failed send: retried after a backoff, or dead-lettered once its retries are used up. */
async function scheduleRetry(
  tx: Db,
  claim: Claim,
  l: ClaimedListing,
  o: Failure,
  attemptNo: number,
  t: Date,
  random: () => number,
): Promise<void> {
  // A failed breaker probe says the channel is still down, not that this listing is bad: it
  // does not use up the listing's retries (else a long outage would dead-letter every listing
  // one probe at a time, and their newest quantities would not go out on recovery).
  // Nor does an update aborted with another one's refusal (Shopify's all-or-nothing mutation): the
  // 30-minute demo dead-lettered three Shopify listings after eight BATCH_ABORTED in a row, each
  // time batched beside a different compare-and-set that sales in flight had made stale.
  const spared = claim.probe || o.collateral === true
  const counted = spared ? l.failedAttempts : attemptNo
  const exhausted = !spared && attemptsExhausted(attemptNo, DEFAULT_BACKOFF)
  const delay = claim.probe
    ? DEFAULT_BREAKER.cooldownMs
    : o.collateral
      ? 0
      : backoffDelayMs(attemptNo, DEFAULT_BACKOFF, o.retryAfterMs, random())
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL, "failedAttempts" = $2,
            "nextAttemptAt" = CASE WHEN $3 THEN 'infinity'::timestamptz ELSE $4::timestamptz END, "lastError" = $5 WHERE id = $1::uuid`,
    l.id,
    counted,
    exhausted,
    new Date(t.getTime() + delay).toISOString(),
    `${o.code}: ${o.message}`,
  )
  if (exhausted)
    await recordPublishDeadLetter(tx, {
      channel: claim.channel.code,
      listing: l,
      code: 'RETRIES_EXHAUSTED',
      reason: `Gave up after ${attemptNo} attempts; last error ${o.code}: ${o.message}`,
      attempts: attemptNo,
      at: t,
    })
}

async function writeAttempts(tx: Db, channelId: string, attemptRows: unknown[]): Promise<void> {
  if (attemptRows.length === 0) return
  await tx.$executeRawUnsafe(
    `INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, "attemptNo", "batchId", outcome, "httpStatus", "latencyMs", request, response, error, "lagMs", "startedAt", "finishedAt", "verifiedAt")
     SELECT a.l, $2::uuid, a.v, a.q, a.n, a.b, a.o, a.hs, a.ms, a.rq, a.rs, a.e, a.lag, a.st, a.fi, a.ve
       FROM json_to_recordset($1::json) AS a(l uuid, v int, q int, n int, b text, o text, hs int, ms int, rq jsonb, rs jsonb, e text, lag int, st timestamptz, fi timestamptz, ve timestamptz)`,
    JSON.stringify(attemptRows),
    channelId,
  )
}

/** Guarded by version: a late result for an older version never overwrites a newer one. */
async function writeSuccesses(tx: Db, successRows: SuccessRow[]): Promise<void> {
  if (successRows.length === 0) return
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" cl SET
        "publishedQuantity" = u.q, "publishedVersion" = u.v, "publishedAt" = u.at, "publishedInputAt" = cl."pendingSince",
        "acceptedVersion" = u.v, "acceptedAt" = u.at,
        "appliedQuantity" = CASE WHEN u.ap THEN u.aq ELSE cl."appliedQuantity" END,
        "appliedVersion" = CASE WHEN u.ap THEN u.v ELSE cl."appliedVersion" END,
        "appliedAt" = CASE WHEN u.ap THEN u.at ELSE cl."appliedAt" END,
        "pendingSince" = CASE WHEN cl."desiredVersion" > u.v THEN cl."decidedAt" ELSE NULL END,
        "inFlightVersion" = NULL, "leaseUntil" = u.fh, "failedAttempts" = 0, "nextAttemptAt" = NULL, "lastError" = NULL
       FROM json_to_recordset($1::json) AS u(id uuid, q int, v int, at timestamptz, ap boolean, aq int, fh timestamptz)
      WHERE cl.id = u.id AND cl."publishedVersion" < u.v`,
    JSON.stringify(successRows),
  )
}

/** Keep draining (more pending work, a throttle, or retries scheduled for later), verify what was accepted, poll a submitted feed. */
async function scheduleFollowUps(
  tx: Db,
  channelId: string,
  claim: Claim,
  sent: Sent,
  breakerState: string,
  accepted: number,
  t: Date,
): Promise<Date | undefined> {
  let nextRunAt: Date | undefined
  if (breakerState === 'open') nextRunAt = new Date(t.getTime() + DEFAULT_BREAKER.cooldownMs)
  else if (sent.throttledForMs > 0) nextRunAt = new Date(t.getTime() + sent.throttledForMs)
  else if (sent.pacedForMs) nextRunAt = new Date(t.getTime() + sent.pacedForMs)
  else if (claim.moreLikely || sent.unsent.length > 0) nextRunAt = t
  else {
    const [next] = await tx.$queryRawUnsafe<Array<{ at: Date | null }>>(
      `SELECT min(GREATEST(COALESCE("nextAttemptAt", $2::timestamptz), $2::timestamptz)) AS at FROM "ChannelListing"
        WHERE "channelId" = $1::uuid AND ${UNSENT_SQL}
          AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" < 'infinity')`,
      channelId,
      t.toISOString(),
    )
    if (next?.at) nextRunAt = new Date(next.at)
  }
  if (nextRunAt) await enqueuePublish(tx, channelId, nextRunAt)
  if (accepted > 0) await enqueueVerify(tx, channelId, new Date(t.getTime() + verifyDelayMs(claim.channel)))
  if (sent.feed)
    await enqueuePollFeed(
      tx,
      channelId,
      sent.feed as unknown as { feedId: string } & Record<string, unknown>,
      Object.fromEntries(claim.listings.map((l) => [l.id, l.desiredVersion])),
      new Date(t.getTime() + FIRST_POLL_MS),
    )
  return nextRunAt
}

/**
 * Step 4: a refused compare-and-set means the channel holds a number we did not expect (a
 * merchant edit, another writer). Retrying with the same expectation can only be refused again:
 * read those listings back now and let the drift policy decide: republish over it (the read value
 * becomes the expected one) or hold the listing for a person.
 */
async function readBackConflicts(
  db: PrismaClient,
  channelId: string,
  channel: ChannelRow,
  results: SendResult[],
  deps: PublishDeps,
  now: Clock,
): Promise<void> {
  const conflicts = results
    .filter((r) => r.outcome.outcome === 'failed' && COMPARE_AND_SET_CONFLICTS.has(r.outcome.code))
    .map((r) => r.listing.id)
  if (conflicts.length === 0) return
  await reconcileChannel(db, channelId, {
    connectorFor: deps.connectorFor,
    now,
    listingIds: conflicts,
    holdFlagged: true,
  }).catch((e: Error) =>
    console.warn(
      `[publish] ${channel.code}: reading back ${conflicts.length} compare-and-set conflict(s) failed: ${e.message}`,
    ),
  )
}
