// Publishing fixtures for integration tests: a channel pointed at a simulator, SKUs with one
// listing each, and desired quantities written the way the recompute stage writes them.
import type { PrismaClient } from '@prisma/client'
import { encryptCredentials } from '../../../server/channels/credentials'
import { makeChannel, makeListing, makeSku } from '../../support/factories'

export interface PublishFixture {
  channelId: string
  listings: Array<{ id: string; sku: string; externalSku: string; externalId: string | null }>
}

let fixtureNo = 0

export async function makePublishFixture(
  db: PrismaClient,
  options: {
    kind: 'shopify' | 'amazon' | 'walmart' | 'b2b'
    baseUrl: string
    credentials: Record<string, string>
    settings?: Record<string, unknown>
    skus: string[]
    externalId?: (sku: string) => string | null
    ratePerSecond?: number
    rateBurst?: number
    /** Start of the rate bucket (the publisher's clock; a fake one in most tests). */
    at: Date
  },
): Promise<PublishFixture> {
  const no = ++fixtureNo
  const channel = await makeChannel(db, `${options.kind}-${no}`, {
    kind: options.kind,
    baseUrl: options.baseUrl,
    credentialsEnc: encryptCredentials(options.credentials),
    settings: options.settings,
    ratePerSecond: options.ratePerSecond ?? 1_000,
    rateBurst: options.rateBurst ?? 1_000,
  })
  await db.channel.update({ where: { id: channel.id }, data: { rateRefilledAt: options.at } })
  const listings: PublishFixture['listings'] = []
  for (const code of options.skus) {
    const sku = await makeSku(db, `${code}-${no}`)
    const externalId = options.externalId?.(code) ?? null
    const listing = await makeListing(db, channel.id, sku.id, code, externalId)
    listings.push({ id: listing.id, sku: sku.code, externalSku: code, externalId })
  }
  return { channelId: channel.id, listings }
}

/**
 * A new desired quantity for a listing, written as recompute-availability writes a changed
 * decision: next version, lag clock kept from the oldest unpublished input, and a fresh try even
 * after a failure of an older version.
 */
export async function setDesired(db: PrismaClient, listingId: string, quantity: number, at: Date): Promise<number> {
  const [row] = await db.$queryRawUnsafe<Array<{ version: number }>>(
    `UPDATE "ChannelListing" SET "desiredQuantity" = $2, "desiredVersion" = "desiredVersion" + 1, "decidedAt" = $3::timestamptz,
            "pendingSince" = COALESCE("pendingSince", $3::timestamptz), "nextAttemptAt" = NULL, "failedAttempts" = 0
      WHERE id = $1::uuid RETURNING "desiredVersion" AS version`,
    listingId,
    quantity,
    at.toISOString(),
  )
  return row!.version
}

/** Listings whose newest desired version is not published yet. */
export async function pendingCount(db: PrismaClient, channelId: string): Promise<number> {
  const [row] = await db.$queryRawUnsafe<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM "ChannelListing" WHERE "channelId" = $1::uuid AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion"`,
    channelId,
  )
  return row!.n
}

export async function listingStates(db: PrismaClient, channelId: string) {
  return db.channelListing.findMany({
    where: { channelId },
    select: {
      id: true,
      externalSku: true,
      desiredQuantity: true,
      desiredVersion: true,
      publishedVersion: true,
      publishedQuantity: true,
      appliedQuantity: true,
      nextAttemptAt: true,
      failedAttempts: true,
      lastError: true,
    },
    orderBy: { externalSku: 'asc' },
  })
}
