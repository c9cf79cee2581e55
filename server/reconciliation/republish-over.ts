// The heal for drift: our number goes out again over what the channel shows.
import type { RawSql } from '../db'

/**
 * Sends our current desired quantity again over what the channel shows: records `shown` as the
 * applied quantity (compare-and-set connectors send it as the expected value) and rewinds the
 * versions so the listing is pending under its own version, with fresh retries.
 */
export async function republishOver(
  tx: RawSql,
  listingId: string,
  shown: number,
  t: Date,
  readAt: Date = t,
): Promise<number> {
  return tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "appliedQuantity" = $2, "appliedReadAt" = $4::timestamptz, "orderGraceSince" = NULL, "publishedVersion" = LEAST("publishedVersion", "desiredVersion" - 1),
            "appliedVersion" = LEAST("appliedVersion", "desiredVersion" - 1), "acceptedVersion" = LEAST("acceptedVersion", "desiredVersion" - 1),
            "pendingSince" = COALESCE("pendingSince", $3::timestamptz), "nextAttemptAt" = NULL, "failedAttempts" = 0, "lastError" = NULL
      WHERE id = $1::uuid`,
    listingId,
    shown,
    t.toISOString(),
    readAt.toISOString(),
  )
}
