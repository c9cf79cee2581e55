// Availability as the tests drive it: the recompute stage run to the end, and what it decided.
import type { PrismaClient } from '@prisma/client'
import { recomputeDirtyAvailability } from '../../../server/availability/recompute-availability'

/** Recomputes dirty SKUs batch after batch (as the recompute job does) until none is left; `now` fixes the clock. */
export async function recomputeAll(db: PrismaClient, now?: Date): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await recomputeDirtyAvailability(db, now ? { batchSize: 1000, now: () => now } : { batchSize: 1000 })
    if (!r.more) break
  }
}

/** The quantity the last recompute decided to offer for a SKU on a channel (null before any decision). */
export async function desiredQuantity(db: PrismaClient, sku: string, channel: string): Promise<number | null> {
  const listing = await db.channelListing.findFirstOrThrow({
    where: { sku: { code: sku }, channel: { code: channel } },
    select: { desiredQuantity: true },
  })
  return listing.desiredQuantity
}
