// A local B2B ordering portal that receives Stocktower's signed inventory webhooks:
//   POST /webhooks/inventory  { updates: [{ sku, quantity, version }] }   (at most 500 updates)
//     -> 200 { received, results: [{ sku, status: "applied", quantity, version }
//                                 | { sku, status: "ignored", reason: "STALE_VERSION", quantity, version }
//                                 | { sku, status: "rejected", code, message }] }
//   GET  /inventory?skus=A,B,C  -> 200 { items: [{ sku, quantity }] }   (unknown SKUs are left out)
// Both are signed with X-Stocktower-Timestamp / X-Stocktower-Signature (server/channels/b2b/
// signature.ts): the body for the webhook, the request target for the read. A missing or bad
// signature, or a timestamp more than 5 minutes off, is a 401.
//
// The portal keeps the highest version per SKU: an older version arriving late (a retry
// overtaken by a newer update) is ignored, which is what a careful receiver does.
//
// Orders go the other way: when a customer orders, cancels or receives a shipment, the portal
// POSTs a signed order webhook to each subscribed URL (docs/b2b-portal-orders.md): events
// order.created / order.updated / order.cancelled / order.shipped with cumulative per-line counts,
// signed like Stocktower's own webhooks with the channel's signing secret, X-Portal-Delivery-Id the
// same on every retry; retried on a non-2xx answer, a timeout or a refused connection.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureHeaders, verifySignature } from '../server/channels/b2b/signature'
import type { SimOrder, SimOrderChange } from './core/order-book'
import { DEFAULT_WEBHOOK_KNOBS, WebhookOutbox, webhookOutboxControl, type WebhookKnobs } from './core/webhook-outbox'
import { NO_FAULT_KNOBS, type SimulatorKnobs, type SimulatorPlanName } from './core/knobs'
import { controlBody, SimulatorBase } from './core/simulator-base'
import type { ManualEdit, SimRequest, SimResponse, SimulatorOptions } from './core/simulator-base'
import { TokenBucket } from './core/token-bucket'
import { ListingStore } from './core/listing-store'

export interface B2bThrottlePlan {
  [key: string]: number
  ratePerSecond: number
  burst: number
}

export const B2B_PLANS: Record<SimulatorPlanName, SimulatorKnobs<B2bThrottlePlan>> = {
  demo: { latencyMs: 5, ...NO_FAULT_KNOBS, throttle: { ratePerSecond: 100, burst: 100 } },
  // A modest customer portal: 10 webhook calls per second, bursts of 20.
  realistic: { latencyMs: 50, ...NO_FAULT_KNOBS, throttle: { ratePerSecond: 10, burst: 20 } },
}

export const B2B_MAX_UPDATES_PER_WEBHOOK = 500

export interface B2bSimulatorOptions extends SimulatorOptions<B2bThrottlePlan> {
  /** Shared signing secret; several during a rotation's overlap window (current first). */
  secret: string | string[]
  /** Order webhook receivers made at start (the demo's Stocktower URL); signed with `secret` unless given. */
  orderWebhooks?: Array<{ url: string; secret?: string }>
  /** Order webhook delivery knobs; defaults from the plan (B2B_WEBHOOK_PLANS). */
  webhookKnobs?: Partial<WebhookKnobs>
}

/**
 * The portal's retry policy (docs/b2b-portal-orders.md): 6 retries after 10 s, 20 s, 40 s ... 320 s
 * (about 10.5 minutes), 10 s timeout; compressed 10x in the demo plan.
 */
export const B2B_WEBHOOK_PLANS: Record<SimulatorPlanName, WebhookKnobs> = {
  demo: {
    ...DEFAULT_WEBHOOK_KNOBS,
    webhookRetryUnitMs: 10_000,
    webhookMaxRetries: 6,
    webhookTimeoutMs: 10_000,
    webhookRetryScale: 0.1,
  },
  realistic: {
    ...DEFAULT_WEBHOOK_KNOBS,
    webhookRetryUnitMs: 10_000,
    webhookMaxRetries: 6,
    webhookTimeoutMs: 10_000,
    webhookRetryScale: 1,
  },
}

export type B2bOrderEvent = 'order.created' | 'order.updated' | 'order.cancelled' | 'order.shipped'
const EVENT_FOR_CHANGE: Record<SimOrderChange, B2bOrderEvent> = {
  created: 'order.created',
  partially_cancelled: 'order.updated',
  cancelled: 'order.cancelled',
  partially_shipped: 'order.updated',
  shipped: 'order.shipped',
}
const receiverSchema = z.object({ url: z.url(), secret: z.string().min(1).optional() }).strict()
const savedExtraSchema = z.object({
  receivers: z.array(receiverSchema).default([]),
  deliveries: z.unknown().optional(),
})

interface PortalStock {
  quantity: number
  /** Highest Stocktower version received; 0 for seeded or merchant-edited stock. */
  version: number
  updatedAt: string
}

const webhookSchema = z.object({
  updates: z
    .array(z.object({ sku: z.string().min(1), quantity: z.unknown(), version: z.number().int().min(0) }))
    .min(1),
})
const savedListingsSchema = z.record(
  z.string(),
  z.object({ quantity: z.number().int(), version: z.number().int(), updatedAt: z.string() }),
)

export class B2bSimulator extends SimulatorBase<B2bThrottlePlan> {
  protected readonly listings = new ListingStore<PortalStock>({
    saved: savedListingsSchema,
    show: (record, sku) => [sku, { quantity: record.quantity, version: record.version }],
    quantity: { get: (record) => record.quantity, set: (record, quantity) => void (record.quantity = quantity) },
  })
  private readonly secrets: string[]
  private bucket: TokenBucket | null = null
  private receivers: Array<{ url: string; secret?: string }> = []
  /** Order webhooks on their way (at-least-once, retried, persisted). */
  readonly webhooks: WebhookOutbox

  constructor(options: B2bSimulatorOptions) {
    super('b2b', options as B2bSimulatorOptions & Record<string, unknown>, B2B_PLANS)
    this.secrets = Array.isArray(options.secret) ? options.secret : [options.secret]
    if (this.secrets.length === 0 || this.secrets.some((secret) => !secret))
      throw new Error('B2B simulator needs a non-empty signing secret')
    this.webhooks = new WebhookOutbox({
      now: this.now,
      prng: this.prng,
      knobs: { ...B2B_WEBHOOK_PLANS[options.plan ?? 'realistic'], ...options.webhookKnobs },
      // Signed at each attempt: the timestamp must be fresh (5 minutes) when a retry arrives.
      sign: (delivery, nowMs) => signatureHeaders(delivery.secret ?? this.secrets[0]!, delivery.body, nowMs),
      onChange: () => this.markDirty(),
      log: this.log,
    })
    this.markInitialised()
    for (const receiver of options.orderWebhooks ?? []) this.addOrderWebhook(receiver)
  }

  /** Sends order webhooks to `url` from now on (once per URL), signed with `secret` or the portal's current one. */
  addOrderWebhook(receiver: { url: string; secret?: string }): void {
    const existing = this.receivers.find((r) => r.url === receiver.url)
    if (existing) existing.secret = receiver.secret ?? existing.secret
    else this.receivers.push({ ...receiver })
    this.markDirty()
  }

  orderWebhookUrls(): string[] {
    return this.receivers.map((r) => r.url)
  }

  protected onOrderChanged(order: SimOrder, change: SimOrderChange): void {
    const event = EVENT_FOR_CHANGE[change]
    for (const receiver of this.receivers) {
      const deliveryId = randomUUID()
      const body = JSON.stringify({
        deliveryId,
        event,
        occurredAt: order.updatedAt,
        order: {
          orderId: order.orderId,
          createdAt: order.createdAt,
          updatedAt: order.updatedAt,
          lines: order.lines.map((l) => ({
            lineId: l.lineId,
            sku: l.sku,
            quantity: l.quantity,
            cancelledQuantity: l.cancelledQuantity,
            shippedQuantity: l.shippedQuantity,
          })),
        },
      })
      this.webhooks.enqueue({
        deliveryId,
        topic: event,
        url: receiver.url,
        body,
        secret: receiver.secret ?? this.secrets[0]!,
        headers: {
          'content-type': 'application/json',
          'x-portal-delivery-id': deliveryId,
          'user-agent': 'Stocktower-B2B-Portal-Simulator',
        },
      })
    }
  }

  protected afterStart(): void {
    this.webhooks.start()
  }

  protected beforeClose(): void {
    this.webhooks.stop()
  }

  protected exportExtra(): unknown {
    return { receivers: this.receivers, deliveries: this.webhooks.export() }
  }

  protected importExtra(saved: unknown): void {
    if (saved === undefined) return
    const extra = savedExtraSchema.parse(saved)
    for (const receiver of extra.receivers)
      if (!this.receivers.some((r) => r.url === receiver.url)) this.receivers.push(receiver)
    this.webhooks.import(extra.deliveries)
  }

  protected extraState(): Record<string, unknown> {
    return { webhooks: { receivers: this.receivers.length, ...this.webhooks.status() } }
  }

  protected handleExtraControl(request: SimRequest): SimResponse | undefined {
    switch (`${request.method} ${request.path}`) {
      case 'GET /_sim/webhooks':
        return {
          status: 200,
          body: {
            receivers: this.orderWebhookUrls(),
            pending: this.webhooks.pending().map(({ body, secret, ...rest }) => (void body, void secret, rest)),
            attempts: this.webhooks.attemptLog.slice(-100),
            ...this.webhooks.status(),
          },
        }
      case 'POST /_sim/webhooks':
        this.addOrderWebhook(
          controlBody(receiverSchema, request, 'INVALID_WEBHOOK_RECEIVER', 'expected { url, secret? }'),
        )
        return { status: 201, body: { receivers: this.orderWebhookUrls() } }
      default:
        return webhookOutboxControl(this.webhooks, `${request.method} ${request.path}`, request.json)
    }
  }

  quantityOf(sku: string): number | null {
    return this.listings.get(sku)?.quantity ?? null
  }

  protected handleApi(request: SimRequest): SimResponse {
    const isWebhook = request.method === 'POST' && request.path === '/webhooks/inventory'
    const isRead = request.method === 'GET' && request.path === '/inventory'
    if (!isWebhook && !isRead) return portalError(404, 'NOT_FOUND', `no route ${request.method} ${request.path}`)

    const signature = verifySignature({
      secrets: this.secrets,
      timestampHeader: request.header(TIMESTAMP_HEADER),
      signatureHeader: request.header(SIGNATURE_HEADER),
      payload: isWebhook ? request.rawBody : request.target,
      nowMs: this.now(),
    })
    if (!signature.ok) return portalError(401, signature.reason, signature.message)

    const throttled = this.throttle()
    if (throttled) return throttled
    return isWebhook ? this.receiveUpdates(request) : this.readInventory(request)
  }

  protected outageResponse(retryAfterSeconds: number | undefined): SimResponse {
    const response = portalError(503, 'UNAVAILABLE', 'portal is down for maintenance')
    if (retryAfterSeconds) response.headers = { 'retry-after': String(retryAfterSeconds) }
    return response
  }

  protected serverErrorResponse(): SimResponse {
    return portalError(500, 'INTERNAL_ERROR', 'unexpected portal error')
  }

  protected onThrottleChanged(): void {
    const plan = this.knobs.throttle
    this.bucket = plan ? new TokenBucket({ capacity: plan.burst, refillPerSecond: plan.ratePerSecond }, this.now) : null
  }

  protected throttleStatus(): unknown {
    return { plan: this.knobs.throttle, tokensAvailable: this.bucket ? Math.floor(this.bucket.available()) : null }
  }

  protected applyManualEdit(edit: ManualEdit): void {
    const version = this.listings.get(edit.sku)?.version ?? 0
    this.listings.set(edit.sku, { quantity: edit.quantity, version, updatedAt: new Date(this.now()).toISOString() })
  }

  protected seedListings(skus: readonly string[], quantity: number): number {
    return this.listings.seedMissing(skus, () => ({
      quantity,
      version: 0,
      updatedAt: new Date(this.now()).toISOString(),
    }))
  }

  private receiveUpdates(request: SimRequest): SimResponse {
    const body = webhookSchema.safeParse(request.json)
    if (!body.success)
      return portalError(
        400,
        'INVALID_PAYLOAD',
        `expected { updates: [{ sku, quantity, version }] }: ${z.prettifyError(body.error)}`,
      )
    if (body.data.updates.length > B2B_MAX_UPDATES_PER_WEBHOOK) {
      return portalError(413, 'TOO_MANY_UPDATES', `at most ${B2B_MAX_UPDATES_PER_WEBHOOK} updates per call`)
    }
    const at = new Date(this.now()).toISOString()
    const results = body.data.updates.map((update) => {
      const quantity = z.number().int().min(0).max(1_000_000_000).safeParse(update.quantity)
      if (!quantity.success)
        return {
          sku: update.sku,
          status: 'rejected',
          code: 'INVALID_QUANTITY',
          message: 'quantity must be an integer from 0 to 1,000,000,000',
        }
      const current = this.listings.get(update.sku)
      if (!current && !this.knobs.autoCreateListings)
        return {
          sku: update.sku,
          status: 'rejected',
          code: 'UNKNOWN_SKU',
          message: `the portal does not list ${update.sku}`,
        }
      if (current && update.version < current.version) {
        return {
          sku: update.sku,
          status: 'ignored',
          reason: 'STALE_VERSION',
          quantity: current.quantity,
          version: current.version,
        }
      }
      this.listings.set(update.sku, { quantity: quantity.data, version: update.version, updatedAt: at })
      return { sku: update.sku, status: 'applied', quantity: quantity.data, version: update.version }
    })
    this.markDirty()
    return { status: 200, body: { received: results.length, results } }
  }

  private readInventory(request: SimRequest): SimResponse {
    const skus = (request.query.get('skus') ?? '').split(',').filter(Boolean)
    if (skus.length === 0) return portalError(400, 'INVALID_QUERY', 'skus is required, e.g. ?skus=A,B')
    if (skus.length > B2B_MAX_UPDATES_PER_WEBHOOK)
      return portalError(400, 'INVALID_QUERY', `at most ${B2B_MAX_UPDATES_PER_WEBHOOK} skus per read`)
    const items = skus.flatMap((sku) => {
      const record = this.listings.get(sku)
      return record ? [{ sku, quantity: record.quantity }] : []
    })
    return { status: 200, body: { items } }
  }

  private throttle(): SimResponse | undefined {
    if (!this.bucket) return undefined
    const taken = this.bucket.tryTake(1)
    if (taken.ok) return undefined
    this.counters.throttled += 1
    const retryAfterSeconds = Number.isFinite(taken.waitMs) ? Math.max(1, Math.ceil(taken.waitMs / 1000)) : 60
    const response = portalError(429, 'RATE_LIMITED', 'too many requests')
    response.headers = { 'retry-after': String(retryAfterSeconds) }
    return response
  }
}

function portalError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: { code, message } } }
}

export async function startB2bSimulator(options: B2bSimulatorOptions): Promise<B2bSimulator> {
  return new B2bSimulator(options).start()
}
