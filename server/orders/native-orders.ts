// Native order intake: every marketplace's order message (a Shopify webhook, a B2B portal webhook,
// a page of Amazon or Walmart orders, a Shopify orders query), once its raw message is stored,
// becomes snapshots of the marketplace's last word per order line: units ordered, and cumulative
// units cancelled and shipped. Messages arrive duplicated, late and out of order, so the order use
// case is never fed the message itself but the DIFFERENCE from the last state we applied per line
// (NativeOrderLine): counts only grow, an older or repeated message moves nothing, and the
// difference, the new counts and the reservations it moves commit in one transaction.
//
// Each difference is an order event of the existing use case (server/ingest/apply-orders.ts:
// created reserves, cancelled releases by line, shipped ships; kits reserve components; the ERP
// handover is unchanged) with an idempotency key made of the marketplace's own ids:
// `native:<orderId>:<lineId>:created`, `...:cancelled:<cumulative>`, `...:shipped:<cumulative>`,
// so even a NativeOrderLine row lost to a restore could not apply a unit twice. Its occurredAt is
// the marketplace's time (order time for created, update time otherwise): intake lag is measured
// from NativeOrderLine.orderedAt to the reservation.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import type { Db } from '../db'
import { transaction, withDeadlockRetry } from '../db'
import { applyOrders } from '../ingest/apply-orders'
import { keepOrdersWithKnownSkus } from '../ingest/order-skus'
import type { ChannelOrder } from '../ingest/channel-order.schema'
import { recordIngestDeadLetters, type IngestRejection } from '../ingest/dead-letters.repository'
import { finishInboundMessage } from '../ingest/inbound-message.repository'
import { quoted } from '../ingest/storable-text'
import { describeIssues } from '../errors'

const MAX_QUANTITY = 1_000_000
const id = z.string().trim().min(1).max(200)
const count = z.number().int().min(0).max(MAX_QUANTITY)
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a valid ISO-8601 time')

export const nativeOrderSchema = z.object({
  orderId: id,
  orderedAt: time,
  updatedAt: time,
  lines: z
    .array(
      z.object({
        lineId: z.string().trim().min(1).max(100),
        sku: id,
        /** Units ordered as the marketplace reports them now (Amazon lowers it on a partial buyer cancel). */
        quantity: count,
        /** Cumulative units cancelled / shipped (marketplace's word; they only ever grow). */
        cancelledQuantity: count,
        shippedQuantity: count,
      }),
    )
    .min(1)
    .max(1000),
})
export type NativeOrder = z.infer<typeof nativeOrderSchema>
export type NativeLine = NativeOrder['lines'][number]

/** A native message parsed: order snapshots, and what could not be read (kept as dead letters). */
export interface ParsedNativeMessage {
  orders: Array<{ index: number; order: unknown }>
  rejected: Array<{ index: number; code: string; message: string; raw: unknown }>
}

export interface NativeApplyResult {
  /** Snapshots that moved something (any line's counts grew). */
  applied: number
  /** Snapshots that moved nothing (older or repeated news). */
  unchanged: number
  /** Order events handed to the order use case. */
  events: number
  rejected: IngestRejection[]
}

export interface IntakeChannel {
  id: string
  code: string
  settings: unknown
}

/** The dead-letter source of native intake: replays go back through the stored raw message. */
export const nativeSource = (channelCode: string) => `native:${channelCode}`

interface MergedLine {
  orderId: string
  lineId: string
  sku: string
  quantity: number
  cancelled: number
  shipped: number
  orderedAt: string
  updatedAt: string
  index: number
}

/**
 * Applies parsed snapshots in the caller's transaction. Invalid snapshots and orders naming a SKU
 * the channel does not map are returned as rejections (nothing of that order moves: replaying it
 * after the listing map is fixed applies it whole).
 */
export async function applyNativeOrders(
  tx: Db,
  channel: IntakeChannel,
  parsed: ParsedNativeMessage,
  opts: { messageId: string; receivedAt: Date },
): Promise<NativeApplyResult> {
  const rejected: IngestRejection[] = parsed.rejected.map((r) => ({ ...r }))
  const valid: Array<{ index: number; order: NativeOrder }> = []
  for (const { index, order } of parsed.orders) {
    const r = nativeOrderSchema.safeParse(order)
    if (r.success) valid.push({ index, order: r.data })
    else
      rejected.push({ index, code: 'INVALID_ORDER', message: describeIssues(r.error.issues, { limit: 5 }), raw: order })
  }
  const known = await keepOrdersWithKnownSkus(tx, channel, valid, (v, sku) => ({
    index: v.index,
    code: 'UNKNOWN_SKU',
    message: `Unknown SKU ${quoted(sku)} in ${channel.code} order ${quoted(v.order.orderId)}: add it to the channel's listing map, then replay.`,
    raw: v.order,
    sku,
  }))
  const { skuIdByInput, accepted } = known
  rejected.push(...known.rejected)
  rejected.sort((a, b) => a.index - b.index)
  if (accepted.length === 0) return { applied: 0, unchanged: 0, events: 0, rejected }

  const lines = mergeLines(accepted)
  const { isNew, storedBy } = await storeAndLockLines(tx, channel.id, lines, opts.receivedAt)
  const { created, later, updates, moved } = lineNews(lines, isNew, storedBy)
  await writeLineUpdates(tx, channel.id, updates)
  // Reservations first, then what releases or ships them (the use case applies in array order).
  const events = [...created, ...later]
  if (events.length > 0) await applyOrders(tx, channel, events, skuIdByInput, opts.messageId, opts.receivedAt)
  await readBackSoon(
    tx,
    channel.id,
    events.filter((e) => e.order.status !== 'shipped'),
    skuIdByInput,
    opts.receivedAt,
  )
  return { applied: moved.size, unchanged: accepted.length - moved.size, events: events.length, rejected }
}

/**
 * Several snapshots of one line in one message (a page listing an order twice): the latest word
 * per count wins. A lowered quantity counts as units cancelled against the highest one seen.
 * Sorted by order and line (the lock order).
 */
function mergeLines(accepted: Array<{ index: number; order: NativeOrder }>): MergedLine[] {
  const merged = new Map<string, MergedLine>()
  for (const { index, order } of accepted) {
    for (const l of order.lines) {
      const k = `${order.orderId}\u0000${l.lineId}`
      const cur = merged.get(k)
      if (!cur) {
        merged.set(k, {
          orderId: order.orderId,
          lineId: l.lineId,
          sku: l.sku,
          quantity: l.quantity,
          cancelled: l.cancelledQuantity,
          shipped: l.shippedQuantity,
          orderedAt: order.orderedAt,
          updatedAt: order.updatedAt,
          index,
        })
        continue
      }
      const quantity = Math.max(cur.quantity, l.quantity)
      cur.cancelled = Math.max(cur.cancelled + quantity - cur.quantity, l.cancelledQuantity + quantity - l.quantity)
      cur.quantity = quantity
      cur.shipped = Math.max(cur.shipped, l.shippedQuantity)
      if (Date.parse(order.orderedAt) < Date.parse(cur.orderedAt)) cur.orderedAt = order.orderedAt
      if (Date.parse(order.updatedAt) > Date.parse(cur.updatedAt)) cur.updatedAt = order.updatedAt
    }
  }
  return [...merged.values()].sort((a, b) =>
    a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0,
  )
}

type StoredLine = {
  orderId: string
  lineId: string
  quantity: number
  cancelledQuantity: number
  shippedQuantity: number
}

/** Inserts the lines never seen (they are the created news), then locks every line in one order. */
async function storeAndLockLines(
  tx: Db,
  channelId: string,
  lines: MergedLine[],
  receivedAt: Date,
): Promise<{ isNew: Set<string>; storedBy: Map<string, StoredLine> }> {
  const inserted = await tx.$queryRawUnsafe<Array<{ orderId: string; lineId: string }>>(
    `INSERT INTO "NativeOrderLine"("channelId", "orderId", "lineId", sku, quantity, "cancelledQuantity", "shippedQuantity", "orderedAt", "updatedAt", "firstSeenAt")
     SELECT $1::uuid, o, l, s, q, 0, 0, oa, ua, $7::timestamptz FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $8::timestamptz[]) AS x(o, l, s, q, oa, ua)
     ON CONFLICT ("channelId", "orderId", "lineId") DO NOTHING RETURNING "orderId", "lineId"`,
    channelId,
    lines.map((l) => l.orderId),
    lines.map((l) => l.lineId),
    lines.map((l) => l.sku),
    lines.map((l) => l.quantity),
    lines.map((l) => l.orderedAt),
    receivedAt.toISOString(),
    lines.map((l) => l.updatedAt),
  )
  const isNew = new Set(inserted.map((r) => `${r.orderId}\u0000${r.lineId}`))
  const stored = await tx.$queryRawUnsafe<StoredLine[]>(
    `SELECT n."orderId", n."lineId", n.quantity, n."cancelledQuantity", n."shippedQuantity"
       FROM "NativeOrderLine" n JOIN unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(o, l, ord) ON n."orderId" = k.o AND n."lineId" = k.l
      WHERE n."channelId" = $1::uuid ORDER BY k.ord FOR UPDATE OF n`,
    channelId,
    lines.map((l) => l.orderId),
    lines.map((l) => l.lineId),
  )
  const storedBy = new Map(stored.map((s) => [`${s.orderId}\u0000${s.lineId}`, s]))
  return { isNew, storedBy }
}

type LineEvent = { index: number; order: ChannelOrder }
type LineUpdate = {
  orderId: string
  lineId: string
  quantity: number
  cancelled: number
  shipped: number
  updatedAt: string
}

/** What each line's snapshot says happened since we last stored it: orders to reserve, to cancel or ship, and the new counts. */
function lineNews(
  lines: MergedLine[],
  isNew: Set<string>,
  storedBy: Map<string, StoredLine>,
): { created: LineEvent[]; later: LineEvent[]; updates: LineUpdate[]; moved: Set<number> } {
  const created: LineEvent[] = []
  const later: LineEvent[] = []
  const updates: LineUpdate[] = []
  const moved = new Set<number>()
  const event = (
    l: MergedLine,
    status: ChannelOrder['status'],
    eventId: string,
    quantity: number,
    occurredAt: string,
  ) => ({
    index: l.index,
    order: {
      orderId: l.orderId,
      eventId,
      status,
      occurredAt,
      lines: [{ lineId: l.lineId, sku: l.sku, quantity }],
    } as ChannelOrder,
  })
  for (const l of lines) {
    const k = `${l.orderId}\u0000${l.lineId}`
    const s = storedBy.get(k)!
    const key = `native:${l.orderId}:${l.lineId}`
    let quantity = s.quantity
    if (isNew.has(k)) {
      if (quantity > 0) created.push(event(l, 'created', `${key}:created`, quantity, l.orderedAt))
    } else if (l.quantity > quantity) {
      // The marketplace reports more units than it first did (an order edit): the extra units reserve.
      created.push(event(l, 'created', `${key}:created:${l.quantity}`, l.quantity - quantity, l.updatedAt))
      quantity = l.quantity
    }
    // Units cancelled: as reported, plus what the reported quantity fell below the original.
    const cancelledNow = Math.min(quantity, l.cancelled + Math.max(0, quantity - l.quantity))
    const cancelled = Math.max(s.cancelledQuantity, Math.min(cancelledNow, quantity - s.shippedQuantity))
    const shipped = Math.max(s.shippedQuantity, Math.min(l.shipped, quantity - cancelled))
    if (cancelled > s.cancelledQuantity)
      later.push(event(l, 'cancelled', `${key}:cancelled:${cancelled}`, cancelled - s.cancelledQuantity, l.updatedAt))
    if (shipped > s.shippedQuantity)
      later.push(event(l, 'shipped', `${key}:shipped:${shipped}`, shipped - s.shippedQuantity, l.updatedAt))
    if (isNew.has(k) || quantity !== s.quantity || cancelled !== s.cancelledQuantity || shipped !== s.shippedQuantity)
      moved.add(l.index)
    // Every line seen records the newest marketplace update applied (pollers skip what they have).
    updates.push({ orderId: l.orderId, lineId: l.lineId, quantity, cancelled, shipped, updatedAt: l.updatedAt })
  }
  return { created, later, updates, moved }
}

/** Every line seen records the newest marketplace update applied. */
async function writeLineUpdates(tx: Db, channelId: string, updates: LineUpdate[]): Promise<void> {
  if (updates.length === 0) return
  await tx.$executeRawUnsafe(
    `UPDATE "NativeOrderLine" n SET quantity = u.q, "cancelledQuantity" = u.c, "shippedQuantity" = u.s, "updatedAt" = GREATEST(n."updatedAt", u.ua)
       FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::timestamptz[]) AS u(o, l, q, c, s, ua)
      WHERE n."channelId" = $1::uuid AND n."orderId" = u.o AND n."lineId" = u.l`,
    channelId,
    updates.map((u) => u.orderId),
    updates.map((u) => u.lineId),
    updates.map((u) => u.quantity),
    updates.map((u) => u.cancelled),
    updates.map((u) => u.shipped),
    updates.map((u) => u.updatedAt),
  )
}

/**
 * Units the marketplace sold or restocked: its number moved by them; reconciliation reads these
 * listings first, so a sale our number does not change (a capped quantity) is healed at once
 * instead of when the rotation comes round (27 minutes for 2,050 Amazon listings).
 */
async function readBackSoon(
  tx: Db,
  channelId: string,
  moving: LineEvent[],
  skuIdByInput: Map<string, string>,
  receivedAt: Date,
): Promise<void> {
  if (moving.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "readBackDueAt" = COALESCE("readBackDueAt", $3::timestamptz)
        WHERE "channelId" = $1::uuid AND active AND "skuId" = ANY($2::uuid[])`,
      channelId,
      [...new Set(moving.flatMap((e) => e.order.lines.map((l) => skuIdByInput.get(l.sku)!)))],
      receivedAt.toISOString(),
    )
  }
}

/**
 * One stored raw message's snapshots applied in one transaction with its outcome and dead letters.
 * `inside` runs in the same transaction (a poller commits its cursor there, so a page's cursor
 * moves only with its orders). `recordRejections: false` is for replays (their letters exist).
 */
export async function ingestNativeMessage(
  db: PrismaClient,
  channel: IntakeChannel,
  messageId: string,
  parsed: ParsedNativeMessage,
  opts: {
    receivedAt?: Date
    recordRejections?: boolean
    inside?: (tx: Db, r: NativeApplyResult) => Promise<void>
  } = {},
): Promise<NativeApplyResult> {
  const receivedAt = opts.receivedAt ?? new Date()
  return withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      const r = await applyNativeOrders(tx, channel, parsed, { messageId, receivedAt })
      if (opts.recordRejections !== false)
        await recordIngestDeadLetters(tx, messageId, nativeSource(channel.code), r.rejected)
      const total = parsed.orders.length + parsed.rejected.length
      await finishInboundMessage(tx, messageId, {
        status: r.rejected.length === 0 ? 'processed' : r.rejected.length >= total ? 'rejected' : 'partially_rejected',
        accepted: r.applied,
        duplicates: r.unchanged,
        rejected: r.rejected.length,
      })
      if (opts.inside) await opts.inside(tx, r)
      return r
    }),
  )
}
