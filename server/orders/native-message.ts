// A stored native order message, processed from its raw form (the webhook job, the pollers, and
// replays all come through here): the message kind names the parser, the parser gives snapshots,
// native-orders.ts applies them. Kinds are the marketplace's shapes, not our transports.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { AppError } from '../errors'
import { finishInboundMessage } from '../ingest/inbound-message.repository'
import { recordIngestDeadLetters } from '../ingest/dead-letters.repository'
import { parseAmazonOrdersPage } from './amazon-orders'
import { parseB2bOrderWebhook } from './b2b-orders'
import { ingestNativeMessage, nativeSource, type NativeApplyResult, type ParsedNativeMessage } from './native-orders'
import { parseShopifyOrdersPage, parseShopifyOrderWebhook } from './shopify-orders'
import { parseWalmartOrdersPage } from './walmart-orders'
import { recordIntake, type IntakePath } from './intake-health'

export const NATIVE_KINDS = {
  shopify_order: parseShopifyOrderWebhook,
  shopify_orders_query: parseShopifyOrdersPage,
  b2b_order: parseB2bOrderWebhook,
  amazon_orders: parseAmazonOrdersPage,
  walmart_orders: parseWalmartOrdersPage,
} as const satisfies Record<string, (body: string) => ParsedNativeMessage>
export type NativeKind = keyof typeof NATIVE_KINDS

export const isNativeKind = (kind: string): kind is NativeKind => Object.hasOwn(NATIVE_KINDS, kind)

/** The source a channel's native messages are stored under (same as its orders API's). */
export const channelSource = (channelCode: string) => `channel:${channelCode}`

const PATH_OF_TRANSPORT: Record<string, IntakePath> = {
  webhook: 'webhook',
  poll: 'poll',
  reconcile_poll: 'reconcile_poll',
}

export interface ProcessOptions {
  /** Replays: the message's dead letters exist already; rejections are returned, not recorded again. */
  replay?: boolean
  inside?: (tx: Db, r: NativeApplyResult) => Promise<void>
}

/**
 * Parses and applies one stored message. Null when the message is not a native order message of
 * a known channel (nothing to do: the job drops it).
 */
export async function processNativeMessage(
  db: PrismaClient,
  messageId: string,
  opts: ProcessOptions = {},
): Promise<(NativeApplyResult & { channel: string }) | null> {
  const m = await db.inboundMessage.findUnique({
    where: { id: messageId },
    select: { id: true, source: true, kind: true, transport: true, body: true, status: true },
  })
  if (!m || !isNativeKind(m.kind) || !m.source.startsWith('channel:')) return null
  if (m.status !== 'received' && !opts.replay) return null // processed already (a job retried after commit)
  const channel = await db.channel.findUnique({
    where: { code: m.source.slice('channel:'.length) },
    select: { id: true, code: true, settings: true },
  })
  if (!channel) return null
  const parsed = NATIVE_KINDS[m.kind](m.body)
  const path = PATH_OF_TRANSPORT[m.transport]
  const inside = async (tx: Db, result: NativeApplyResult) => {
    if (path === 'webhook' && !opts.replay) {
      const problem = result.rejected[0]
      await recordIntake(
        tx,
        channel.id,
        'webhook',
        problem ? { failure: `${problem.code}: ${problem.message}` } : { success: true },
      )
    }
    if (opts.inside) await opts.inside(tx, result)
  }
  try {
    const r = await ingestNativeMessage(db, channel, m.id, parsed, { recordRejections: !opts.replay, inside })
    return { ...r, channel: channel.code }
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    // The order use case refused the whole message (e.g. the channel has no eligible location): the
    // message becomes a dead letter to replay once that is fixed, never a job failing forever, and
    // a poller moves past it (its orders are in the dead letter's raw message).
    const r: NativeApplyResult = {
      applied: 0,
      unchanged: 0,
      events: 0,
      rejected: [{ index: -1, code: e.code, message: e.message, raw: null }],
    }
    await transaction(db, async (tx) => {
      await finishInboundMessage(tx, m.id, { status: 'rejected', rejected: 1, error: e.message })
      if (!opts.replay)
        await recordIngestDeadLetters(tx, m.id, nativeSource(channel.code), [
          { index: -1, code: e.code, message: e.message, raw: { inboundMessageId: m.id } },
        ])
      await inside(tx, r)
    })
    return { ...r, channel: channel.code }
  }
}
