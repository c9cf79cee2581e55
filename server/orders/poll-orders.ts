// Durable order pollers (each marketplace's page fetch in order-pollers.ts): Amazon (getOrders by
// LastUpdatedAfter + NextToken, getOrderItems per new order or per update its counts cannot
// explain: amazon-orders.ts itemsFromOrderCounts), Walmart (GET /v3/orders by lastModifiedStartDate
// + nextCursor) and Shopify's reconciliation poll (the Admin GraphQL orders query, for webhooks
// that never came).
//
// The position lives in ChannelOrderIntake (path 'poll' or 'reconcile_poll'):
// - `cursorAt`: the newest marketplace update time applied in a completed run; each run reads from
//   cursorAt minus the channel's overlap window (Amazon's order data can lag behind its clock);
// - `cursor`: the run in progress, `{ since, next, newest }` (the page token still to read).
// Each page is stored raw first, then applied, and the cursor moves in the SAME transaction as the
// page's orders: a poller killed mid-run resumes at the page it had not committed; a page read
// twice is harmless (NativeOrderLine counts only grow). A failed call (outage, 5xx, 429) leaves the
// cursor where it was and is recorded as the path's health; the next run catches up from there.
// Calls spend the orders API's own budget (rateTokens: the list call; itemRateTokens: Amazon's
// getOrderItems), and a 429 empties it until its Retry-After.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { refill, take } from '../channels/rate-budget'
import { storeInboundMessage } from '../ingest/inbound-message.repository'
import { enqueue } from '../queue/enqueue'
import { type KnownAmazonLine } from './amazon-orders'
import { recordIntake, type IntakePath } from './intake-health'
import { channelSource, processNativeMessage } from './native-message'
import {
  later,
  pollerFor,
  type Budget,
  type Fetched,
  type OrdersClients,
  type Page,
  type PollContext,
  type Poller,
} from './order-pollers'

/** A first run reads orders updated since the channel was added, at most this far back. */
const FIRST_RUN_LOOKBACK_MS = 24 * 3600_000
/**
 * The crontab ticks each minute a few hundred milliseconds either way: a poll is due this much
 * before its interval has passed (a poll started 0.5 s after one tick was 59.7 s old at the next and
 * skipped it: the demo's Walmart was polled every other minute).
 */
const TICK_JITTER_MS = 5_000

interface Cursor {
  since: string
  next: string | null
  newest: string | null
}

export interface PollResult {
  channel: string
  outcome: 'not_polled' | 'not_due' | 'caught_up' | 'more_pages' | 'budget' | 'failed'
  pages: number
  orders: number
  error?: string
}

/** Spends the orders API budget of one path (list or item bucket), in its own short transaction. */
async function spendOrdersBudget(
  db: PrismaClient,
  channelId: string,
  poller: Poller,
  which: 'list' | 'item',
  wanted: number,
  now: Date,
): Promise<{ granted: number; waitMs: number }> {
  const budget = which === 'item' ? poller.item : poller.list
  if (!budget) return { granted: wanted, waitMs: 0 }
  const [tokensCol, atCol] =
    which === 'item' ? ['itemRateTokens', 'itemRateRefilledAt'] : ['rateTokens', 'rateRefilledAt']
  return transaction(db, async (tx) => {
    const [row] = await tx.$queryRawUnsafe<Array<{ tokens: number; at: Date }>>(
      `SELECT "${tokensCol}" AS tokens, "${atCol}" AS at FROM "ChannelOrderIntake" WHERE "channelId" = $1::uuid AND path = $2 FOR UPDATE`,
      channelId,
      poller.path,
    )
    // A 429 set the refill time to its Retry-After: nothing is granted before then.
    if (row.at.getTime() > now.getTime()) return { granted: 0, waitMs: row.at.getTime() - now.getTime() }
    const t = take(
      refill({ tokens: row.tokens, refilledAt: row.at }, budget.ratePerSecond, budget.burst, now),
      wanted,
      budget.ratePerSecond,
    )
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelOrderIntake" SET "${tokensCol}" = $3, "${atCol}" = $4::timestamptz WHERE "channelId" = $1::uuid AND path = $2`,
      channelId,
      poller.path,
      t.bucket.tokens,
      t.bucket.refilledAt.toISOString(),
    )
    return { granted: t.granted, waitMs: t.waitMs }
  })
}

async function writeCursor(
  db: Db,
  channelId: string,
  path: IntakePath,
  cursor: Cursor | null,
  cursorAt: string | null,
): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE "ChannelOrderIntake" SET cursor = $3, "cursorAt" = CASE WHEN $4::timestamptz IS NULL THEN "cursorAt" ELSE GREATEST("cursorAt", $4::timestamptz) END, "updatedAt" = now()
      WHERE "channelId" = $1::uuid AND path = $2`,
    channelId,
    path,
    cursor ? JSON.stringify(cursor) : null,
    cursorAt,
  )
}

export interface PollOptions {
  now?: () => Date
  force?: boolean
  maxPages?: number
  clients?: OrdersClients
  sleep?: (ms: number) => Promise<void>
}

/** One run of a channel's order poller (a job; one at a time per channel). */
export async function pollChannelOrders(
  db: PrismaClient,
  channelId: string,
  opts: PollOptions = {},
): Promise<PollResult> {
  const now = opts.now ?? (() => new Date())
  const channel = await db.channel.findUnique({
    where: { id: channelId },
    select: { id: true, code: true, kind: true, settings: true, credentialsEnc: true, createdAt: true },
  })
  if (!channel) return { channel: channelId, outcome: 'not_polled', pages: 0, orders: 0 }
  let poller: Poller | null
  try {
    poller = pollerFor(channel, opts.clients ?? {})
  } catch (e) {
    const path: IntakePath = channel.kind === 'shopify' ? 'reconcile_poll' : 'poll'
    await recordIntake(db, channel.id, path, { poll: true, failure: `Not configured: ${(e as Error).message}` }, now())
    return { channel: channel.code, outcome: 'failed', pages: 0, orders: 0, error: (e as Error).message }
  }
  if (!poller) return { channel: channel.code, outcome: 'not_polled', pages: 0, orders: 0 }
  const p = poller
  const startAt = new Date(Math.max(channel.createdAt.getTime(), now().getTime() - FIRST_RUN_LOOKBACK_MS))
  const state = await ensureIntakeRow(db, channel.id, p, startAt, now())
  if (
    !opts.force &&
    state.lastPollAt &&
    now().getTime() - state.lastPollAt.getTime() < p.intervalMs - TICK_JITTER_MS &&
    !state.cursor &&
    state.consecutiveFailures === 0
  ) {
    return { channel: channel.code, outcome: 'not_due', pages: 0, orders: 0 }
  }
  // A poll's time is when it starts: the interval runs start to start. Marked at the end, a poll that
  // waited 15 s for its item budget was 45 s old at the next minute's tick and skipped it, so Amazon
  // was polled every other minute, each poll met two minutes of orders and waited for items again
  // (the 30-minute demo: Amazon intake lag p50 1.5 min and growing).
  await recordIntake(db, channel.id, p.path, { poll: true }, now())
  const ctx = pollContext(db, channel.id, p, now, opts.sleep)

  let pages = 0
  let orders = 0
  for (let i = 0; i < (opts.maxPages ?? 20); i++) {
    const row = await db.channelOrderIntake.findUniqueOrThrow({
      where: { channelId_path: { channelId: channel.id, path: p.path } },
    })
    const cursor: Cursor = row.cursor
      ? (JSON.parse(row.cursor) as Cursor)
      : { since: new Date((row.cursorAt ?? startAt).getTime() - p.overlapMs).toISOString(), next: null, newest: null }
    // Every page costs one list call of the orders API's budget, whatever the marketplace.
    const list = await ctx.spend('list', 1)
    const fetched: Fetched =
      list.granted === 0
        ? { ok: false, kind: 'budget', waitMs: list.waitMs }
        : await p.fetchPage(cursor.since, cursor.next, ctx)
    if (!fetched.ok) {
      if (fetched.kind === 'stale_token') {
        await writeCursor(db, channel.id, p.path, { ...cursor, next: null }, null)
        continue
      }
      const failure = await recordFetchFailure(db, channel.id, p.path, fetched, now)
      return { channel: channel.code, pages, orders, ...failure }
    }
    const page = fetched.page
    orders += await storeAndApplyPage(db, channel, p, cursor, page, now)
    pages++
    if (page.again) return { channel: channel.code, outcome: 'budget', pages, orders }
    if (!page.next) return { channel: channel.code, outcome: 'caught_up', pages, orders }
  }
  return { channel: channel.code, outcome: 'more_pages', pages, orders }
}

/**
 * The raw page first, committed on its own: what the marketplace said is kept whatever follows.
 * Then its orders, with the cursor and intake health in the same transaction. Returns the orders seen.
 */
async function storeAndApplyPage(
  db: PrismaClient,
  channel: { id: string; code: string },
  p: Poller,
  cursor: Cursor,
  page: Page,
  now: () => Date,
): Promise<number> {
  const receivedAt = now()
  const messageId = await transaction(db, (tx) =>
    storeInboundMessage(tx, {
      source: channelSource(channel.code),
      kind: p.kind,
      transport: p.path,
      body: page.body,
      receivedAt,
    }),
  )
  const newest = later(cursor.newest, page.newest)
  try {
    const r = await processNativeMessage(db, messageId, {
      inside: async (tx) => {
        if (page.next || page.again)
          await writeCursor(tx, channel.id, p.path, { since: cursor.since, next: page.next, newest }, null)
        else await writeCursor(tx, channel.id, p.path, null, newest)
        await recordIntake(tx, channel.id, p.path, { success: true }, receivedAt)
      },
    })
    return r ? r.applied + r.unchanged : 0
  } catch (e) {
    await recordIntake(db, channel.id, p.path, { failure: `Applying page failed: ${(e as Error).message}` }, now())
    throw e
  }
}

/** The channel's intake row for this path (created with a full budget and a starting point on first use). */
async function ensureIntakeRow(db: PrismaClient, channelId: string, p: Poller, startAt: Date, now: Date) {
  await db.$executeRawUnsafe(
    `INSERT INTO "ChannelOrderIntake"("channelId", path, "cursorAt", "rateTokens", "itemRateTokens", "rateRefilledAt", "itemRateRefilledAt")
     VALUES ($1::uuid, $2, $3::timestamptz, $4, $5, $6::timestamptz, $6::timestamptz) ON CONFLICT ("channelId", path) DO NOTHING`,
    channelId,
    p.path,
    startAt.toISOString(),
    p.list.burst,
    p.item?.burst ?? 0,
    now.toISOString(),
  )
  const state = await db.channelOrderIntake.findUniqueOrThrow({
    where: { channelId_path: { channelId, path: p.path } },
  })
  // A row another path created (webhook health) may lack a starting point.
  if (!state.cursorAt) await writeCursor(db, channelId, p.path, null, startAt.toISOString())
  return state
}

/** What a poller may ask of us: the orders API budget, and the lines we already hold. */
function pollContext(
  db: PrismaClient,
  channelId: string,
  p: Poller,
  now: () => Date,
  sleep: ((ms: number) => Promise<void>) | undefined,
): PollContext {
  return {
    spend: (which, wanted) => spendOrdersBudget(db, channelId, p, which, wanted, now()),
    giveBack: async (n) => {
      if (n <= 0 || !p.item) return
      await db.$executeRawUnsafe(
        `UPDATE "ChannelOrderIntake" SET "itemRateTokens" = LEAST($3::float8, "itemRateTokens" + $4::float8) WHERE "channelId" = $1::uuid AND path = $2`,
        channelId,
        p.path,
        p.item.burst,
        n,
      )
    },
    known: (orderIds) => knownNativeLines(db, channelId, orderIds),
    sleep: sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  }
}

/** The stored lines of these orders, with each order's oldest update. */
async function knownNativeLines(db: PrismaClient, channelId: string, orderIds: string[]) {
  const known = new Map<string, { updatedAt: Date; lines: KnownAmazonLine[] }>()
  if (orderIds.length === 0) return known
  const rows = await db.$queryRawUnsafe<Array<KnownAmazonLine & { orderId: string; updatedAt: Date }>>(
    `SELECT "orderId", "lineId", sku, quantity, "cancelledQuantity", "shippedQuantity", "updatedAt" FROM "NativeOrderLine"
      WHERE "channelId" = $1::uuid AND "orderId" = ANY($2::text[]) ORDER BY "orderId", "lineId"`,
    channelId,
    orderIds,
  )
  for (const { orderId, updatedAt, ...line } of rows) {
    const k = known.get(orderId)
    if (!k) known.set(orderId, { updatedAt, lines: [line] })
    else {
      k.lines.push(line)
      if (updatedAt < k.updatedAt) k.updatedAt = updatedAt
    }
  }
  return known
}

/** A page that could not be fetched: out of budget, or failed (a throttle empties the list budget until its Retry-After). */
async function recordFetchFailure(
  db: PrismaClient,
  channelId: string,
  path: IntakePath,
  fetched: Extract<Fetched, { ok: false; kind: 'budget' | 'failure' }>,
  now: () => Date,
): Promise<{ outcome: 'budget' } | { outcome: 'failed'; error: string }> {
  if (fetched.kind === 'budget') return { outcome: 'budget' }
  if (fetched.throttled) {
    const until = new Date(now().getTime() + (fetched.retryAfterMs ?? 0))
    await db.$executeRawUnsafe(
      `UPDATE "ChannelOrderIntake" SET "rateTokens" = 0, "rateRefilledAt" = $3::timestamptz WHERE "channelId" = $1::uuid AND path = $2`,
      channelId,
      path,
      until.toISOString(),
    )
  }
  await recordIntake(db, channelId, path, { failure: fetched.message }, now())
  return { outcome: 'failed', error: fetched.message }
}

/**
 * The crontab's minute tick: one poll job per polled channel (each channel's polls run one at a time).
 * A paused channel is polled too: pausing stops our publishing, not the marketplace's buyers.
 */
export async function scheduleOrderPolls(db: PrismaClient): Promise<number> {
  const channels = await db.channel.findMany({
    where: { kind: { in: ['amazon', 'walmart', 'shopify'] } },
    select: { id: true },
  })
  for (const c of channels)
    await enqueue(
      db,
      'pollChannelOrders',
      { channelId: c.id },
      { jobKey: `poll-orders:${c.id}`, jobKeyMode: 'preserve_run_at', queueName: `poll-orders:${c.id}` },
    )
  return channels.length
}
