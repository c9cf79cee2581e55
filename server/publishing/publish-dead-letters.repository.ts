// Publish dead letters: a listing whose send was refused for good or ran out of retries, one open
// letter per listing (a repeat bumps it), scored by its oversell risk. Written by the publish run
// and the feed poll in their own transactions; the emit is for after they commit.
import type { Db } from '../db'
import { emitRealtime, ROOMS } from '../realtime/publisher'

/** Tells open dead-letter screens to refetch; call after the transaction commits. */
export function emitPublishDeadLettersChanged(): void {
  emitRealtime([ROOMS.deadLetters], 'dead-letters.changed', { kind: 'publish' })
}

/** One open dead letter per listing: a repeat bumps its attempts and last-seen time. */
export async function recordPublishDeadLetter(
  tx: Db,
  d: {
    channel: string
    listing: {
      id: string
      sku: string
      desiredQuantity: number
      desiredVersion: number
      publishedQuantity: number | null
    }
    code: string
    reason: string
    attempts: number
    at: Date
  },
): Promise<void> {
  const payload = {
    listingId: d.listing.id,
    sku: d.listing.sku,
    quantity: d.listing.desiredQuantity,
    version: d.listing.desiredVersion,
    previousQuantity: d.listing.publishedQuantity,
  }
  const updated = await tx.$executeRawUnsafe(
    `UPDATE "DeadLetter" SET attempts = attempts + $2, "lastSeenAt" = $3::timestamptz, code = $4, reason = $5, payload = $6::jsonb
      WHERE kind = 'publish' AND "listingId" = $1::uuid AND status = 'open'`,
    d.listing.id,
    d.attempts,
    d.at.toISOString(),
    d.code,
    d.reason,
    JSON.stringify(payload),
  )
  if (updated > 0) return
  // Oversell risk: a decrement that never arrived is the most dangerous.
  const decrement = d.listing.publishedQuantity !== null && d.listing.desiredQuantity < d.listing.publishedQuantity
  const risk =
    (decrement ? 50 : 0) + (d.listing.desiredQuantity <= 5 ? 30 : 0) + (d.listing.desiredQuantity === 0 ? 20 : 0)
  await tx.deadLetter.create({
    data: {
      kind: 'publish',
      code: d.code,
      reason: d.reason,
      sku: d.listing.sku,
      channel: d.channel,
      listingId: d.listing.id,
      payload,
      attempts: d.attempts,
      riskScore: risk,
      firstSeenAt: d.at,
      lastSeenAt: d.at,
    },
  })
}
