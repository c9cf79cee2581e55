// POST /api/v1/channels/{channel}/orders: orders a channel took reserve stock at once. The request
// is validated and stored raw; the orders apply through apply-orders.ts in the same transaction as
// the raw message, the dead letters and the outcome.
import type { PrismaClient } from '@prisma/client'
import { transaction, withDeadlockRetry } from '../db'
import { AppError, NotFoundError, PayloadTooLargeError, ValidationError, describeIssues } from '../errors'
import { storeInboundMessage, finishInboundMessage } from './inbound-message.repository'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from './dead-letters.repository'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { MAX_BODY_BYTES, parseIsoTime } from './event.schema'
import { parseJsonText, quoted, unstorableText } from './storable-text'
import { OrderSchema } from './channel-order.schema'
import { keepOrdersWithKnownSkus } from './order-skus'
import { applyOrders, type ChannelInfo, type OrderItem } from './apply-orders'

export const MAX_ORDERS_PER_BATCH = 5000

export interface OrdersResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; code: string; message: string }>
  inboundMessageId: string
  incidents: number
}

/** The first text field of a raw order PostgreSQL could not store, named with why. */
function unstorableField(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  const o = raw as Record<string, unknown>
  for (const f of ['orderId', 'eventId', 'status', 'occurredAt']) {
    const why = typeof o[f] === 'string' ? unstorableText(o[f] as string) : null
    if (why) return `"${f}" ${why}`
  }
  if (!Array.isArray(o.lines)) return null
  for (const [i, l] of o.lines.slice(0, 1001).entries()) {
    if (typeof l !== 'object' || l === null) continue
    for (const f of ['lineId', 'sku']) {
      const v = (l as Record<string, unknown>)[f]
      const why = typeof v === 'string' ? unstorableText(v) : null
      if (why) return `"lines.${i}.${f}" ${why}`
    }
  }
  return null
}

/** A channel code from the URL that could name a channel at all (bounded, storable). */
const plausibleChannelCode = (code: string) => code.length > 0 && code.length <= 100 && unstorableText(code) === null

type RawOrders = Parameters<typeof storeInboundMessage>[1] & { source: string; body: string }
type RejectedOrder = { index: number; code: string; message: string; raw: unknown; sku?: string | null }

/**
 * Like events: the raw message, the applied orders, the rejected ones' dead letters and the
 * message's outcome commit in one transaction (2xx with every order accounted for, or nothing).
 */
export async function ingestOrders(
  db: PrismaClient,
  channelCode: string,
  body: string,
  opts: { receivedAt?: Date; exactBytes?: Buffer | null } = {},
): Promise<OrdersResult> {
  const receivedAt = opts.receivedAt ?? new Date()
  const source = `channel:${channelCode}`
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new PayloadTooLargeError('The body is larger than 10 MiB.')
  const raw: RawOrders = { source, kind: 'orders', transport: 'http', body, exactBytes: opts.exactBytes, receivedAt }
  const channel = plausibleChannelCode(channelCode)
    ? await db.channel.findUnique({ where: { code: channelCode }, select: { id: true, code: true, settings: true } })
    : null
  if (!channel)
    throw await refuseOrders(db, raw, new NotFoundError(`Unknown channel ${quoted(channelCode)}.`, 'UNKNOWN_CHANNEL'))
  const orders = await ordersOfBody(db, raw)
  const { rejected, valid } = validateOrders(orders)

  // Channel SKUs map to canonical SKUs through the channel's listing map (then aliases, then codes).
  const known = await keepOrdersWithKnownSkus(db, channel, valid, (v, sku) => ({
    index: v.index,
    code: 'UNKNOWN_SKU',
    message: `Unknown SKU ${quoted(sku)} on channel ${channelCode}: add it to the channel's listing map.`,
    raw: orders[v.index],
    sku,
  }))
  const { skuIdByInput, accepted } = known
  rejected.push(...known.rejected)
  rejected.sort((a, b) => a.index - b.index)

  const r = await commitOrders(db, raw, channel, { accepted, skuIdByInput, rejected })
  if (rejected.length > 0) emitIngestDeadLettersChanged()
  if (r.incidents > 0) emitRealtime([ROOMS.kpis, ROOMS.dashboard], 'kpis.changed', { reason: 'oversell' })
  return {
    accepted: r.accepted,
    duplicates: r.duplicates,
    incidents: r.incidents,
    rejected: rejected.map(({ index, code, message }) => ({ index, code, message })),
    inboundMessageId: r.messageId,
  }
}

/** Refused whole: the raw message and one dead letter are still kept. Returns the error to throw. */
async function refuseOrders(db: PrismaClient, raw: RawOrders, e: AppError): Promise<AppError> {
  await transaction(db, async (tx) => {
    const messageId = await storeInboundMessage(tx, raw)
    await finishInboundMessage(tx, messageId, { status: 'rejected', error: e.message })
    await recordIngestDeadLetters(tx, messageId, raw.source, [
      { index: -1, code: e.code, message: e.message, raw: raw.body.slice(0, 4096) },
    ])
  })
  emitIngestDeadLettersChanged()
  return e
}

/** The body's `orders` array, or the whole message refused (not JSON, no array, empty, too many). */
async function ordersOfBody(db: PrismaClient, raw: RawOrders): Promise<unknown[]> {
  let json: unknown
  try {
    json = parseJsonText(raw.body)
  } catch (e) {
    throw await refuseOrders(db, raw, e as AppError)
  }
  const orders = (json as { orders?: unknown })?.orders
  if (typeof json !== 'object' || json === null || !Array.isArray(orders))
    throw await refuseOrders(
      db,
      raw,
      new ValidationError('The body must be { "orders": [ ... ] }.', undefined, 'MISSING_ORDERS'),
    )
  if (orders.length === 0)
    throw await refuseOrders(db, raw, new ValidationError('"orders" is empty.', undefined, 'EMPTY_BATCH'))
  if (orders.length > MAX_ORDERS_PER_BATCH)
    throw await refuseOrders(db, raw, new PayloadTooLargeError(`A batch holds at most ${MAX_ORDERS_PER_BATCH} orders.`))
  return orders
}

/** Each order checked on its own: storable text, the schema, a valid time. */
function validateOrders(orders: unknown[]): { rejected: RejectedOrder[]; valid: OrderItem[] } {
  const rejected: RejectedOrder[] = []
  const valid: OrderItem[] = []
  orders.forEach((raw, index) => {
    const bad = unstorableField(raw)
    if (bad) {
      rejected.push({ index, code: 'INVALID_TEXT', message: `${bad}.`, raw })
      return
    }
    const r = OrderSchema.safeParse(raw)
    if (r.success && parseIsoTime(r.data.occurredAt)) valid.push({ index, order: r.data })
    else
      rejected.push({
        index,
        code: 'INVALID_ORDER',
        message: r.success ? '"occurredAt" is not a valid time.' : describeIssues(r.error.issues, { limit: 5 }),
        raw,
      })
  })
  return { rejected, valid }
}

/**
 * The raw message, the accepted orders, the dead letters and the outcome in one transaction.
 * Concurrent batches insert the same order keys and lock the same positions: a deadlock victim
 * was rolled back whole and runs again.
 */
async function commitOrders(
  db: PrismaClient,
  raw: RawOrders,
  channel: ChannelInfo,
  batch: { accepted: OrderItem[]; skuIdByInput: Map<string, string>; rejected: RejectedOrder[] },
) {
  const { accepted, skuIdByInput, rejected } = batch
  return withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      const messageId = await storeInboundMessage(tx, raw)
      const result =
        accepted.length > 0
          ? await applyOrders(tx, channel, accepted, skuIdByInput, messageId, raw.receivedAt)
          : { accepted: 0, duplicates: 0, incidents: 0 }
      await recordIngestDeadLetters(tx, messageId, raw.source, rejected)
      await finishInboundMessage(tx, messageId, {
        source: raw.source,
        status: rejected.length === 0 ? 'processed' : accepted.length === 0 ? 'rejected' : 'partially_rejected',
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejected: rejected.length,
      })
      return { ...result, messageId }
    }),
  )
}
