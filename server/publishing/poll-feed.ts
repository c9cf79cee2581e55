// The second half of the bulk path: a submitted feed is polled until the marketplace finishes it,
// then its per-message results land on the listings they were sent for, guarded by version (a
// listing that has since been sent a newer quantity is left alone). Accepted messages need nothing
// more here: verification reads them back like any accepted update. Until the report is read the
// feed's listings stay held, so no newer quantity overtakes the feed's; reading it releases them. A refused message is a dead
// letter at once; a message that failed (or a feed that failed as a whole) goes out again.
import type { PrismaClient } from '@prisma/client'
import { transaction, type Db } from '../db'
import type { BulkFeedHandle, BulkPollResult, Connector, UpdateOutcome } from '../channels/connector'
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff'
import { enqueuePollFeed, enqueuePublish, FIRST_POLL_MS } from '../queue/enqueue'
import { bumpCounters } from '../metrics/counters'
import { emitListingsChanged, ROOMS } from '../realtime/publisher'
import { FEED_GIVE_UP_AFTER_MS } from './publish-channel'
import { emitPublishDeadLettersChanged, recordPublishDeadLetter } from './publish-dead-letters.repository'
import { loadChannel, lockListings, type ChannelRow } from '../channels/channel.repository'

export interface PollFeedPayload {
  channelId: string
  handle: BulkFeedHandle
  versions: Record<string, number>
  attempt?: number
}
export interface PollFeedResult {
  feedId: string
  status: 'pending' | 'done' | 'gone'
  feedStatus?: string
  accepted?: number
  rejected?: number
  failed?: number
  stale?: number
}

type PollFeedDeps = { connectorFor(channel: ChannelRow): Connector; now?: () => Date; random?: () => number }
type FeedListing = {
  id: string
  sku: string
  desiredQuantity: number
  desiredVersion: number
  publishedVersion: number
  publishedQuantity: number | null
  failedAttempts: number
}
type DoneFeed = Extract<BulkPollResult, { status: 'done' }>

/** The use case: poll the feed (or give up on it); while pending, poll again later; once done, record its results. */
export async function pollFeed(db: PrismaClient, p: PollFeedPayload, deps: PollFeedDeps): Promise<PollFeedResult> {
  const now = deps.now ?? (() => new Date())
  const channel = await loadChannel(db, p.channelId)
  const bulk = channel ? deps.connectorFor(channel).bulk : undefined
  if (!channel || !bulk) return { feedId: p.handle.feedId, status: 'gone' }
  const t0 = now()
  const age = t0.getTime() - Date.parse(p.handle.submittedAt)
  const polled: BulkPollResult =
    age > FEED_GIVE_UP_AFTER_MS
      ? {
          status: 'done' as const,
          feedStatus: 'UNKNOWN',
          result: {
            latencyMs: 0,
            outcomes: p.handle.messages.map((m) => ({
              listingId: m.listingId,
              outcome: 'failed' as const,
              code: 'FEED_TIMED_OUT',
              message: `No result for feed ${p.handle.feedId} after ${Math.round(age / 60_000)} min.`,
            })),
          },
        }
      : await bulk.pollFeed(p.handle)
  if (polled.status === 'pending') {
    // Back off from the first poll to the connector's longest interval (and the marketplace's wait).
    const attempt = (p.attempt ?? 0) + 1
    const wait = Math.max(
      polled.retryAfterMs ?? 0,
      Math.min(bulk.maxPollIntervalMs, FIRST_POLL_MS * 2 ** Math.min(attempt, 10)),
    )
    await enqueuePollFeed(
      db,
      p.channelId,
      p.handle as unknown as { feedId: string } & Record<string, unknown>,
      p.versions,
      new Date(t0.getTime() + wait),
      attempt,
    )
    return { feedId: p.handle.feedId, status: 'pending', feedStatus: polled.feedStatus }
  }

  const t = now()
  const summary = await transaction(db, (tx) =>
    recordFeedResults(tx, channel, p, polled, t, deps.random ?? Math.random),
  )
  const { skus, ...counts } = summary
  emitListingsChanged(skus, [channel.code], [ROOMS.channel(channel.code)])
  if (counts.rejected > 0) emitPublishDeadLettersChanged()
  return { feedId: p.handle.feedId, status: 'done', feedStatus: polled.feedStatus, ...counts }
}

/** Each message's result on its listing (guarded by version), then the feed's listings released. */
async function recordFeedResults(
  tx: Db,
  channel: ChannelRow,
  p: PollFeedPayload,
  polled: DoneFeed,
  t: Date,
  random: () => number,
) {
  const tally = { accepted: 0, rejected: 0, failed: 0, stale: 0 }
  const ids = p.handle.messages.map((m) => m.listingId)
  await lockListings(tx, ids)
  const rows = await tx.$queryRawUnsafe<FeedListing[]>(
    `SELECT cl.id::text AS id, s.code AS sku, cl."desiredQuantity", cl."desiredVersion", cl."publishedVersion", cl."publishedQuantity", cl."failedAttempts"
       FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId" WHERE cl.id = ANY($1::uuid[])`,
    ids,
  )
  const byId = new Map(rows.map((r) => [r.id, r]))
  const counters = new Map<string, number>()
  let republish = false
  for (const o of polled.result.outcomes) {
    const l = byId.get(o.listingId)
    const sentVersion = p.versions[o.listingId]
    const message = p.handle.messages.find((m) => m.listingId === o.listingId)
    if (!l || sentVersion === undefined || !message) continue
    if (o.outcome === 'accepted' || o.outcome === 'applied') {
      tally.accepted++
      continue
    }
    // A newer version went out since: this result is history, not news.
    if (l.publishedVersion !== sentVersion) {
      tally.stale++
      continue
    }
    const counterKey = `channel=${channel.code},outcome=${o.outcome}`
    counters.set(counterKey, (counters.get(counterKey) ?? 0) + 1)
    await recordRefusedMessage(tx, channel, p, polled, l, o, sentVersion, message.quantity, t, random)
    if (o.outcome === 'rejected') tally.rejected++
    else {
      tally.failed++
      republish = true
    }
  }
  await bumpCounters(tx, 'stocktower_publish_attempts_total', counters, t)
  // The feed is processed: its listings are no longer held (publish-channel held them so a newer
  // quantity could not overtake the feed's); what changed meanwhile goes out now.
  const released = await tx.$queryRawUnsafe<Array<{ newer: boolean }>>(
    `UPDATE "ChannelListing" SET "leaseUntil" = NULL
      WHERE id = ANY($1::uuid[]) AND "inFlightVersion" IS NULL AND "leaseUntil" IS NOT NULL
      RETURNING "desiredVersion" > "publishedVersion" AS newer`,
    ids,
  )
  if (released.some((r) => r.newer)) await enqueuePublish(tx, channel.id, t)
  if (republish) await enqueuePublish(tx, channel.id, new Date(t.getTime() + 1_000))
  return { ...tally, skus: rows.map((r) => r.sku) }
}

/** A message the marketplace refused (a dead letter at once) or failed (rewound, sent again after a backoff); an attempt row either way. */
async function recordRefusedMessage(
  tx: Db,
  channel: ChannelRow,
  p: PollFeedPayload,
  polled: DoneFeed,
  l: FeedListing,
  o: Extract<UpdateOutcome, { outcome: 'rejected' | 'failed' }>,
  sentVersion: number,
  quantity: number,
  t: Date,
  random: () => number,
): Promise<void> {
  const attemptNo = l.failedAttempts + 1
  await tx.publishAttempt.create({
    data: {
      listingId: l.id,
      channelId: channel.id,
      version: sentVersion,
      quantity,
      attemptNo,
      batchId: `${channel.code}-feed-${p.handle.feedId}`,
      outcome: o.outcome,
      httpStatus: polled.result.httpStatus ?? null,
      latencyMs: polled.result.latencyMs,
      request: (polled.result.request ?? null) as never,
      response: (polled.result.response ?? null) as never,
      error: `${o.code}: ${o.message}`,
      startedAt: t,
      finishedAt: t,
    },
  })
  if (o.outcome === 'rejected') {
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "acceptedVersion" = LEAST("acceptedVersion", "appliedVersion"), "nextAttemptAt" = 'infinity', "lastError" = $2 WHERE id = $1::uuid`,
      l.id,
      `${o.code}: ${o.message}`,
    )
    await recordPublishDeadLetter(tx, {
      channel: channel.code,
      listing: {
        id: l.id,
        sku: l.sku,
        desiredQuantity: quantity,
        desiredVersion: sentVersion,
        publishedQuantity: l.publishedQuantity,
      },
      code: o.code,
      reason: o.message,
      attempts: attemptNo,
      at: t,
    })
    return
  }
  // Not applied: rewind so the newest quantity goes out again (after a backoff).
  const delay = backoffDelayMs(attemptNo, DEFAULT_BACKOFF, o.retryAfterMs, random())
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "publishedVersion" = LEAST("publishedVersion", $2::int - 1), "acceptedVersion" = LEAST("acceptedVersion", $2::int - 1),
            "failedAttempts" = $3, "nextAttemptAt" = $4::timestamptz, "lastError" = $5,
            "pendingSince" = COALESCE("pendingSince", "decidedAt") WHERE id = $1::uuid`,
    l.id,
    sentVersion,
    attemptNo,
    new Date(t.getTime() + delay).toISOString(),
    `${o.code}: ${o.message}`,
  )
}
