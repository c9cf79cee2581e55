// The outgoing webhook queue of a simulated marketplace (Shopify's order webhooks, the B2B portal's
// order webhook): asynchronous, at-least-once, retried on a non-2xx answer, a timeout or a refused
// connection, with the marketplace's own backoff schedule.
//
// Shopify documents the behaviour modelled here (shopify.dev/docs/apps/build/webhooks, "Updates to
// webhook retry mechanism", 2024-09-10): a delivery that gets no 2xx within 5 seconds is retried
// 8 times over 4 hours with exponential backoff, each retry carrying the original payload, the
// original X-Shopify-Webhook-Id and X-Shopify-Triggered-At; receivers must expect duplicates and
// deliveries out of order. The schedule here is 1, 2, 4 ... 128 units of `retryUnitMs` (255 units:
// 56 s units make 3 h 58 min), compressed for demos and tests by `retryScale`.
//
// Invariants:
// - A delivery is removed on its first 2xx and never sent again (duplicates are separate, counted
//   injections that reuse the delivery's id, as Shopify's own duplicates do).
// - Deliveries are data (url, headers, body, due time, attempts): they persist in the state file
//   and resume after a restart. Signatures that expire (the B2B portal's timestamped one) are
//   computed at each attempt by `sign`, never stored.
// - Decisions (duplicate, reorder) draw from the simulator's seeded PRNG: a fixed seed replays them.
// - Nothing keeps the process alive: timers are unref'd, `stop()` aborts what is in flight.
import { z } from 'zod'
import type { Prng } from './prng'

export const webhookKnobsSchema = z.object({
  /** Fraction (0..1) of successful deliveries delivered once more, with the same delivery id. */
  webhookDuplicateRate: z.number().min(0).max(1),
  /** Fraction (0..1) of new deliveries held back by webhookReorderDelayMs, so later ones overtake them. */
  webhookReorderRate: z.number().min(0).max(1),
  webhookReorderDelayMs: z.number().int().min(0).max(86_400_000),
  /** Delay between an order change and its first delivery attempt. */
  webhookDelayMs: z.number().int().min(0).max(86_400_000),
  /** One backoff unit (the first retry's delay); retries wait 1, 2, 4 ... 128 units. */
  webhookRetryUnitMs: z.number().int().min(1).max(3_600_000),
  /** Multiplies every retry delay: 1 is the marketplace's real schedule, 0.001 compresses 4 h to 15 s. */
  webhookRetryScale: z.number().min(0).max(1),
  /** Retries after the first attempt (Shopify: 8). */
  webhookMaxRetries: z.number().int().min(0).max(50),
  /** No complete answer within this time counts as a failure (Shopify: 5 s). */
  webhookTimeoutMs: z.number().int().min(1).max(120_000),
  /** Deliveries in flight at once (1 keeps attempts in queue order, which seeded tests rely on). */
  webhookConcurrency: z.number().int().min(1).max(64),
})
export type WebhookKnobs = z.infer<typeof webhookKnobsSchema>
export const webhookKnobsPatchSchema = webhookKnobsSchema.partial().strict()

export const DEFAULT_WEBHOOK_KNOBS: WebhookKnobs = {
  webhookDuplicateRate: 0,
  webhookReorderRate: 0,
  webhookReorderDelayMs: 1_000,
  webhookDelayMs: 0,
  webhookRetryUnitMs: 56_000,
  webhookRetryScale: 1,
  webhookMaxRetries: 8,
  webhookTimeoutMs: 5_000,
  webhookConcurrency: 1,
}

export const webhookDeliverySchema = z.object({
  /** Same on every attempt and on injected duplicates (X-Shopify-Webhook-Id, X-Portal-Delivery-Id). */
  deliveryId: z.string(),
  /** What the delivery is about (a topic or event name), for counters and tests. */
  topic: z.string(),
  url: z.string(),
  /** Headers fixed at creation (topic, ids, triggered-at, a body HMAC). */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  /** Which secret `sign` uses at each attempt (absent: no per-attempt signature). */
  secret: z.string().optional(),
  createdAt: z.number(),
  dueAt: z.number(),
  /** Attempts made so far. */
  attempts: z.number().int().min(0),
  /** An injected duplicate (counted apart; never duplicated again). */
  duplicate: z.boolean().default(false),
  lastError: z.string().nullable().default(null),
})
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>

export interface WebhookAttempt {
  deliveryId: string
  topic: string
  attempt: number
  at: string
  /** HTTP status, or the network failure ('timeout', 'ECONNREFUSED', ...). */
  outcome: number | string
}

export interface WebhookOutboxOptions {
  now: () => number
  prng: Prng
  knobs: WebhookKnobs
  /** Headers computed per attempt (e.g. a timestamped signature); default none. */
  sign?: (delivery: WebhookDelivery, nowMs: number) => Record<string, string>
  /** Called whenever the queue changed (persist it). */
  onChange?: () => void
  log?: (line: string) => void
}

const ATTEMPT_LOG_LIMIT = 500

export class WebhookOutbox {
  readonly counters = {
    enqueued: 0,
    attempts: 0,
    delivered: 0,
    retries: 0,
    failedAttempts: 0,
    abandoned: 0,
    duplicatesInjected: 0,
    reordered: 0,
  }
  /** The most recent attempts, oldest first (tests and /_sim/state read them). */
  readonly attemptLog: WebhookAttempt[] = []
  private knobs: WebhookKnobs
  private queue: WebhookDelivery[] = []
  private readonly inFlight = new Set<string>()
  private readonly controllers = new Set<AbortController>()
  private timer: NodeJS.Timeout | undefined
  private running = false

  constructor(private readonly options: WebhookOutboxOptions) {
    this.knobs = { ...options.knobs }
  }

  get config(): Readonly<WebhookKnobs> {
    return this.knobs
  }

  configure(patch: unknown): WebhookKnobs {
    this.knobs = { ...this.knobs, ...webhookKnobsPatchSchema.parse(patch) }
    this.schedule()
    return this.knobs
  }

  /** Deliveries not yet delivered (including the ones in flight). */
  pending(): readonly WebhookDelivery[] {
    return this.queue
  }

  /** Queues one delivery; the reorder knob may hold it back so later ones overtake it. */
  enqueue(
    delivery: Omit<WebhookDelivery, 'createdAt' | 'dueAt' | 'attempts' | 'duplicate' | 'lastError'>,
  ): WebhookDelivery {
    const at = this.options.now()
    const held = this.options.prng.chance(this.knobs.webhookReorderRate)
    if (held) this.counters.reordered += 1
    const queued: WebhookDelivery = {
      ...delivery,
      createdAt: at,
      dueAt: at + this.knobs.webhookDelayMs + (held ? this.knobs.webhookReorderDelayMs : 0),
      attempts: 0,
      duplicate: false,
      lastError: null,
    }
    this.insert(queued)
    this.counters.enqueued += 1
    this.changed()
    return queued
  }

  start(): void {
    this.running = true
    this.schedule()
  }

  /** Stops sending; what is queued stays (and persists). In-flight attempts are aborted and retried later. */
  stop(): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    for (const controller of this.controllers) controller.abort()
  }

  /** Makes every queued delivery due now (tests and demos: "retry now"). */
  flushNow(): void {
    const at = this.options.now()
    for (const delivery of this.queue) delivery.dueAt = Math.min(delivery.dueAt, at)
    this.schedule()
  }

  export(): WebhookDelivery[] {
    return this.queue.map((delivery) => ({ ...delivery }))
  }

  import(saved: unknown): void {
    for (const delivery of z.array(webhookDeliverySchema).parse(saved ?? [])) this.insert(delivery)
  }

  status(): Record<string, unknown> {
    return { config: this.knobs, pending: this.queue.length, inFlight: this.inFlight.size, ...this.counters }
  }

  /** Delay before retry number `retry` (1-based): exponential, scaled. */
  retryDelayMs(retry: number): number {
    return Math.round(this.knobs.webhookRetryUnitMs * 2 ** (retry - 1) * this.knobs.webhookRetryScale)
  }

  // ---- internals ------------------------------------------------------------------------------

  private insert(delivery: WebhookDelivery): void {
    // Stable by due time: equal due times keep enqueue order.
    let index = this.queue.length
    while (index > 0 && this.queue[index - 1]!.dueAt > delivery.dueAt) index--
    this.queue.splice(index, 0, delivery)
  }

  private changed(): void {
    this.options.onChange?.()
    this.schedule()
  }

  private schedule(): void {
    if (!this.running) return
    clearTimeout(this.timer)
    this.timer = undefined
    const at = this.options.now()
    while (this.inFlight.size < this.knobs.webhookConcurrency) {
      const next = this.queue.find(
        (delivery) => !this.inFlight.has(delivery.deliveryId + ':' + String(delivery.duplicate)),
      )
      if (!next || next.dueAt > at) break
      void this.attempt(next)
    }
    const waiting = this.queue.find(
      (delivery) => !this.inFlight.has(delivery.deliveryId + ':' + String(delivery.duplicate)),
    )
    if (!waiting || this.inFlight.size >= this.knobs.webhookConcurrency) return
    // An injected clock may stand still: poll gently rather than spin.
    const delay = Math.min(Math.max(waiting.dueAt - at, 0), 2_000_000_000) || 50
    this.timer = setTimeout(() => this.schedule(), delay)
    this.timer.unref()
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const key = delivery.deliveryId + ':' + String(delivery.duplicate)
    this.inFlight.add(key)
    const controller = new AbortController()
    this.controllers.add(controller)
    const timeout = setTimeout(() => controller.abort(new Error('timeout')), this.knobs.webhookTimeoutMs)
    timeout.unref()
    delivery.attempts += 1
    this.counters.attempts += 1
    if (delivery.attempts > 1) this.counters.retries += 1
    let outcome: number | string
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { ...delivery.headers, ...this.options.sign?.(delivery, this.options.now()) },
        body: delivery.body,
        signal: controller.signal,
      })
      // The whole answer must arrive in time, not just its status line.
      await response.arrayBuffer()
      outcome = response.status
    } catch (error) {
      outcome = controller.signal.aborted ? (this.running ? 'timeout' : 'stopped') : networkCode(error)
    } finally {
      clearTimeout(timeout)
      this.controllers.delete(controller)
      this.inFlight.delete(key)
    }
    if (outcome === 'stopped') {
      // Shutting down mid-attempt: the attempt does not count; it is made again after a restart.
      delivery.attempts -= 1
      return
    }
    this.attemptLog.push({
      deliveryId: delivery.deliveryId,
      topic: delivery.topic,
      attempt: delivery.attempts,
      at: new Date(this.options.now()).toISOString(),
      outcome,
    })
    if (this.attemptLog.length > ATTEMPT_LOG_LIMIT)
      this.attemptLog.splice(0, this.attemptLog.length - ATTEMPT_LOG_LIMIT)
    const index = this.queue.indexOf(delivery)
    if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) {
      if (index >= 0) this.queue.splice(index, 1)
      this.counters.delivered += 1
      if (!delivery.duplicate && this.options.prng.chance(this.knobs.webhookDuplicateRate)) {
        this.counters.duplicatesInjected += 1
        this.insert({
          ...delivery,
          duplicate: true,
          attempts: 0,
          lastError: null,
          dueAt: this.options.now() + this.knobs.webhookDelayMs,
        })
      }
    } else {
      this.counters.failedAttempts += 1
      delivery.lastError = String(outcome)
      if (index >= 0) this.queue.splice(index, 1)
      const retry = delivery.attempts
      if (retry > this.knobs.webhookMaxRetries) {
        this.counters.abandoned += 1
        this.options.log?.(
          `[webhooks] gave up on ${delivery.topic} ${delivery.deliveryId} to ${delivery.url} after ${delivery.attempts} attempts (last: ${outcome})`,
        )
      } else {
        delivery.dueAt = this.options.now() + this.retryDelayMs(retry)
        this.insert(delivery)
      }
    }
    this.changed()
  }
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause
  if (cause?.code) return cause.code
  return error instanceof Error ? error.message : String(error)
}

/**
 * The two control routes every webhook-sending simulator shares: `POST /_sim/webhooks/config` (the
 * delivery knobs) and `POST /_sim/webhooks/flush` (send everything pending now). Undefined for any
 * other route.
 */
export function webhookOutboxControl(
  outbox: WebhookOutbox,
  route: string,
  json: unknown,
): { status: number; body: unknown } | undefined {
  switch (route) {
    case 'POST /_sim/webhooks/config':
      return { status: 200, body: { config: outbox.configure(json ?? {}) } }
    case 'POST /_sim/webhooks/flush':
      outbox.flushNow()
      return { status: 200, body: { pending: outbox.pending().length } }
    default:
      return undefined
  }
}
