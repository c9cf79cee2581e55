// POST /api/v1/channels/{channel}/webhooks: a marketplace tells us about its orders. No API key:
// the marketplace's own signature authenticates it (Shopify: X-Shopify-Hmac-Sha256, base64
// HMAC-SHA256 of the raw body bytes with the app's secret = channel credential `webhookSecret`;
// B2B portal: Stocktower's X-Stocktower-Signature with the channel's `signingSecret`).
// The raw message is stored FIRST, whatever follows; then:
// - a bad or missing signature: 401, the message kept as a dead letter with the reason;
// - a delivery id seen before (X-Shopify-Webhook-Id / X-Portal-Delivery-Id, the same on every
//   retry): 200, acknowledged, not processed again;
// - otherwise 200 at once and a job processes the stored message (native-message.ts): a poison
//   payload (not JSON, not an order, an unknown SKU) still answers 200, so the marketplace stops
//   retrying it, and becomes a dead letter with the raw payload and a replay.
// Unknown channel, or a channel kind that sends no order webhooks: 404 (the message is kept).
import crypto from 'node:crypto'
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { AppError, NotFoundError } from '../errors'
import { decryptCredentials } from '../channels/credentials'
import { verifySignature } from '../channels/b2b/signature'
import { finishInboundMessage, storeInboundMessage } from '../ingest/inbound-message.repository'
import { recordIngestDeadLetters } from '../ingest/dead-letters.repository'
import { quoted, unstorableText } from '../ingest/storable-text'
import { enqueue } from '../queue/enqueue'
import { recordIntake } from './intake-health'
import { channelSource, type NativeKind } from './native-message'
import { nativeSource } from './native-orders'

/** Header lookup, case-insensitive (a Fetch `Headers` fits). */
export interface HeaderSource {
  get(name: string): string | null
}

interface WebhookKind {
  messageKind: NativeKind
  deliveryIdHeader: string
  topicHeader: string | null
  verify(
    credentials: Record<string, string>,
    headers: HeaderSource,
    rawBytes: Buffer,
    body: string,
    now: Date,
  ): string | null
}

/** Shopify: base64 HMAC-SHA256 of the raw body with the app's secret, compared in constant time. */
export function shopifyHmac(secret: string, rawBytes: Buffer): string {
  return crypto.createHmac('sha256', secret).update(rawBytes).digest('base64')
}

const WEBHOOK_KINDS: Record<string, WebhookKind> = {
  shopify: {
    messageKind: 'shopify_order',
    deliveryIdHeader: 'x-shopify-webhook-id',
    topicHeader: 'x-shopify-topic',
    verify(credentials, headers, rawBytes) {
      const secret = credentials.webhookSecret
      if (!secret) return "The channel has no webhookSecret (the Shopify app's API secret) configured."
      const sent = headers.get('x-shopify-hmac-sha256')
      if (!sent) return 'Missing X-Shopify-Hmac-Sha256.'
      const expected = Buffer.from(shopifyHmac(secret, rawBytes), 'base64')
      const received = Buffer.from(sent.trim(), 'base64')
      return received.length === expected.length && crypto.timingSafeEqual(received, expected)
        ? null
        : 'X-Shopify-Hmac-Sha256 does not match the body (wrong webhookSecret, or the body was changed).'
    },
  },
  b2b: {
    messageKind: 'b2b_order',
    deliveryIdHeader: 'x-portal-delivery-id',
    topicHeader: null,
    verify(credentials, headers, _raw, body, now) {
      const secret = credentials.signingSecret
      if (!secret) return 'The channel has no signingSecret configured.'
      const r = verifySignature({
        secrets: [secret],
        timestampHeader: headers.get('x-stocktower-timestamp'),
        signatureHeader: headers.get('x-stocktower-signature'),
        payload: body,
        nowMs: now.getTime(),
      })
      return r.ok ? null : `${r.reason}: ${r.message}.`
    },
  },
}

export interface WebhookReceipt {
  messageId: string
  duplicate: boolean
}

export async function receiveOrderWebhook(
  db: PrismaClient,
  channelCode: string,
  req: { headers: HeaderSource; body: string; exactBytes: Buffer | null },
  now: Date = new Date(),
): Promise<WebhookReceipt> {
  const rawBytes = req.exactBytes ?? Buffer.from(req.body, 'utf8')
  const plausible = channelCode.length > 0 && channelCode.length <= 100 && unstorableText(channelCode) === null
  const channel = plausible
    ? await db.channel.findUnique({
        where: { code: channelCode },
        select: { id: true, code: true, kind: true, credentialsEnc: true },
      })
    : null
  const kind = channel && Object.hasOwn(WEBHOOK_KINDS, channel.kind) ? WEBHOOK_KINDS[channel.kind] : null
  const topic = kind?.topicHeader ? (req.headers.get(kind.topicHeader)?.slice(0, 200) ?? null) : null
  const raw = {
    source: channelSource(plausible ? channelCode : '?'),
    kind: kind?.messageKind ?? 'native_order',
    transport: 'webhook',
    body: req.body,
    exactBytes: req.exactBytes,
    receivedAt: now,
  }

  /** Refused: the raw message and a dead letter with the reason are kept, then the error answers. */
  const refuse = async (e: AppError) => {
    await transaction(db, async (tx) => {
      const messageId = await storeInboundMessage(tx, raw)
      await finishInboundMessage(tx, messageId, { status: 'rejected', error: e.message })
      await recordIngestDeadLetters(tx, messageId, nativeSource(plausible ? channelCode : '?'), [
        {
          index: -1,
          code: e.code,
          message: e.message,
          raw: { topic, headers: safeHeaders(req.headers), body: req.body.slice(0, 4096) },
        },
      ])
      if (channel && e.status === 401)
        await recordIntake(tx, channel.id, 'webhook', { delivery: true, failure: `${e.code}: ${e.message}` }, now)
    })
    return e
  }
  if (!channel)
    throw await refuse(new NotFoundError(`Unknown channel ${quoted(channelCode.slice(0, 100))}.`, 'UNKNOWN_CHANNEL'))
  if (!kind)
    throw await refuse(
      new NotFoundError(
        `Channel ${channel.code} (${channel.kind}) sends no order webhooks: its orders are polled.`,
        'NO_ORDER_WEBHOOK',
      ),
    )
  let credentials: Record<string, string>
  try {
    credentials = decryptCredentials(channel.credentialsEnc)
  } catch {
    credentials = {}
  }
  const problem = kind.verify(credentials, req.headers, rawBytes, req.body, now)
  if (problem) {
    throw await refuse(new AppError('BAD_WEBHOOK_SIGNATURE', problem, 401))
  }
  // A sender without a delivery id: a byte-identical retry is still recognised by the body's hash.
  const deliveryId =
    req.headers.get(kind.deliveryIdHeader)?.trim().slice(0, 200) ||
    `sha256:${crypto.createHash('sha256').update(rawBytes).digest('hex')}`
  return acceptDelivery(db, channel.id, { deliveryId, topic }, raw, now)
}

/** A verified delivery: its raw message, once per delivery id (a retry is a processed duplicate), then its job. */
async function acceptDelivery(
  db: PrismaClient,
  channelId: string,
  delivery: { deliveryId: string; topic: string | null },
  raw: Parameters<typeof storeInboundMessage>[1],
  now: Date,
): Promise<WebhookReceipt> {
  const { deliveryId, topic } = delivery
  return transaction(db, async (tx) => {
    const messageId = await storeInboundMessage(tx, raw)
    const fresh = await tx.$executeRawUnsafe(
      `INSERT INTO "NativeWebhookDelivery"("channelId", "deliveryId", topic, "inboundMessageId", "receivedAt") VALUES ($1::uuid, $2, $3, $4::uuid, $5::timestamptz)
       ON CONFLICT ("channelId", "deliveryId") DO NOTHING`,
      channelId,
      deliveryId,
      topic,
      messageId,
      now.toISOString(),
    )
    await recordIntake(tx, channelId, 'webhook', { delivery: true }, now)
    if (fresh === 0) {
      await finishInboundMessage(tx, messageId, {
        status: 'processed',
        duplicates: 1,
        error: `A retry of delivery ${deliveryId}, already received.`,
      })
      return { messageId, duplicate: true }
    }
    // Priority and no queue of its own: the job catalogue (one at a time per channel left the demo's
    // Shopify webhooks waiting 54 s at the median behind each other).
    await enqueue(tx, 'processNativeMessage', { messageId }, { jobKey: `native-message:${messageId}` })
    return { messageId, duplicate: false }
  })
}

/** The headers worth keeping with a refused delivery (never a signature or a secret). */
function safeHeaders(h: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of [
    'x-shopify-topic',
    'x-shopify-webhook-id',
    'x-shopify-event-id',
    'x-shopify-triggered-at',
    'x-shopify-shop-domain',
    'x-shopify-api-version',
    'x-portal-delivery-id',
    'x-stocktower-timestamp',
    'content-type',
  ]) {
    const v = h.get(name)
    if (v) out[name] = v.slice(0, 200)
  }
  return out
}
