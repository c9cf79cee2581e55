// What every marketplace simulator shares: a framework-free `http` server, the `/_sim/*` control
// plane (health, state, config, manual edits, seeding, apply-now), fault injection (latency, 5xx,
// outage), a bounded request log that tests read, asynchronous "accepted, applied later" updates,
// and optional JSON-file persistence. Each marketplace subclass only speaks its own API.
//
// Invariants:
// - `/_sim/*` never sees injected faults, throttling or latency: it is the operator's back door.
// - Nothing here keeps the process alive after `close()`: every timer is unref'd and cleared.
// - Pending applies are data (sku, quantity, due time), so they persist and replay after a restart.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { createPrng, type Prng } from './prng'
import type { TokenIssuer } from './token-issuer'
import type { SavedListings } from './listing-store'
import { QuantityHistory, type QuantityChange } from './quantity-history'
import {
  OrderBook,
  OrderBookError,
  buySchema,
  takeLinesSchema,
  type BuyRequest,
  type TakeLinesRequest,
  type SimOrder,
  type SimOrderChange,
  type SimOrderLine,
} from './order-book'
import {
  isOutageActive,
  knobsFromOptions,
  knobsPatchSchema,
  positiveThrottleSchema,
  type KnobsPatch,
  type SimulatorKnobs,
  type SimulatorPlanName,
} from './knobs'

export type SimulatorKind = 'shopify' | 'amazon' | 'walmart' | 'b2b'

export interface SimulatorBaseOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** 0 (default) picks a free port. */
  port?: number
  /** Seeds the PRNG behind errorRate, acceptedNeverAppliedRate and apply jitter. */
  seed?: number
  /** JSON file holding listings and pending applies: loaded at start, saved on a debounce and on close. */
  stateFile?: string
  /** Injectable clock (epoch ms) for throttling, outage windows and apply due times. */
  now?: () => number
  /** How many API requests `requests` keeps (oldest dropped first). Default 1000. */
  requestLogLimit?: number
  /** Default knobs; per-knob options below override it. Default 'realistic'. */
  plan?: SimulatorPlanName
  /** One line per notable event (state file problems); default console.warn. */
  log?: (line: string) => void
}

/** What a marketplace simulator is built with: the shared options and its knobs (throttle of its own shape). */
export type SimulatorOptions<Throttle> = SimulatorBaseOptions & KnobsPatch<Throttle>

export interface SimRequest {
  method: string
  path: string
  /** The request target exactly as sent (path + query string), e.g. for signatures over it. */
  target: string
  query: URLSearchParams
  /** Lower-cased header names, as Node gives them. */
  headers: http.IncomingHttpHeaders
  rawBody: string
  header(name: string): string | undefined
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown
}

export interface SimResponse {
  status: number
  headers?: Record<string, string>
  /** Serialised as JSON; undefined sends an empty body. */
  body?: unknown
}

export interface RecordedRequest {
  at: string
  method: string
  path: string
  query: Record<string, string>
  /** Credentials are redacted. */
  headers: Record<string, string>
  /** Parsed JSON when the body was JSON, else the raw text ('' when empty). */
  body: unknown
  status: number
  response: unknown
}

export interface PendingApply {
  sku: string
  quantity: number
  dueAt: number
  submissionId: string
}

export class SimulatorConfigError extends Error {
  readonly code = 'INVALID_SIM_CONFIG'
  constructor(
    message: string,
    readonly issues: unknown,
  ) {
    super(message)
    this.name = 'SimulatorConfigError'
  }
}

const MAX_BODY_BYTES = 10 * 1024 * 1024
const SAVE_DEBOUNCE_MS = 250
/**
 * A save waits at least this many times as long as the last one took: the state file of a 200,000-SKU
 * store takes about half a second to write, and saving it 4 times a second was most of the
 * simulators' CPU (the demo's first sync waited on them). Shutdown always saves.
 */
const SAVE_COST_FACTOR = 20
const STATE_FILE_FORMAT = 'stocktower-sim/1'
const REDACTED_HEADERS = new Set([
  'authorization',
  'x-shopify-access-token',
  'x-amz-access-token',
  'wm_sec.access_token',
  'x-amz-security-token',
  'x-stocktower-signature',
])

const pendingApplySchema = z.object({
  sku: z.string(),
  quantity: z.number().int(),
  dueAt: z.number(),
  submissionId: z.string(),
})
const stateFileSchema = z.object({
  format: z.literal(STATE_FILE_FORMAT),
  kind: z.string(),
  savedAt: z.string(),
  listings: z.unknown(),
  pending: z.array(pendingApplySchema),
  /** Buyers' orders (absent in files saved before simulators sold). */
  orders: z.unknown().optional(),
  /** What a marketplace keeps beyond listings and orders (webhook subscriptions, pending deliveries). */
  extra: z.unknown().optional(),
})

const manualEditSchema = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().min(-1_000_000_000).max(1_000_000_000),
})
export type ManualEdit = z.infer<typeof manualEditSchema>

const tokenConfigSchema = z.object({ lifetimeSeconds: z.number().positive().max(86_400) })
const BUY_EXPECTED = 'expected { sku, quantity } or { lines: [{ sku, quantity }] }'
const TAKE_LINES_EXPECTED = 'expected { orderId, lines?: [{ lineId, quantity }] }'

const seedSchema = z.object({
  skus: z.array(z.string().min(1)).max(1_000_000),
  quantity: z.number().int().min(0).max(1_000_000_000).optional(),
})

export abstract class SimulatorBase<Throttle extends Record<string, number>> {
  /** The most recent API requests (not `/_sim/*`), oldest first: tests inspect what connectors sent. */
  readonly requests: RecordedRequest[] = []
  /** Every change of a SKU's shown quantity and its cause, newest last (`GET /_sim/history?sku=`). */
  private readonly history = new QuantityHistory()
  protected readonly now: () => number
  protected readonly prng: Prng
  protected readonly log: (line: string) => void
  protected knobs: SimulatorKnobs<Throttle>
  /** Counters shown in `/_sim/state`. */
  protected readonly counters = {
    requests: 0,
    throttled: 0,
    injectedErrors: 0,
    outageRejections: 0,
    lostUpdates: 0,
    applied: 0,
    ordersPlaced: 0,
    ordersCancelled: 0,
    ordersShipped: 0,
  }
  /** What buyers ordered here; each marketplace tells Stocktower about it its own way. */
  protected readonly orderBook = new OrderBook()
  private orderSequence = 0

  private readonly server: http.Server
  private readonly host: string
  private readonly port: number
  private readonly stateFile: string | undefined
  private readonly requestLogLimit: number
  private readonly patchSchema: ReturnType<typeof knobsPatchSchema<Throttle>>
  private pending: PendingApply[] = []
  private applyTimer: NodeJS.Timeout | undefined
  private applyTimerDueAt = Number.POSITIVE_INFINITY
  private saveTimer: NodeJS.Timeout | undefined
  /** How long the last state file save took (ms). */
  private lastSaveMs = 0
  private readonly latencyWaits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()
  private listeningUrl: string | undefined
  private closed = false
  private subclassReady = false

  protected constructor(
    readonly kind: SimulatorKind,
    options: SimulatorBaseOptions & Record<string, unknown>,
    private readonly plans: Record<SimulatorPlanName, SimulatorKnobs<Throttle>>,
    /** How `throttle` may be patched; default: every field of the plans, a positive number. */
    throttleSchema: z.ZodType<Partial<Throttle>> = positiveThrottleSchema(plans),
  ) {
    this.now = options.now ?? Date.now
    this.prng = createPrng(options.seed ?? 1)
    this.log = options.log ?? ((line) => console.warn(line))
    this.host = options.host ?? '127.0.0.1'
    this.port = options.port ?? 0
    this.stateFile = options.stateFile
    this.requestLogLimit = options.requestLogLimit ?? 1000
    this.patchSchema = knobsPatchSchema<Throttle>(throttleSchema)
    this.knobs = structuredClone(plans[options.plan ?? 'realistic'])
    this.server = http.createServer((req, res) => void this.route(req, res))
    // Validate construction-time knobs exactly like runtime ones (subclasses build buckets after).
    this.applyKnobsPatch(knobsFromOptions(options))
  }

  /** Base URL once started, e.g. http://127.0.0.1:41234 */
  get url(): string {
    if (!this.listeningUrl) throw new Error(`${this.kind} simulator is not started`)
    return this.listeningUrl
  }

  get config(): Readonly<SimulatorKnobs<Throttle>> {
    return this.knobs
  }

  async start(): Promise<this> {
    this.loadStateFile()
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address() as AddressInfo
    this.listeningUrl = `http://${this.host}:${address.port}`
    this.scheduleApplyTimer()
    this.afterStart()
    return this
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.applyTimer)
    clearTimeout(this.saveTimer)
    for (const wait of this.latencyWaits) {
      clearTimeout(wait.timer)
      wait.resolve()
    }
    this.latencyWaits.clear()
    this.beforeClose()
    if (this.stateFile) this.saveStateFileNow()
    if (!this.server.listening) return
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closing
  }

  /** Changes knobs at runtime (same validation as `POST /_sim/config`); returns the full config. */
  configure(patch: KnobsPatch<Throttle>): SimulatorKnobs<Throttle> {
    this.applyKnobsPatch(patch)
    return this.knobs
  }

  /** Applies every pending accepted update now, whatever its due time; returns how many. */
  applyNow(): number {
    const due = this.pending
    this.pending = []
    for (const apply of due) this.commitPending(apply)
    this.scheduleApplyTimer()
    return due.length
  }

  /** Pending accepted updates not yet visible in read-back. */
  pendingApplies(): readonly PendingApply[] {
    return this.pending
  }

  /** A merchant edits the quantity on the channel itself (drift Stocktower must detect). */
  manualEdit(edit: ManualEdit & Record<string, unknown>): void {
    const before = this.shownQuantity(edit.sku)
    this.applyManualEdit(edit)
    this.noteChange(edit.sku, before, 'manual-edit', null)
    this.markDirty()
  }

  /** Creates listings that do not exist yet (existing ones keep their quantity); returns how many were created. */
  seed(skus: readonly string[], quantity = 0): number {
    const created = this.seedListings(skus, quantity)
    if (created > 0) this.markDirty()
    return created
  }

  /** What buyers see now for a SKU (undefined: no such listing). */
  quantity(sku: string): number | undefined {
    this.settleDue()
    return this.shownQuantity(sku)
  }

  /**
   * A buyer orders: the marketplace lowers its own quantity at once and refuses (409) what it does
   * not show. The order then reaches Stocktower only through the marketplace's own path.
   */
  buy(request: BuyRequest): SimOrder {
    this.settleDue()
    const wanted = 'lines' in request ? request.lines : [{ sku: request.sku, quantity: request.quantity }]
    const perSku = new Map<string, number>()
    for (const w of wanted) perSku.set(w.sku, (perSku.get(w.sku) ?? 0) + w.quantity)
    for (const [sku, quantity] of perSku) {
      const shown = this.shownQuantity(sku)
      if (shown === undefined) throw new OrderBookError(404, 'LISTING_NOT_FOUND', `no listing for ${sku}`)
      if (shown < quantity)
        throw new OrderBookError(409, 'INSUFFICIENT_QUANTITY', `${sku} shows ${shown}, fewer than ${quantity}`)
    }
    this.orderSequence += 1
    const at = new Date(this.now()).toISOString()
    const orderId = this.newOrderId(this.orderSequence)
    for (const [sku, quantity] of perSku) {
      const before = this.shownQuantity(sku)
      this.adjustShownQuantity(sku, -quantity)
      this.noteChange(sku, before, 'buy', orderId)
    }
    const lines: SimOrderLine[] = wanted.map((w, i) => ({
      lineId: this.newLineId(orderId, i),
      sku: w.sku,
      quantity: w.quantity,
      cancelledQuantity: 0,
      shippedQuantity: 0,
      unitPriceCents: this.unitPriceCents(w.sku),
    }))
    const order = this.orderBook.add({ orderId, createdAt: at, updatedAt: at, version: 1, cancelledAt: null, lines })
    this.counters.ordersPlaced += 1
    this.markDirty()
    this.onOrderChanged(
      order,
      'created',
      lines.map((line) => ({ line, quantity: line.quantity })),
    )
    return order
  }

  /** The marketplace cancels all (or some units of some lines) of an order: the units come back. */
  cancel(request: TakeLinesRequest): SimOrder {
    this.settleDue()
    const { order, moved } = this.orderBook.take(
      request.orderId,
      'cancel',
      request.lines,
      new Date(this.now()).toISOString(),
    )
    for (const m of moved) {
      const before = this.shownQuantity(m.line.sku)
      this.adjustShownQuantity(m.line.sku, m.quantity)
      this.noteChange(m.line.sku, before, 'cancel', order.orderId)
    }
    this.counters.ordersCancelled += 1
    this.markDirty()
    this.onOrderChanged(order, order.cancelledAt ? 'cancelled' : 'partially_cancelled', moved)
    return order
  }

  /** The seller ships all (or some units of some lines) of an order. Quantities do not change. */
  ship(request: TakeLinesRequest): SimOrder {
    const { order, moved } = this.orderBook.take(
      request.orderId,
      'ship',
      request.lines,
      new Date(this.now()).toISOString(),
    )
    this.counters.ordersShipped += 1
    this.markDirty()
    const open = order.lines.some((l) => l.quantity - l.cancelledQuantity - l.shippedQuantity > 0)
    this.onOrderChanged(order, open ? 'partially_shipped' : 'shipped', moved)
    return order
  }

  /** What `GET /_sim/state` returns. */
  state(): Record<string, unknown> {
    this.settleDue()
    return {
      kind: this.kind,
      now: new Date(this.now()).toISOString(),
      config: this.knobs,
      outageActive: isOutageActive(this.knobs.outage, this.now()),
      counters: this.counters,
      pendingApplies: this.pending.length,
      throttle: this.throttleStatus(),
      ...(this.tokenIssuer()
        ? { tokens: { lifetimeSeconds: this.tokenIssuer()!.lifetimeSeconds, ...this.tokenIssuer()!.stats } }
        : {}),
      orders: this.orderBook.size,
      ...this.extraState(),
      listings: this.listings.view(),
    }
  }

  // ---- what each marketplace implements -------------------------------------------------------

  protected abstract handleApi(request: SimRequest): SimResponse | Promise<SimResponse>
  /** The marketplace's own 503 shape. */
  protected abstract outageResponse(retryAfterSeconds: number | undefined): SimResponse
  /** The marketplace's own 500 shape (injected errors). */
  protected abstract serverErrorResponse(): SimResponse
  /** Rebuild rate-limit buckets after the throttle plan changed. */
  protected abstract onThrottleChanged(): void
  protected abstract throttleStatus(): unknown
  protected abstract applyManualEdit(edit: ManualEdit & Record<string, unknown>): void
  protected abstract seedListings(skus: readonly string[], quantity: number): number
  /** The marketplace's listings: saved, restored and shown the same way by every simulator. */
  protected abstract readonly listings: SavedListings

  /** The key of the listing buyers buy a SKU from (default: the SKU itself); undefined when there is none. */
  protected listingKey(sku: string): string | undefined {
    return sku
  }

  /** What buyers see for a SKU now; undefined when there is no such listing. */
  protected shownQuantity(sku: string): number | undefined {
    const key = this.listingKey(sku)
    return key === undefined ? undefined : this.listings.shown(key)
  }

  /** A sale (negative) or a cancellation (positive) moves the marketplace's own quantity. */
  protected adjustShownQuantity(sku: string, delta: number): void {
    const key = this.listingKey(sku)
    if (key !== undefined) this.listings.adjustShown(key, delta, this.now())
  }

  /** An accepted update becomes visible on the listing enqueueApply named (its `sku` is that listing's key). */
  protected commitApply(apply: PendingApply): void {
    this.listings.setShown(apply.sku, apply.quantity, this.now())
  }

  /** The marketplace's own order id shape (sequence starts at 1, deterministic). */
  protected newOrderId(sequence: number): string {
    return `${this.kind.toUpperCase()}-${String(sequence).padStart(6, '0')}`
  }

  /** The marketplace's own line id shape. */
  protected newLineId(orderId: string, index: number): string {
    void orderId
    return String(index + 1)
  }

  /** A stable price per SKU (the simulators know no catalogue): 5.00 to 104.99. */
  protected unitPriceCents(sku: string): number {
    let hash = 0
    for (const ch of sku) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
    return 500 + (hash % 10_000)
  }

  /**
   * An order was placed, cancelled or shipped: the marketplace tells Stocktower its own way
   * (webhooks) or makes it visible to its orders API. Default: nothing (readers use `orderBook`).
   */
  protected onOrderChanged(
    order: SimOrder,
    change: SimOrderChange,
    moved: Array<{ line: SimOrderLine; quantity: number }>,
  ): void {
    void order
    void change
    void moved
  }

  /** Started listening (e.g. resume webhook deliveries loaded from the state file). */
  protected afterStart(): void {}

  /** Closing: stop background work (the state file is saved right after). */
  protected beforeClose(): void {}

  /** State beyond listings and orders that must survive a restart (saved as `extra`). */
  protected exportExtra(): unknown {
    return undefined
  }

  /** Restores what exportExtra saved (undefined for files without it). */
  protected importExtra(saved: unknown): void {
    void saved
  }

  /** A marketplace's own `/_sim/*` routes (e.g. webhook subscriptions); undefined: not one of them. */
  protected handleExtraControl(request: SimRequest): SimResponse | undefined {
    void request
    return undefined
  }

  /** Extra fields for `GET /_sim/state` (e.g. webhook delivery counters). */
  protected extraState(): Record<string, unknown> {
    return {}
  }

  // ---- helpers for subclasses -----------------------------------------------------------------

  /**
   * Takes an accepted update to apply after applyDelayMs (+ jitter), or never with probability
   * acceptedNeverAppliedRate. Per SKU, applies keep submission order (a later submission never
   * becomes visible before an earlier one). Returns whether it will ever apply.
   */
  protected enqueueApply(sku: string, quantity: number, submissionId: string): boolean {
    if (this.prng.chance(this.knobs.acceptedNeverAppliedRate)) {
      this.counters.lostUpdates += 1
      return false
    }
    const jitter = this.knobs.applyJitterMs > 0 ? Math.floor(this.prng.next() * (this.knobs.applyJitterMs + 1)) : 0
    const delay = this.knobs.applyDelayMs + jitter
    if (delay === 0 && !this.pending.some((apply) => apply.sku === sku)) {
      this.commitPending({ sku, quantity, dueAt: this.now(), submissionId })
      return true
    }
    const lastForSku = this.pending.reduce(
      (latest, apply) => (apply.sku === sku ? Math.max(latest, apply.dueAt) : latest),
      0,
    )
    const dueAt = Math.max(this.now() + delay, lastForSku)
    this.pending.push({ sku, quantity, dueAt, submissionId })
    this.pending.sort((a, b) => a.dueAt - b.dueAt)
    this.markDirty()
    this.scheduleApplyTimer()
    return true
  }

  /** Schedules a debounced save of the state file (no-op without one). */
  protected markDirty(): void {
    if (!this.stateFile || this.closed || this.saveTimer) return
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = undefined
        this.saveStateFileNow()
      },
      Math.max(SAVE_DEBOUNCE_MS, this.lastSaveMs * SAVE_COST_FACTOR),
    )
    this.saveTimer.unref()
  }

  protected newSubmissionId(): string {
    // Deterministic per seed (tests), shaped like Amazon's 32-hex submission ids.
    let id = ''
    for (let i = 0; i < 4; i++)
      id += Math.floor(this.prng.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0')
    return id
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Records a change of what buyers see for `sku` (from `before`) with its cause, for `GET /_sim/history`. */
  protected noteChange(
    sku: string,
    before: number | undefined,
    cause: QuantityChange['cause'],
    ref: string | null,
  ): void {
    const after = this.shownQuantity(sku)
    if (after === undefined) return
    this.history.add(sku, { at: new Date(this.now()).toISOString(), from: before ?? null, to: after, cause, ref })
  }

  private applyKnobsPatch(patch: unknown): void {
    const parsed = this.patchSchema.safeParse(patch)
    if (!parsed.success) {
      throw new SimulatorConfigError(
        `invalid ${this.kind} simulator config: ${z.prettifyError(parsed.error)}`,
        parsed.error.issues,
      )
    }
    const { plan, throttle, ...common } = parsed.data
    const base = plan ? structuredClone(this.plans[plan]) : this.knobs
    const definedCommon = Object.fromEntries(Object.entries(common).filter(([, value]) => value !== undefined))
    let nextThrottle = base.throttle
    if (throttle === null) nextThrottle = null
    else if (throttle) {
      const merged = { ...(base.throttle ?? this.plans.realistic.throttle), ...throttle } as Throttle
      nextThrottle = merged
    }
    const throttleChanged = JSON.stringify(nextThrottle) !== JSON.stringify(this.knobs.throttle) || plan !== undefined
    this.knobs = { ...base, ...definedCommon, throttle: nextThrottle } as SimulatorKnobs<Throttle>
    // The first call runs inside the base constructor, before subclass fields exist; subclasses
    // build their buckets in markInitialised() at the end of their own constructor.
    if (throttleChanged && this.subclassReady) this.onThrottleChanged()
  }

  /** Subclasses call this last in their constructor, once their own fields exist. */
  protected markInitialised(): void {
    this.subclassReady = true
    this.onThrottleChanged()
  }

  private commitPending(apply: PendingApply): void {
    const before = this.shownQuantity(apply.sku)
    this.commitApply(apply)
    this.noteChange(apply.sku, before, 'apply', apply.submissionId)
    this.counters.applied += 1
    this.markDirty()
  }

  /** Applies whatever is due by the (possibly injected) clock. */
  private settleDue(): void {
    if (this.pending.length === 0) return
    const at = this.now()
    let dueCount = 0
    while (dueCount < this.pending.length && this.pending[dueCount]!.dueAt <= at) dueCount++
    if (dueCount === 0) return
    const due = this.pending.splice(0, dueCount)
    for (const apply of due) this.commitPending(apply)
  }

  private scheduleApplyTimer(): void {
    if (this.closed || !this.listeningUrl) return
    const next = this.pending[0]
    if (!next) {
      clearTimeout(this.applyTimer)
      this.applyTimer = undefined
      this.applyTimerDueAt = Number.POSITIVE_INFINITY
      return
    }
    if (this.applyTimer && this.applyTimerDueAt <= next.dueAt) return
    clearTimeout(this.applyTimer)
    this.applyTimerDueAt = next.dueAt
    const delay = Math.min(Math.max(0, next.dueAt - this.now()), 2_000_000_000)
    this.applyTimer = setTimeout(() => {
      this.applyTimer = undefined
      this.applyTimerDueAt = Number.POSITIVE_INFINITY
      this.settleDue()
      // With an injected clock that has not reached the due time, poll gently instead of spinning.
      if (this.pending[0] && this.pending[0].dueAt > this.now()) {
        this.applyTimer = setTimeout(() => {
          this.applyTimer = undefined
          this.scheduleApplyTimer()
        }, 50)
        this.applyTimer.unref()
        return
      }
      this.scheduleApplyTimer()
    }, delay)
    this.applyTimer.unref()
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://simulator.local')
      const rawBody = await readBody(req)
      if (rawBody === undefined)
        return sendJson(res, {
          status: 413,
          body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'body over 10 MiB' } },
        })
      const request = toSimRequest(req, url, rawBody)
      if (url.pathname.startsWith('/_sim/')) return sendJson(res, this.handleControl(request))
      this.counters.requests += 1
      this.settleDue()
      const response = await this.handleWithFaults(request)
      if (this.closed) return void res.destroy()
      this.recordRequest(request, response)
      sendJson(res, response)
      this.scheduleApplyTimer()
    } catch (error) {
      // A bug in a simulator must show as a 500 with a reason, not a hung socket.
      if (!res.headersSent)
        sendJson(res, { status: 500, body: { error: { code: 'SIMULATOR_BUG', message: String(error) } } })
      else res.destroy()
    }
  }

  private async handleWithFaults(request: SimRequest): Promise<SimResponse> {
    if (this.knobs.latencyMs > 0) await this.wait(this.knobs.latencyMs)
    const at = this.now()
    if (isOutageActive(this.knobs.outage, at)) {
      this.counters.outageRejections += 1
      const retryAfter =
        typeof this.knobs.outage === 'number' ? Math.max(1, Math.ceil((this.knobs.outage - at) / 1000)) : undefined
      return this.outageResponse(retryAfter)
    }
    if (this.prng.chance(this.knobs.errorRate)) {
      this.counters.injectedErrors += 1
      return this.serverErrorResponse()
    }
    return this.handleApi(request)
  }

  private handleControl(request: SimRequest): SimResponse {
    const route = `${request.method} ${request.path}`
    try {
      switch (route) {
        case 'GET /_sim/health':
          return { status: 200, body: { status: 'ok', kind: this.kind } }
        case 'GET /_sim/state':
          return { status: 200, body: this.state() }
        case 'GET /_sim/history': {
          const sku = request.query.get('sku')
          if (!sku) return controlError(400, 'INVALID_QUERY', 'sku is required')
          return { status: 200, body: { sku, changes: this.history.of(sku) } }
        }
        case 'GET /_sim/requests': {
          const limit = Number(request.query.get('limit') ?? 100)
          return { status: 200, body: { requests: this.requests.slice(-Math.max(1, limit)) } }
        }
        case 'POST /_sim/config':
          return { status: 200, body: { config: this.configure((request.json ?? {}) as KnobsPatch<Throttle>) } }
        case 'POST /_sim/manual-edit':
          this.manualEdit(controlBody(manualEditSchema.loose(), request, 'INVALID_MANUAL_EDIT'))
          return { status: 200, body: { ok: true } }
        case 'POST /_sim/seed': {
          const seed = controlBody(seedSchema, request, 'INVALID_SEED')
          return { status: 200, body: { created: this.seed(seed.skus, seed.quantity) } }
        }
        case 'GET /_sim/quantity': {
          const sku = request.query.get('sku')
          if (!sku) return controlError(400, 'INVALID_QUERY', 'sku is required')
          const quantity = this.quantity(sku)
          if (quantity === undefined) return controlError(404, 'LISTING_NOT_FOUND', `no listing for ${sku}`)
          return { status: 200, body: { sku, quantity } }
        }
        case 'POST /_sim/buy': {
          const wanted = controlBody(buySchema, request, 'INVALID_ORDER', BUY_EXPECTED)
          // { orderId } is the contract; the order (with the marketplace's line ids) lets buyers cancel by line.
          const order = this.buy(wanted)
          return { status: 201, body: { orderId: order.orderId, order } }
        }
        case 'POST /_sim/cancel': {
          const order = this.cancel(controlBody(takeLinesSchema, request, 'INVALID_CANCEL', TAKE_LINES_EXPECTED))
          return { status: 200, body: { order } }
        }
        case 'POST /_sim/ship': {
          const order = this.ship(controlBody(takeLinesSchema, request, 'INVALID_SHIPMENT', TAKE_LINES_EXPECTED))
          return { status: 200, body: { order } }
        }
        case 'GET /_sim/orders': {
          const limit = Number(request.query.get('limit') ?? 100)
          return {
            status: 200,
            body: { orders: this.orderBook.orders().slice(-Math.max(1, Number.isFinite(limit) ? limit : 100)) },
          }
        }
        case 'POST /_sim/apply-now':
          return { status: 200, body: { applied: this.applyNow() } }
        case 'POST /_sim/tokens': {
          // Shorter token lifetimes at runtime (e.g. make tokens expire every few seconds in a demo).
          const issuer = this.tokenIssuer()
          if (!issuer) return controlError(404, 'NOT_FOUND', `the ${this.kind} simulator issues no access tokens`)
          const body = controlBody(tokenConfigSchema, request, 'INVALID_TOKEN_CONFIG')
          issuer.setLifetime(body.lifetimeSeconds)
          return { status: 200, body: { lifetimeSeconds: issuer.lifetimeSeconds } }
        }
        default:
          return (
            this.handleExtraControl(request) ?? controlError(404, 'NOT_FOUND', `no simulator control route ${route}`)
          )
      }
    } catch (error) {
      if (error instanceof z.ZodError) return controlError(400, 'INVALID_SIM_REQUEST', z.prettifyError(error))
      if (error instanceof SimulatorConfigError) return controlError(400, error.code, error.message)
      if (error instanceof SimulatorInputError) return controlError(400, error.code, error.message)
      if (error instanceof OrderBookError) return controlError(error.status, error.code, error.message)
      throw error
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.latencyWaits.delete(entry)
          resolve()
        }, ms),
      }
      entry.timer.unref()
      this.latencyWaits.add(entry)
    })
  }

  /** The simulator's access token issuer, for marketplaces that issue tokens (Walmart, Amazon). */
  protected tokenIssuer(): TokenIssuer | undefined {
    return undefined
  }

  /** True for requests that carry secrets in their body or answer (token exchanges): logged redacted. */
  protected carriesSecrets(request: SimRequest): boolean {
    void request
    return false
  }

  private recordRequest(request: SimRequest, response: SimResponse): void {
    const secret = this.carriesSecrets(request)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue
      headers[name] = REDACTED_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value
    }
    this.requests.push({
      at: new Date(this.now()).toISOString(),
      method: request.method,
      path: request.path,
      query: Object.fromEntries(request.query),
      headers,
      body: secret ? '[redacted]' : request.json !== undefined ? request.json : request.rawBody,
      status: response.status,
      response: secret ? '[redacted]' : response.body,
    })
    if (this.requests.length > this.requestLogLimit)
      this.requests.splice(0, this.requests.length - this.requestLogLimit)
  }

  private loadStateFile(): void {
    if (!this.stateFile || !fs.existsSync(this.stateFile)) return
    try {
      const saved = stateFileSchema.parse(JSON.parse(fs.readFileSync(this.stateFile, 'utf8')))
      if (saved.kind !== this.kind) throw new Error(`file holds a ${saved.kind} simulator's state`)
      this.listings.import(saved.listings)
      this.orderBook.import(saved.orders)
      this.orderSequence = this.orderBook.size
      this.importExtra(saved.extra)
      this.pending = [...saved.pending].sort((a, b) => a.dueAt - b.dueAt)
    } catch (error) {
      // A corrupt demo state file must not stop the demo: start empty and keep the bad file aside.
      const aside = `${this.stateFile}.corrupt-${Date.now()}`
      this.log(
        `[sim:${this.kind}] ignoring unreadable state file ${this.stateFile} (${String(error)}); moved to ${aside}`,
      )
      try {
        fs.renameSync(this.stateFile, aside)
      } catch {
        // Nothing more to do: the next save overwrites it.
      }
    }
  }

  private saveStateFileNow(): void {
    if (!this.stateFile) return
    const started = performance.now()
    const content = JSON.stringify({
      format: STATE_FILE_FORMAT,
      kind: this.kind,
      savedAt: new Date().toISOString(),
      listings: this.listings.export(),
      pending: this.pending,
      orders: this.orderBook.export(),
      extra: this.exportExtra(),
    })
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true })
    // Write then rename so a crash mid-write never leaves half a file behind.
    const temporary = `${this.stateFile}.tmp-${process.pid}`
    fs.writeFileSync(temporary, content)
    fs.renameSync(temporary, this.stateFile)
    this.lastSaveMs = performance.now() - started
  }
}

/** A bad `/_sim/*` request body that a subclass rejects (e.g. a manual edit naming an unknown location). */
export class SimulatorInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'SimulatorInputError'
  }
}

/**
 * A `/_sim/*` request body read through `schema`. One that fails it is refused with a 400 `code`
 * (thrown as a SimulatorInputError, which the control plane answers), its message saying what was
 * `expected` before what was wrong.
 */
export function controlBody<T>(schema: z.ZodType<T>, request: SimRequest, code: string, expected?: string): T {
  const parsed = schema.safeParse(request.json)
  if (parsed.success) return parsed.data
  const problems = z.prettifyError(parsed.error)
  throw new SimulatorInputError(code, expected ? `${expected}: ${problems}` : problems)
}

function controlError(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: { code, message } } }
}

function toSimRequest(req: http.IncomingMessage, url: URL, rawBody: string): SimRequest {
  let json: unknown
  if (rawBody.length > 0) {
    try {
      json = JSON.parse(rawBody)
    } catch {
      json = undefined
    }
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    target: req.url ?? '/',
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    json,
    header: (name) => {
      const value = req.headers[name.toLowerCase()]
      return Array.isArray(value) ? value[0] : value
    },
  }
}

/** Resolves undefined when the body exceeds MAX_BODY_BYTES. */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function sendJson(res: http.ServerResponse, response: SimResponse): void {
  const payload = response.body === undefined ? '' : JSON.stringify(response.body)
  res.writeHead(response.status, {
    ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(payload),
    ...response.headers,
  })
  res.end(payload)
}
