// Publishes a channel's changed listings. Outbox discipline: claim (short transaction: lease +
// rate budget), call the marketplace with no transaction open, then record the result (another
// short transaction). Coalescing is inherent: a claim reads the newest desired version, and the
// lease means at most one update per listing is in flight. Results are recorded only if they are
// newer than what is already recorded, so an older quantity never overwrites a newer one.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import type { BulkFeedHandle, BulkSubmitResult, Connector, ListingUpdate, UpdateOutcome } from '../channels/connector'
import { backoffDelayMs, attemptsExhausted, DEFAULT_BACKOFF } from './backoff'
import { breakerGate, breakerRecord, DEFAULT_BREAKER } from './circuit-breaker'
import { loadChannel, lockListings, returnRateBudget, spendRateBudget, type ChannelRow } from '../channels/channel.repository'
import { bulkMaxPerFeed, bulkThreshold, verifyDelayMs } from '../channels/channel-settings'
import { enqueuePollFeed, enqueuePublish, enqueueVerify, FIRST_POLL_MS } from '../queue/enqueue'
import { recordLag } from '../metrics/lag'
import { bumpCounters } from '../metrics/counters'
import { emitListingsChanged, emitRealtime, ROOMS } from '../realtime/publisher'
import { loadStrategicClass, publishClaimOrder } from './lock-listings'
import { reconcileChannel } from '../reconciliation/channel-drift'

export const LEASE_MS = 120_000
/** A submitted feed is polled for this long at most, then counted as failed (poll-feed). */
export const FEED_GIVE_UP_AFTER_MS = 6 * 3_600_000
/** Listings in an unprocessed feed stay held this long at most (past the give-up, as a backstop). */
const FEED_HOLD_MS = FEED_GIVE_UP_AFTER_MS + 10 * 60_000

/** Failure codes that mean "the channel's current quantity is not what you said" (compare-and-set). */
export const COMPARE_AND_SET_CONFLICTS = new Set(['CHANGE_FROM_QUANTITY_STALE', 'COMPARE_QUANTITY_STALE'])

interface ClaimedListing {
  id: string; sku: string; externalSku: string; externalId: string | null
  desiredQuantity: number; desiredVersion: number; appliedQuantity: number | null; publishedQuantity: number | null
  pendingSince: Date | null; failedAttempts: number
}

export interface PublishDeps {
  connectorFor(channel: ChannelRow): Connector
  now?: () => Date
  random?: () => number
}

export interface PublishRunResult { claimed: number; applied: number; accepted: number; failed: number; rejected: number; skipped?: string; nextRunAt?: Date }

export async function publishChannel(db: PrismaClient, channelId: string, deps: PublishDeps): Promise<PublishRunResult> {
  const now = deps.now ?? (() => new Date())
  const random = deps.random ?? Math.random

  // 1. Claim: breaker gate, rate budget and listing leases, in one short transaction.
  const claim = await transaction(db, async (tx) => {
    const channel = await loadChannel(tx, channelId, { forUpdate: true })
    if (!channel) return { skipped: 'unknown channel' as const }
    // A shadow channel computes and reads back but never writes; a paused one keeps its desired
    // quantities updating and publishes the newest on resume.
    if (channel.mode !== 'live') return { skipped: 'shadow mode' as const }
    if (channel.status !== 'active') return { skipped: 'paused' as const }
    const t = now()
    const gate = breakerGate({ state: channel.breakerState, failures: channel.breakerFailures, openedAt: channel.breakerOpenedAt }, t, DEFAULT_BREAKER)
    if (!gate.allowed) return { skipped: 'breaker open' as const, retryAt: gate.retryAt, channel }
    const connector = deps.connectorFor(channel)
    // A backlog (first sync, a long outage) drains through the marketplace's bulk path: one feed
    // carries it instead of a call per listing. Small changes keep the faster per-listing path.
    let bulk = false
    if (connector.bulk && !gate.probe) {
      const [row] = await tx.$queryRawUnsafe<Array<{ n: bigint }>>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM "ChannelListing"
            WHERE "channelId" = $1::uuid AND active AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion"
              AND ("leaseUntil" IS NULL OR "leaseUntil" < $2::timestamptz) AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $2::timestamptz)
            LIMIT $3) x`, channelId, t.toISOString(), bulkThreshold(channel))
      bulk = Number(row?.n ?? 0) >= bulkThreshold(channel)
    }
    const wantedCalls = gate.probe || bulk ? 1 : Math.max(1, Math.ceil(channel.rateBurst))
    const { granted, waitMs } = await spendRateBudget(tx, channel, t, () => wantedCalls)
    if (gate.next.state !== channel.breakerState) {
      await tx.$executeRawUnsafe(`UPDATE "Channel" SET "breakerState" = $2::"BreakerState" WHERE id = $1::uuid`, channelId, gate.next.state)
    }
    if (granted === 0) return { skipped: 'rate budget' as const, retryAt: new Date(t.getTime() + waitMs), channel }
    const limit = gate.probe ? 1 : bulk ? Math.min(connector.bulk!.maxUpdatesPerFeed, bulkMaxPerFeed(channel)) : granted * connector.maxBatchSize
    // Zero-outs first, then decrements, then strategic SKUs' increases, then the rest (priority lanes).
    const claimOrder = publishClaimOrder(await loadStrategicClass(tx, t))
    const listings = await tx.$queryRawUnsafe<ClaimedListing[]>(
      `UPDATE "ChannelListing" cl SET "inFlightVersion" = cl."desiredVersion", "leaseUntil" = $3::timestamptz
         FROM (SELECT id FROM "ChannelListing"
                WHERE "channelId" = $1::uuid AND active AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion"
                  AND ("leaseUntil" IS NULL OR "leaseUntil" < $4::timestamptz) AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $4::timestamptz)
                ORDER BY ${claimOrder}
                LIMIT $2 FOR UPDATE SKIP LOCKED) pick
        WHERE cl.id = pick.id
        RETURNING cl.id::text AS id, (SELECT code FROM "Sku" s WHERE s.id = cl."skuId") AS sku, cl."externalSku", cl."externalId",
                  cl."desiredQuantity", cl."desiredVersion", cl."appliedQuantity", cl."publishedQuantity", cl."pendingSince", cl."failedAttempts"`,
      channelId, limit, new Date(t.getTime() + LEASE_MS).toISOString(), t.toISOString())
    // Nothing claimable but listings still leased by a run that never finished (its worker was
    // killed): come back when the first lease ends, or nobody would publish them until the next
    // decision for this channel (found by the fault suite, issue 17).
    let leaseRetryAt: Date | null = null
    if (listings.length === 0) {
      const [lease] = await tx.$queryRawUnsafe<Array<{ at: Date | null }>>(
        `SELECT min("leaseUntil") AS at FROM "ChannelListing"
          WHERE "channelId" = $1::uuid AND active AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion" AND "leaseUntil" >= $2::timestamptz`,
        channelId, t.toISOString())
      leaseRetryAt = lease?.at ? new Date(new Date(lease.at).getTime() + 1_000) : null
    }
    return { channel, connector, listings, probe: gate.probe, bulk, granted, moreLikely: listings.length === limit, leaseRetryAt }
  })

  if ('skipped' in claim) {
    if (claim.retryAt) await enqueuePublish(db, channelId, claim.retryAt)
    return { claimed: 0, applied: 0, accepted: 0, failed: 0, rejected: 0, skipped: claim.skipped, nextRunAt: claim.retryAt }
  }
  const { channel, connector, listings } = claim
  if (listings.length === 0) {
    if (claim.leaseRetryAt) await enqueuePublish(db, channelId, claim.leaseRetryAt)
    return { claimed: 0, applied: 0, accepted: 0, failed: 0, rejected: 0, ...(claim.leaseRetryAt ? { nextRunAt: claim.leaseRetryAt } : {}) }
  }

  // 2. Call the marketplace with no transaction open: batches of maxBatchSize, up to maxConcurrency
  // in flight. A throttle stops further sends; unsent listings are released for the next run.
  const results: Array<{ listing: ClaimedListing; outcome: UpdateOutcome; batchId: string; httpStatus?: number; latencyMs: number; request?: unknown; response?: unknown; startedAt: Date; finishedAt: Date }> = []
  let throttledForMs = 0
  const batches: ClaimedListing[][] = []
  for (let i = 0; i < listings.length; i += connector.maxBatchSize) batches.push(listings.slice(i, i + connector.maxBatchSize))
  const unsent: ClaimedListing[] = []
  let feed: BulkFeedHandle | null = null
  let callsMade = 0
  if (claim.bulk && connector.bulk) {
    // One feed for the whole claim. Submitted = accepted for every listing (Amazon applies feeds
    // asynchronously, like a single patch); the processing report is read by the poll-feed job.
    const updates: ListingUpdate[] = listings.map((l) => ({ listingId: l.id, externalSku: l.externalSku, externalId: l.externalId, quantity: l.desiredQuantity, expectedCurrent: l.appliedQuantity, version: l.desiredVersion }))
    const startedAt = now()
    let sub: BulkSubmitResult
    try {
      callsMade++
      sub = await connector.bulk.submitFeed(updates)
    } catch (e) {
      sub = { status: 'not_submitted', result: { latencyMs: now().getTime() - startedAt.getTime(), outcomes: updates.map((u) => ({ listingId: u.listingId, outcome: 'failed' as const, code: 'CONNECTOR_ERROR', message: (e as Error).message })) } }
    }
    const finishedAt = now()
    if (sub.status === 'submitted') {
      feed = sub.handle
      const batchId = `${channel.code}-feed-${sub.handle.feedId}`
      const byListing = new Map(sub.handle.messages.map((m) => [m.listingId, m.messageId]))
      for (const l of listings) {
        results.push({ listing: l, outcome: { listingId: l.id, outcome: 'accepted', submissionId: `${sub.handle.feedId}:${byListing.get(l.id)}` }, batchId, httpStatus: sub.httpStatus, latencyMs: sub.latencyMs, request: sub.request, response: sub.response, startedAt, finishedAt })
      }
    } else {
      const r = sub.result
      throttledForMs = r.throttledForMs ?? 0
      const batchId = `${channel.code}-feed-${startedAt.getTime()}`
      for (const l of listings) {
        const outcome = r.outcomes.find((o) => o.listingId === l.id) ?? { listingId: l.id, outcome: 'failed' as const, code: 'NO_OUTCOME', message: 'The connector returned no outcome for this listing.' }
        results.push({ listing: l, outcome, batchId, httpStatus: r.httpStatus, latencyMs: r.latencyMs, request: r.request, response: r.response, startedAt, finishedAt })
      }
    }
    batches.length = 0
  }
  let nextBatch = 0
  const sendNext = async (): Promise<void> => {
    while (nextBatch < batches.length) {
      const index = nextBatch++
      const batch = batches[index]
      if (throttledForMs > 0) { unsent.push(...batch); continue }
      const updates: ListingUpdate[] = batch.map((l) => ({
        listingId: l.id, externalSku: l.externalSku, externalId: l.externalId, quantity: l.desiredQuantity,
        expectedCurrent: l.appliedQuantity, version: l.desiredVersion,
      }))
      const startedAt = now()
      const batchId = `${channel.code}-${startedAt.getTime()}-${index}`
      let push: Awaited<ReturnType<Connector['pushQuantities']>>
      try {
        callsMade++
        push = await connector.pushQuantities(updates)
      } catch (e) {
        // A connector bug or unexpected error is transient for the listing, never a crash.
        push = { latencyMs: now().getTime() - startedAt.getTime(), outcomes: updates.map((u) => ({ listingId: u.listingId, outcome: 'failed' as const, code: 'CONNECTOR_ERROR', message: (e as Error).message })) }
      }
      const finishedAt = now()
      throttledForMs = Math.max(throttledForMs, push.throttledForMs ?? 0)
      for (const l of batch) {
        const outcome = push.outcomes.find((o) => o.listingId === l.id) ?? { listingId: l.id, outcome: 'failed' as const, code: 'NO_OUTCOME', message: 'The connector returned no outcome for this listing.' }
        results.push({ listing: l, outcome, batchId, httpStatus: push.httpStatus, latencyMs: push.latencyMs, request: push.request, response: push.response, startedAt, finishedAt })
      }
    }
  }
  const lanes = Math.max(1, Math.min(connector.maxConcurrency ?? 1, batches.length))
  await Promise.all(Array.from({ length: lanes }, () => sendNext()))

  // 3. Record the results.
  const t = now()
  const summary = await transaction(db, async (tx) => {
    let applied = 0, accepted = 0, failed = 0, rejected = 0
    let anySuccess = false
    const counters = new Map<string, number>()
    const lagSamples: number[] = []
    await lockListings(tx, [...results.map((r) => r.listing.id), ...unsent.map((l) => l.id)])
    // Never sent (the channel throttled first): release the lease, no attempt is recorded.
    if (unsent.length > 0) {
      await tx.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL WHERE id = ANY($1::uuid[]) AND "inFlightVersion" IS NOT NULL`,
        unsent.map((l) => l.id))
    }
    // Attempts and successful listings are written set-based (a feed's results are thousands of
    // rows); the rarer refusals and failures one by one below.
    const attemptRows: unknown[] = []
    const successRows: Array<{ id: string; q: number; v: number; at: string; ap: boolean; aq: number | null; fh: string | null }> = []
    // A listing in a feed the marketplace has not processed yet stays held (leased) until poll-feed
    // reads the feed's report: a newer quantity sent meanwhile by the per-listing path could apply
    // first and then be overwritten by the feed's older one (found by the scale-out test).
    const feedHold = feed ? new Date(t.getTime() + FEED_HOLD_MS).toISOString() : null
    for (const r of results) {
      const { listing: l, outcome: o } = r
      const attemptNo = l.failedAttempts + 1
      counters.set(`channel=${channel.code},outcome=${o.outcome}`, (counters.get(`channel=${channel.code},outcome=${o.outcome}`) ?? 0) + 1)
      const lagMs = o.outcome === 'applied' && l.pendingSince ? Math.max(0, Math.round(r.finishedAt.getTime() - new Date(l.pendingSince).getTime())) : null
      attemptRows.push({
        l: l.id, v: l.desiredVersion, q: l.desiredQuantity, n: attemptNo, b: r.batchId, o: o.outcome, hs: r.httpStatus ?? null, ms: Math.round(r.latencyMs),
        rq: r.request ?? null, rs: r.response ?? null, e: o.outcome === 'failed' || o.outcome === 'rejected' ? `${o.code}: ${o.message}` : null,
        lag: lagMs, st: r.startedAt.toISOString(), fi: r.finishedAt.toISOString(), ve: o.outcome === 'applied' ? r.finishedAt.toISOString() : null,
      })
      if (o.outcome === 'applied' || o.outcome === 'accepted') {
        anySuccess = true
        const isApplied = o.outcome === 'applied'
        if (isApplied) { applied++; if (lagMs !== null) lagSamples.push(lagMs) } else accepted++
        successRows.push({ id: l.id, q: l.desiredQuantity, v: l.desiredVersion, at: r.finishedAt.toISOString(), ap: isApplied, aq: isApplied ? (o as { appliedQuantity: number }).appliedQuantity : null, fh: isApplied ? null : feedHold })
      } else if (o.outcome === 'rejected') {
        rejected++
        anySuccess = true // the channel answered: not a channel health problem
        await tx.$executeRawUnsafe(
          `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL, "nextAttemptAt" = 'infinity', "lastError" = $2 WHERE id = $1::uuid`,
          l.id, `${o.code}: ${o.message}`)
        await recordPublishDeadLetter(tx, { channel: channel.code, listing: l, code: o.code, reason: o.message, attempts: attemptNo, at: t })
      } else {
        failed++
        // A failed breaker probe says the channel is still down, not that this listing is bad: it
        // does not use up the listing's retries (else a long outage would dead-letter every listing
        // one probe at a time, and their newest quantities would not go out on recovery).
        const counted = claim.probe ? l.failedAttempts : attemptNo
        const exhausted = !claim.probe && attemptsExhausted(attemptNo, DEFAULT_BACKOFF)
        const delay = claim.probe ? DEFAULT_BREAKER.cooldownMs : backoffDelayMs(attemptNo, DEFAULT_BACKOFF, o.retryAfterMs, random())
        await tx.$executeRawUnsafe(
          `UPDATE "ChannelListing" SET "inFlightVersion" = NULL, "leaseUntil" = NULL, "failedAttempts" = $2,
                  "nextAttemptAt" = CASE WHEN $3 THEN 'infinity'::timestamptz ELSE $4::timestamptz END, "lastError" = $5 WHERE id = $1::uuid`,
          l.id, counted, exhausted, new Date(t.getTime() + delay).toISOString(), `${o.code}: ${o.message}`)
        if (exhausted) await recordPublishDeadLetter(tx, { channel: channel.code, listing: l, code: 'RETRIES_EXHAUSTED', reason: `Gave up after ${attemptNo} attempts; last error ${o.code}: ${o.message}`, attempts: attemptNo, at: t })
      }
    }
    if (attemptRows.length > 0) {
      await tx.$executeRawUnsafe(
        `INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, "attemptNo", "batchId", outcome, "httpStatus", "latencyMs", request, response, error, "lagMs", "startedAt", "finishedAt", "verifiedAt")
         SELECT a.l, $2::uuid, a.v, a.q, a.n, a.b, a.o, a.hs, a.ms, a.rq, a.rs, a.e, a.lag, a.st, a.fi, a.ve
           FROM json_to_recordset($1::json) AS a(l uuid, v int, q int, n int, b text, o text, hs int, ms int, rq jsonb, rs jsonb, e text, lag int, st timestamptz, fi timestamptz, ve timestamptz)`,
        JSON.stringify(attemptRows), channelId)
    }
    if (successRows.length > 0) {
      // Guarded by version: a late result for an older version never overwrites a newer one.
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
        JSON.stringify(successRows))
    }
    const breaker = breakerRecord({ state: claim.probe ? 'half_open' : channel.breakerState, failures: channel.breakerFailures, openedAt: channel.breakerOpenedAt }, anySuccess, t, DEFAULT_BREAKER)
    await tx.$executeRawUnsafe(
      `UPDATE "Channel" SET "breakerState" = $2::"BreakerState", "breakerFailures" = $3, "breakerOpenedAt" = $4::timestamptz WHERE id = $1::uuid`,
      channelId, breaker.state, breaker.failures, breaker.openedAt ? breaker.openedAt.toISOString() : null)
    // Calls taken from the budget but not made (fewer listings than it allowed) go back to it, so
    // reads (verification, reconciliation) are not starved by a publish that needed one call.
    // Not after a throttle: then the channel asked us to slow down.
    const unused = claim.granted - callsMade
    if (unused > 0 && throttledForMs === 0) await returnRateBudget(tx, channelId, unused)
    await bumpCounters(tx, 'stocktower_publish_attempts_total', counters, t)
    await recordLag(tx, channelId, lagSamples, t)
    // Keep draining: more pending work, a throttle, or retries scheduled for later.
    let nextRunAt: Date | undefined
    if (breaker.state === 'open') nextRunAt = new Date(t.getTime() + DEFAULT_BREAKER.cooldownMs)
    else if (throttledForMs > 0) nextRunAt = new Date(t.getTime() + throttledForMs)
    else if (claim.moreLikely || unsent.length > 0) nextRunAt = t
    else {
      const [next] = await tx.$queryRawUnsafe<Array<{ at: Date | null }>>(
        `SELECT min(GREATEST(COALESCE("nextAttemptAt", $2::timestamptz), $2::timestamptz)) AS at FROM "ChannelListing"
          WHERE "channelId" = $1::uuid AND active AND "desiredVersion" > "publishedVersion" AND "desiredQuantity" IS NOT NULL
            AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" < 'infinity')`, channelId, t.toISOString())
      if (next?.at) nextRunAt = new Date(next.at)
    }
    if (nextRunAt) await enqueuePublish(tx, channelId, nextRunAt)
    if (accepted > 0) await enqueueVerify(tx, channelId, new Date(t.getTime() + verifyDelayMs(channel)))
    if (feed) await enqueuePollFeed(tx, channelId, feed as unknown as { feedId: string } & Record<string, unknown>, Object.fromEntries(listings.map((l) => [l.id, l.desiredVersion])), new Date(t.getTime() + FIRST_POLL_MS))
    return { applied, accepted, failed, rejected, nextRunAt }
  })
  emitListingsChanged(listings.map((l) => l.sku), [channel.code], [ROOMS.channel(channel.code)])
  if (summary.rejected > 0 || summary.failed > 0) emitRealtime([ROOMS.deadLetters], 'dead-letters.changed', { kind: 'publish' })

  // 4. A refused compare-and-set means the channel holds a number we did not expect (a merchant
  // edit, another writer). Retrying with the same expectation can only be refused again: read those
  // listings back now and let the drift policy decide: republish over it (the read value becomes the
  // expected one) or hold the listing for a person.
  const conflicts = results.filter((r) => r.outcome.outcome === 'failed' && COMPARE_AND_SET_CONFLICTS.has(r.outcome.code)).map((r) => r.listing.id)
  if (conflicts.length > 0) {
    await reconcileChannel(db, channelId, { connectorFor: deps.connectorFor, now, listingIds: conflicts, holdFlagged: true })
      .catch((e: Error) => console.warn(`[publish] ${channel.code}: reading back ${conflicts.length} compare-and-set conflict(s) failed: ${e.message}`))
  }
  return { claimed: listings.length, ...summary }
}

/** One open dead letter per listing: a repeat bumps its attempts and last-seen time. */
export async function recordPublishDeadLetter(tx: Db, d: { channel: string; listing: { id: string; sku: string; desiredQuantity: number; desiredVersion: number; publishedQuantity: number | null }; code: string; reason: string; attempts: number; at: Date }): Promise<void> {
  const payload = { listingId: d.listing.id, sku: d.listing.sku, quantity: d.listing.desiredQuantity, version: d.listing.desiredVersion, previousQuantity: d.listing.publishedQuantity }
  const updated = await tx.$executeRawUnsafe(
    `UPDATE "DeadLetter" SET attempts = attempts + $2, "lastSeenAt" = $3::timestamptz, code = $4, reason = $5, payload = $6::jsonb
      WHERE kind = 'publish' AND "listingId" = $1::uuid AND status = 'open'`,
    d.listing.id, d.attempts, d.at.toISOString(), d.code, d.reason, JSON.stringify(payload))
  if (updated > 0) return
  // Oversell risk: a decrement that never arrived is the most dangerous.
  const decrement = d.listing.publishedQuantity !== null && d.listing.desiredQuantity < d.listing.publishedQuantity
  const risk = (decrement ? 50 : 0) + (d.listing.desiredQuantity <= 5 ? 30 : 0) + (d.listing.desiredQuantity === 0 ? 20 : 0)
  await tx.deadLetter.create({
    data: { kind: 'publish', code: d.code, reason: d.reason, sku: d.listing.sku, channel: d.channel, listingId: d.listing.id, payload, attempts: d.attempts, riskScore: risk, firstSeenAt: d.at, lastSeenAt: d.at },
  })
}
