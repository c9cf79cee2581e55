// Every transaction that writes several ChannelListing rows (recompute, publish results, verify)
// locks them first in one global order (by id), so two of them can wait for each other but never
// deadlock.
import type { Db } from '../db'

export async function lockListings(db: Db, listingIds: string[]): Promise<void> {
  if (listingIds.length === 0) return
  await db.$queryRawUnsafe(`SELECT id FROM "ChannelListing" WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [...new Set(listingIds)])
}
