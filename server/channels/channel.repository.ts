// One place for the channel row the connectors' users read: its shape, the one SELECT that loads
// it (optionally locked) and spending its rate budget. Publishing (publish, verify, poll a feed)
// and reconciliation (drift read-backs) both depend on this module and never on each other
// (docs/architecture.md). Settings read off the row live beside it in channel-settings.ts.
import type { PrismaClient } from '@prisma/client'
import { transaction, type Db, type RawSql } from '../db'
import { refill, take } from './rate-budget'

export type BreakerState = 'closed' | 'open' | 'half_open'

export interface ChannelRow {
  id: string
  code: string
  kind: string
  mode: 'shadow' | 'live'
  status: 'active' | 'paused'
  settings: Record<string, unknown>
  credentialsEnc: string | null
  ratePerSecond: number
  rateBurst: number
  rateTokens: number
  rateRefilledAt: Date
  breakerState: BreakerState
  breakerFailures: number
  breakerOpenedAt: Date | null
}

const CHANNEL_SELECT = `SELECT id::text AS id, code, kind, mode::text AS mode, status::text AS status, settings, "credentialsEnc", "ratePerSecond", "rateBurst",
          "rateTokens", "rateRefilledAt", "breakerState"::text AS "breakerState", "breakerFailures", "breakerOpenedAt"
     FROM "Channel" WHERE id = $1::uuid`

/** The channel row, or null; `forUpdate` locks it for the rest of the caller's transaction. */
export async function loadChannel(
  db: Db,
  channelId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ChannelRow | null> {
  const [row] = await db.$queryRawUnsafe<ChannelRow[]>(
    `${CHANNEL_SELECT}${opts.forUpdate ? ' FOR UPDATE' : ''}`,
    channelId,
  )
  return row ?? null
}

type BudgetFields = Pick<ChannelRow, 'id' | 'rateTokens' | 'rateRefilledAt' | 'ratePerSecond' | 'rateBurst'>

/**
 * Refills the channel's token bucket to `at`, takes `wanted(tokensAvailable)` whole calls from it and
 * stores what is left. Call inside a transaction holding the channel row (loadChannel forUpdate).
 * `waitMs` says how long until the next token when nothing was granted.
 */
export async function spendRateBudget(
  tx: Db,
  channel: BudgetFields,
  at: Date,
  wanted: (tokensAvailable: number) => number,
): Promise<{ granted: number; waitMs: number }> {
  const bucket = refill(
    { tokens: channel.rateTokens, refilledAt: channel.rateRefilledAt },
    channel.ratePerSecond,
    channel.rateBurst,
    at,
  )
  const { granted, bucket: after, waitMs } = take(bucket, wanted(bucket.tokens), channel.ratePerSecond)
  await tx.$executeRawUnsafe(
    `UPDATE "Channel" SET "rateTokens" = $2, "rateRefilledAt" = $3::timestamptz WHERE id = $1::uuid`,
    channel.id,
    after.tokens,
    after.refilledAt.toISOString(),
  )
  return { granted, waitMs }
}

/**
 * Read calls (verification and reconciliation read-backs) come out of the same rate budget as
 * publishing, in their own short transaction. Publishing is not starved: a read takes at most half
 * of what is in the bucket, yet one call from a full bucket (a burst of 1 would never halve to a
 * whole call). `waitMs`: when nothing was granted, how long until a read will be.
 */
export async function takeReadCalls(
  db: PrismaClient,
  channelId: string,
  want: number,
  at: Date,
): Promise<{ granted: number; waitMs: number }> {
  return transaction(db, async (tx) => {
    const c = await loadChannel(tx, channelId, { forUpdate: true })
    if (!c) return { granted: 0, waitMs: 0 }
    let available = 0
    const { granted } = await spendRateBudget(tx, c, at, (tokens) => {
      available = tokens
      return Math.min(want, Math.max(Math.floor(tokens / 2), tokens >= c.rateBurst ? 1 : 0))
    })
    // The bucket grants a read once it holds two calls (or is full, for a burst below two).
    const needed = Math.min(2, c.rateBurst)
    const waitMs =
      granted > 0 || want <= 0
        ? 0
        : Math.max(1, Math.ceil(((needed - available) / Math.max(c.ratePerSecond, 0.001)) * 1000))
    return { granted, waitMs }
  })
}

/** Gives back calls taken with spendRateBudget but not made, never above the channel's burst. */
export async function returnRateBudget(tx: Db, channelId: string, calls: number): Promise<void> {
  if (calls <= 0) return
  await tx.$executeRawUnsafe(
    `UPDATE "Channel" SET "rateTokens" = LEAST("rateBurst", "rateTokens" + $2) WHERE id = $1::uuid`,
    channelId,
    calls,
  )
}

/**
 * Every transaction that writes several ChannelListing rows (recompute, publish results, verify,
 * feed reports, reconciliation) locks them first in one global order (by id), so two of them can
 * wait for each other but never deadlock.
 */
export async function lockListings(db: RawSql, listingIds: string[]): Promise<void> {
  if (listingIds.length === 0) return
  await db.$queryRawUnsafe(`SELECT id FROM "ChannelListing" WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
    ...new Set(listingIds),
  ])
}
