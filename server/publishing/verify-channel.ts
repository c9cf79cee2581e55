// Verifies accepted updates by reading the channel back: an accepted quantity the channel now
// shows is applied (and its lag recorded); one still missing after the channel's SLA becomes an
// `unverified` finding an operator sees. Read calls spend the channel's rate budget like
// reconciliation's (ceil(listings / readBatchSize) calls): a run reads what the budget grants and
// comes back for the rest.
import type { PrismaClient } from '@prisma/client'
import { transaction, type Db } from '../db'
import { MAX_INLINE_PACE_MS, type Connector, type ReadBack } from '../channels/connector'
import { enqueueVerify } from '../queue/enqueue'
import { isLagSample, recordLag } from '../metrics/lag'
import { emitListingsChanged, ROOMS } from '../realtime/publisher'
import { loadChannel, lockListings, takeReadCalls, type ChannelRow } from '../channels/channel.repository'
import { verifySlaMs } from '../channels/channel-settings'
import { describeOrders, ORDERS_SINCE_SENT_SQL, possibleAfterOrders } from '../orders/orders-since'
import { loadOrderGraceMs } from '../metrics/order-intake'

interface Pending {
  id: string
  sku: string
  externalSku: string
  externalId: string | null
  publishedQuantity: number
  /** What the channel applied before (it still shows it when the update never applied). */
  appliedQuantity: number | null
  acceptedVersion: number
  acceptedAt: Date
  publishedInputAt: Date | null
  sold: number
  returned: number
  /** Order changes since the send (sale negative, cancellation positive), oldest first: those before the apply were absorbed by it. */
  absorbable: number[] | null
}

export interface VerifyResult {
  checked: number
  applied: number
  unverified: number
  stillPending: number
  skipped?: string
}

type VerifyDeps = { connectorFor(channel: ChannelRow): Connector; now?: () => Date; batchSize?: number }
type Verified = { id: string; q: number; v: number; lag: number | null; key: string }

/** The use case: load what awaits verification, read it back from the channel, record what it shows. */
export async function verifyChannel(db: PrismaClient, channelId: string, deps: VerifyDeps): Promise<VerifyResult> {
  const now = deps.now ?? (() => new Date())
  const channel = await loadChannel(db, channelId)
  if (!channel) return { checked: 0, applied: 0, unverified: 0, stillPending: 0, skipped: 'unknown channel' }
  const batchSize = deps.batchSize ?? 500
  const loaded = await loadPending(db, channelId, batchSize)
  if (loaded.length === 0) return { checked: 0, applied: 0, unverified: 0, stillPending: 0 }
  const connector = deps.connectorFor(channel)
  const perCall = Math.max(1, connector.readBatchSize)
  const notRead = (skipped: string) => ({
    checked: 0,
    applied: 0,
    unverified: 0,
    stillPending: loaded.length,
    skipped,
  })
  // Reads give way to writes: while the marketplace's own limit could not take a full batch of
  // updates (Shopify's cost bucket), come back when it could.
  const readyIn = connector.readyInMs?.() ?? 0
  if (readyIn > MAX_INLINE_PACE_MS) {
    await enqueueVerify(db, channelId, new Date(now().getTime() + readyIn))
    return notRead('marketplace limit')
  }
  const { granted, waitMs } = await takeReadCalls(db, channelId, Math.ceil(loaded.length / perCall), now())
  // Nothing granted: come back when the budget grants a read (the SLA clock keeps running).
  if (granted === 0) {
    await enqueueVerify(db, channelId, new Date(now().getTime() + waitMs))
    return notRead('rate budget')
  }
  const pending = loaded.slice(0, granted * perCall)
  // More awaits than this run read (a full batch, or what the budget did not grant): run again.
  const more = loaded.length === batchSize || pending.length < loaded.length
  let readBack: Awaited<ReturnType<Connector['readQuantities']>> = []
  try {
    readBack = await connector.readQuantities(
      pending.map((p) => ({ listingId: p.id, externalSku: p.externalSku, externalId: p.externalId })),
    )
  } catch (e) {
    // The channel could not be read now: try again later; the SLA clock keeps running.
    await enqueueVerify(db, channelId, new Date(now().getTime() + 15_000))
    return notRead(`read-back failed: ${(e as Error).message}`)
  }
  const t = now()
  const graceMs = await loadOrderGraceMs(db, channel, t)
  const result = await transaction(db, (tx) => recordReadBack(tx, channel, pending, readBack, t, more, graceMs))
  if (result.applied > 0) {
    emitListingsChanged(
      pending.map((p) => p.sku),
      [channel.code],
      [ROOMS.channel(channel.code)],
    )
  }
  return { checked: pending.length, ...result }
}

/**
 * A listing awaiting verification: its latest sent version accepted, not yet read back as applied.
 * Written once: `ChannelListing_unverified_idx` (a partial index) holds exactly these rows, and
 * PostgreSQL uses it only where a query states this predicate as written here.
 */
export const UNVERIFIED_SQL = `cl."acceptedVersion" > cl."appliedVersion" AND cl."acceptedVersion" = cl."publishedVersion"`

/**
 * Accepted, not yet applied, and not already an open `unverified` finding: oldest first ($1 the
 * channel, $2 the batch size). Exported for the plan test (read through ChannelListing_unverified_idx).
 */
export const PENDING_VERIFY_SQL = `SELECT cl.id::text AS id, s.code AS sku, cl."externalSku", cl."externalId", cl."publishedQuantity", cl."appliedQuantity", cl."acceptedVersion", cl."acceptedAt", cl."publishedInputAt",
            COALESCE(ord.sold, 0)::int AS sold, COALESCE(ord.returned, 0)::int AS returned, ord.absorbable
       FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId"
       ${ORDERS_SINCE_SENT_SQL}
      WHERE cl."channelId" = $1::uuid AND ${UNVERIFIED_SQL}
        -- An open finding about an older version does not stop a newer one being verified (which resolves it).
        AND NOT EXISTS (SELECT 1 FROM "Finding" f WHERE f."dedupeKey" = 'unverified:' || cl.id::text AND f.status IN ('open', 'healing')
                          AND (f.details->>'version')::int >= cl."acceptedVersion")
      ORDER BY cl."acceptedAt" LIMIT $2`

async function loadPending(db: PrismaClient, channelId: string, batchSize: number): Promise<Pending[]> {
  return db.$queryRawUnsafe<Pending[]>(PENDING_VERIFY_SQL, channelId, batchSize)
}

/** Each listing: applied (as sent, or as sent and then moved by orders received since), past its SLA (a finding), or still pending. */
async function recordReadBack(
  tx: Db,
  channel: ChannelRow,
  pending: Pending[],
  readBack: ReadBack[],
  t: Date,
  more: boolean,
  graceMs: number,
): Promise<{ applied: number; unverified: number; stillPending: number }> {
  let applied = 0,
    unverified = 0,
    stillPending = 0
  const sla = verifySlaMs(channel)
  const lags: number[] = []
  await lockListings(
    tx,
    pending.map((p) => p.id),
  )
  const seenById = new Map(readBack.map((r) => [r.listingId, r]))
  // Verified listings are written set-based (three statements for the whole run, not per listing).
  const verified: Verified[] = []
  for (const p of pending) {
    const seen = seenById.get(p.id)
    const lagMs = p.publishedInputAt
      ? Math.max(0, Math.round(t.getTime() - new Date(p.publishedInputAt).getTime()))
      : null
    // The channel applied our number and then sold (or took back) units in orders we have
    // received since we sent it: it applied; what it shows is our number moved by its orders
    // after the apply (those before it were absorbed by it).
    if (
      seen &&
      seen.quantity !== null &&
      seen.quantity !== p.publishedQuantity &&
      (p.sold > 0 || p.returned > 0) &&
      possibleAfterOrders(p.publishedQuantity, p, p.absorbable ?? []).includes(seen.quantity)
    ) {
      applied++
      if (lagMs !== null && isLagSample(p.appliedQuantity)) lags.push(lagMs)
      verified.push({ id: p.id, q: seen.quantity, v: p.acceptedVersion, lag: lagMs, key: `unverified:${p.id}` })
      await tx.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "appliedReadAt" = $2::timestamptz, "ordersNote" = $3, "ordersNoteAt" = $2::timestamptz WHERE id = $1::uuid`,
        p.id,
        t.toISOString(),
        `${t.toISOString()}: version ${p.acceptedVersion} (${p.publishedQuantity}) applied; the channel shows ${seen.quantity}: ${describeOrders(p.sold, p.returned)} since, already received`,
      )
    } else if (seen && seen.quantity === p.publishedQuantity) {
      applied++
      if (lagMs !== null && isLagSample(p.appliedQuantity)) lags.push(lagMs)
      verified.push({ id: p.id, q: p.publishedQuantity, v: p.acceptedVersion, lag: lagMs, key: `unverified:${p.id}` })
    } else if (
      seen &&
      seen.quantity !== null &&
      seen.quantity !== p.appliedQuantity &&
      t.getTime() - new Date(p.acceptedAt).getTime() <= sla + graceMs
    ) {
      // Neither what we sent (moved by received orders) nor the number it had before (that one says
      // the update never applied): orders the channel took or cancelled since may still be on their
      // way to us (its order grace past the SLA). Seen in the 30-minute demo: Walmart applied and
      // sold a unit before its polled order arrived, after the 60 s SLA; and applied ours, then a
      // buyer cancelled 2 units (98 where we sent 96) whose order had not reached us yet.
      stillPending++
    } else if (t.getTime() - new Date(p.acceptedAt).getTime() > sla) {
      unverified++
      // Past its SLA it is a finding for reconciliation and people; no more polling for it here.
      await recordUnverified(tx, channel, p, seen?.quantity ?? null, sla)
    } else {
      stillPending++
    }
  }
  await writeVerified(tx, verified, t)
  await recordLag(tx, channel.id, lags, t)
  if (stillPending > 0 || more) {
    await enqueueVerify(tx, channel.id, new Date(t.getTime() + (stillPending > 0 ? 5_000 : 0)))
  }
  return { applied, unverified, stillPending }
}

async function recordUnverified(
  tx: Db,
  channel: ChannelRow,
  p: Pending,
  seenQuantity: number | null,
  sla: number,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "Finding"(id, kind, sku, channel, cause, expected, actual, variance, details, "dedupeKey")
     SELECT gen_random_uuid(), 'unverified', $1::text, $2::text, 'update accepted but not applied within the channel SLA', $3::int, $4::int, $5::int, $6::jsonb, $7::text
      WHERE NOT EXISTS (SELECT 1 FROM "Finding" WHERE "dedupeKey" = $7::text AND status IN ('open', 'healing'))`,
    // Every parameter is used and typed: an unused one is 42P18 and failed every such job.
    p.sku,
    channel.code,
    p.publishedQuantity,
    seenQuantity,
    seenQuantity == null ? null : p.publishedQuantity - seenQuantity,
    JSON.stringify({ listingId: p.id, version: p.acceptedVersion, acceptedAt: p.acceptedAt, slaSeconds: sla / 1000 }),
    `unverified:${p.id}`,
  )
}

/** Applied listings, their attempts, and any `unverified` finding a later read-back settles. */
async function writeVerified(tx: Db, verified: Verified[], t: Date): Promise<void> {
  if (verified.length === 0) return
  const rows = JSON.stringify(verified)
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" cl SET "appliedQuantity" = u.q, "appliedVersion" = u.v, "appliedAt" = $2::timestamptz
       FROM json_to_recordset($1::json) AS u(id uuid, q int, v int) WHERE cl.id = u.id AND cl."appliedVersion" < u.v`,
    rows,
    t.toISOString(),
  )
  await tx.$executeRawUnsafe(
    `UPDATE "PublishAttempt" pa SET outcome = 'applied', "verifiedAt" = $2::timestamptz, "lagMs" = u.lag
       FROM json_to_recordset($1::json) AS u(id uuid, v int, lag int) WHERE pa."listingId" = u.id AND pa.version = u.v AND pa.outcome = 'accepted'`,
    rows,
    t.toISOString(),
  )
  await tx.$executeRawUnsafe(
    `UPDATE "Finding" f SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = 'applied on a later read-back'
       FROM json_to_recordset($1::json) AS u(key text) WHERE f."dedupeKey" = u.key AND f.status = 'open'`,
    rows,
    t.toISOString(),
  )
}
