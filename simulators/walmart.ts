// A local stand-in for the Walmart Marketplace Inventory API (single-item calls):
//   PUT /v3/inventory?sku=...  { sku, quantity: { unit: "EACH", amount } }  -> 200 echo
//   GET /v3/inventory?sku=...                                             -> 200 same shape | 404
//   POST /v3/token  (Basic client id:secret, grant_type=client_credentials) -> { access_token, token_type, expires_in: 900 }
//   POST /v3/feeds?feedType=inventory[&shipNode=]  (multipart file)          -> { feedId }
//   GET  /v3/feeds/{feedId}?includeDetails=true&offset=&limit=  item statuses 50 at a time (limit <= 50)
//   GET  /v3/orders?lastModifiedStartDate=..|createdStartDate=..&limit=..  then + meta.nextCursor (walmart-orders.ts)
// Every inventory/feed call needs a token issued by /v3/token that has not expired (401
// UNAUTHORIZED.GMP_GATEWAY_API otherwise, as Walmart answers), WM_QOS.CORRELATION_ID and WM_SVC.NAME.
// `shipNode` (query) selects a fulfillment center's quantity for multi-node sellers.
// Errors use Walmart's shape { errors: [{ code, field, description, info, severity, category }] };
// over the plan it answers 429 with Retry-After, and every response reports the token bucket in
// x-current-token-count / x-next-replenish-time like Walmart does.
//
// The echo is immediate; read-back honours applyDelayMs / acceptedNeverAppliedRate (both 0 by
// default) so a test can reproduce "Walmart said OK but the site still shows the old number".
import { z } from 'zod'
import { NO_FAULT_KNOBS, type SimulatorKnobs, type SimulatorPlanName } from './core/knobs'
import { SimulatorBase } from './core/simulator-base'
import type { ManualEdit, SimRequest, SimResponse, SimulatorOptions } from './core/simulator-base'
import { TokenBucket } from './core/token-bucket'
import { ListingStore } from './core/listing-store'
import { basicCredentials, TokenIssuer } from './core/token-issuer'
import type { SimOrder } from './core/order-book'
import { customerOrderIdFor, hasLineStatus, parseWalmartOrders, walmartCursor, walmartOrder } from './walmart-orders'

export interface WalmartThrottlePlan {
  [key: string]: number
  ratePerSecond: number
  burst: number
  /** GET /v3/orders has its own token bucket. */
  ordersRatePerSecond: number
  ordersBurst: number
}

export const WALMART_PLANS: Record<SimulatorPlanName, SimulatorKnobs<WalmartThrottlePlan>> = {
  demo: {
    latencyMs: 10,
    ...NO_FAULT_KNOBS,
    throttle: { ratePerSecond: 200, burst: 200, ordersRatePerSecond: 100, ordersBurst: 200 },
  },
  // Walmart's published single-item inventory update limit: 200 calls per minute, per seller.
  realistic: {
    latencyMs: 120,
    ...NO_FAULT_KNOBS,
    autoCreateListings: false,
    // Orders: 5,000 calls per minute per seller (Walmart's rate-limiting table for "Get all orders").
    throttle: { ratePerSecond: 200 / 60, burst: 200, ordersRatePerSecond: 5_000 / 60, ordersBurst: 5_000 },
  },
}

export interface WalmartSimulatorOptions extends SimulatorOptions<WalmartThrottlePlan> {
  /** When set, POST /v3/token accepts only this client id and secret; otherwise any non-empty pair. */
  clientId?: string
  clientSecret?: string
  /** Lifetime of issued access tokens; Walmart's is 900 s. */
  tokenLifetimeSeconds?: number
}

interface InventoryRecord {
  amount: number
  updatedAt: string
}

const inventoryBodySchema = z.object({
  sku: z.string().min(1),
  quantity: z.object({ unit: z.literal('EACH'), amount: z.number().int().min(0).max(2_147_483_647) }),
})
const FEED_STATUS_PAGE_LIMIT = 50
const savedListingsSchema = z.record(z.string(), z.object({ amount: z.number().int(), updatedAt: z.string() }))

interface WalmartError {
  code: string
  field: string
  description: string
  info: string
  severity: 'ERROR' | 'WARN'
  category: 'APPLICATION' | 'DATA' | 'SYSTEM' | 'REQUEST'
}

interface WalmartFeed {
  feedId: string
  createdAt: number
  items: unknown[]
  shipNode: string | undefined
  error: boolean
  results: Array<Record<string, unknown>> | undefined
}

/** Inventory is kept per SKU for the default ship node, per `sku|shipNode` for another one. */
function inventoryKey(sku: string, shipNode: string | undefined): string {
  return shipNode ? `${sku}|${shipNode}` : sku
}

export class WalmartSimulator extends SimulatorBase<WalmartThrottlePlan> {
  protected readonly listings = new ListingStore<InventoryRecord>({
    saved: savedListingsSchema,
    show: (record, key) => [key, record.amount],
    quantity: { get: (record) => record.amount, set: (record, amount) => void (record.amount = amount) },
  })
  private readonly client: { id: string; secret: string } | undefined
  readonly tokens: TokenIssuer
  /** Inventory records received per SKU (PUTs and feed records), to prove nothing is sent twice. */
  readonly recordsReceived = new Map<string, number>()
  private bucket: TokenBucket | null = null
  private ordersBucket: TokenBucket | null = null
  private readonly feeds = new Map<string, WalmartFeed>()
  private feedCounter = 0
  /** Bulk feed timing: RECEIVED for feedReceivedMs, INPROGRESS for feedProcessingMs, then PROCESSED (or ERROR at feedErrorRate). */
  private feedKnobs = { feedReceivedMs: 1_000, feedProcessingMs: 2_000, feedErrorRate: 0 }

  constructor(options: WalmartSimulatorOptions = {}) {
    super('walmart', options as WalmartSimulatorOptions & Record<string, unknown>, WALMART_PLANS)
    this.client =
      options.clientId !== undefined ? { id: options.clientId, secret: options.clientSecret ?? '' } : undefined
    this.tokens = new TokenIssuer(this.now, options.tokenLifetimeSeconds ?? 900, 'wm-sim.')
    if (options.plan === 'realistic')
      this.feedKnobs = { feedReceivedMs: 30_000, feedProcessingMs: 120_000, feedErrorRate: 0 }
    this.markInitialised()
  }

  configureFeeds(patch: Partial<{ feedReceivedMs: number; feedProcessingMs: number; feedErrorRate: number }>) {
    this.feedKnobs = { ...this.feedKnobs, ...patch }
    return this.feedKnobs
  }

  feedsSubmitted(): Array<{ feedId: string; items: number; status: string }> {
    return [...this.feeds.values()].map((f) => ({
      feedId: f.feedId,
      items: f.items.length,
      status: this.feedStatus(f),
    }))
  }

  /** The quantity read-back shows now (null for an unknown SKU), at a ship node when given. */
  quantityOf(sku: string, shipNode?: string): number | null {
    return this.listings.get(inventoryKey(sku, shipNode))?.amount ?? null
  }

  /** Walmart purchase order ids: 13 digits. */
  protected newOrderId(sequence: number): string {
    return String(1_796_277_000_000 + sequence)
  }

  protected handleApi(request: SimRequest): SimResponse {
    if (request.path === '/v3/token') return this.issueToken(request)
    if (request.path === '/v3/orders') return this.refuseUnauthenticated(request) ?? this.getOrders(request)
    const isFeeds = request.path === '/v3/feeds' || request.path.startsWith('/v3/feeds/')
    if (!isFeeds && request.path !== '/v3/inventory') return this.noResource(request)
    const refused = this.refuseUnauthenticated(request)
    if (refused) return refused
    if (isFeeds) return this.feedsApi(request)
    const sku = request.query.get('sku')
    if (!sku) return this.invalid('sku', 'Query parameter sku is required.')
    const shipNode = request.query.get('shipNode') ?? undefined

    if (request.method === 'GET' || request.method === 'PUT') {
      const throttled = this.throttle()
      if (throttled) return throttled
    }
    if (request.method === 'GET') {
      const record = this.listings.get(inventoryKey(sku, shipNode))
      if (!record) return this.notFound(sku)
      return this.ok({ sku, quantity: { unit: 'EACH', amount: record.amount } })
    }
    if (request.method === 'PUT') return this.updateInventory(request, sku, shipNode)
    return this.methodNotAllowed(request)
  }

  protected outageResponse(retryAfterSeconds: number | undefined): SimResponse {
    const response = this.error(503, {
      code: 'SERVICE_UNAVAILABLE.GMP_GATEWAY_API',
      field: '',
      description: 'Service Unavailable',
      info: 'The service is temporarily unavailable.',
      severity: 'ERROR',
      category: 'SYSTEM',
    })
    if (retryAfterSeconds) response.headers = { ...response.headers, 'retry-after': String(retryAfterSeconds) }
    return response
  }

  protected serverErrorResponse(): SimResponse {
    return this.error(500, {
      code: 'SYSTEM_ERROR.GMP_GATEWAY_API',
      field: '',
      description: 'Internal server error',
      info: 'System encountered some internal error.',
      severity: 'ERROR',
      category: 'SYSTEM',
    })
  }

  protected onThrottleChanged(): void {
    const plan = this.knobs.throttle
    this.bucket = plan ? new TokenBucket({ capacity: plan.burst, refillPerSecond: plan.ratePerSecond }, this.now) : null
    this.ordersBucket = plan
      ? new TokenBucket({ capacity: plan.ordersBurst, refillPerSecond: plan.ordersRatePerSecond }, this.now)
      : null
  }

  protected throttleStatus(): unknown {
    return {
      plan: this.knobs.throttle,
      tokensAvailable: this.bucket ? Math.floor(this.bucket.available()) : null,
      ordersTokensAvailable: this.ordersBucket ? Math.floor(this.ordersBucket.available()) : null,
    }
  }

  protected applyManualEdit(edit: ManualEdit & Record<string, unknown>): void {
    this.listings.set(inventoryKey(edit.sku, typeof edit.shipNode === 'string' ? edit.shipNode : undefined), {
      amount: edit.quantity,
      updatedAt: new Date(this.now()).toISOString(),
    })
  }

  protected seedListings(skus: readonly string[], quantity: number): number {
    return this.listings.seedMissing(skus, () => ({ amount: quantity, updatedAt: new Date(this.now()).toISOString() }))
  }

  protected carriesSecrets(request: SimRequest): boolean {
    return request.path === '/v3/token'
  }

  protected tokenIssuer(): TokenIssuer {
    return this.tokens
  }

  /** POST /v3/token, client credentials grant (Walmart Authentication API). */
  private issueToken(request: SimRequest): SimResponse {
    if (request.method !== 'POST') return this.methodNotAllowed(request)
    const missing = this.missingHeader(request)
    if (missing) return missing
    const form = new URLSearchParams(request.rawBody)
    if (
      !/^application\/x-www-form-urlencoded/i.test(request.header('content-type') ?? '') ||
      form.get('grant_type') !== 'client_credentials'
    ) {
      return this.invalid('grant_type', 'Send grant_type=client_credentials as application/x-www-form-urlencoded.')
    }
    const basic = basicCredentials(request.header('authorization'))
    if (!basic || (this.client && (basic.id !== this.client.id || basic.secret !== this.client.secret))) {
      return this.error(401, {
        code: 'UNAUTHORIZED.GMP_GATEWAY_API',
        field: 'Authorization',
        description: 'Unauthorized',
        info: 'Invalid client id or client secret.',
        severity: 'ERROR',
        category: 'DATA',
      })
    }
    const issued = this.tokens.issue()
    return {
      status: 200,
      body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresInSeconds },
    }
  }

  /** Walmart's 401 for a missing, unknown or expired token; 400 for a missing required header. */
  private refuseUnauthenticated(request: SimRequest): SimResponse | undefined {
    const check = this.tokens.check(request.header('wm_sec.access_token'))
    if (check !== 'valid') {
      const info =
        check === 'expired'
          ? 'The access token has expired; request a new one at /v3/token.'
          : 'Unauthorized token or invalid service name.'
      return this.error(401, {
        code: 'UNAUTHORIZED.GMP_GATEWAY_API',
        field: 'UNAUTHORIZED',
        description: 'Unauthorized',
        info,
        severity: 'ERROR',
        category: 'DATA',
      })
    }
    return this.missingHeader(request)
  }

  private missingHeader(request: SimRequest): SimResponse | undefined {
    for (const header of ['wm_qos.correlation_id', 'wm_svc.name']) {
      if (!request.header(header)) {
        return this.error(400, {
          code: 'MISSING_REQUIRED_HEADER.GMP_GATEWAY_API',
          field: header.toUpperCase(),
          description: `Missing header ${header.toUpperCase()}`,
          info: 'A required request header is missing.',
          severity: 'ERROR',
          category: 'REQUEST',
        })
      }
    }
    return undefined
  }

  private countRecord(sku: string): void {
    this.recordsReceived.set(sku, (this.recordsReceived.get(sku) ?? 0) + 1)
  }

  private updateInventory(request: SimRequest, sku: string, shipNode: string | undefined): SimResponse {
    const body = inventoryBodySchema.safeParse(request.json)
    if (!body.success) return this.invalid('quantity', `Request content is invalid: ${z.prettifyError(body.error)}`)
    if (body.data.sku !== sku) return this.invalid('sku', 'The sku in the body does not match the sku query parameter.')
    this.countRecord(sku)
    const key = inventoryKey(sku, shipNode)
    if (!this.listings.has(key) && !this.knobs.autoCreateListings) return this.notFound(sku)
    if (!this.listings.has(key)) this.listings.set(key, { amount: 0, updatedAt: new Date(this.now()).toISOString() })
    this.enqueueApply(key, body.data.quantity.amount, this.newSubmissionId())
    return this.ok({ sku, quantity: { unit: 'EACH', amount: body.data.quantity.amount } })
  }

  // ---- bulk inventory feed ----------------------------------------------------------------------

  private feedsApi(request: SimRequest): SimResponse {
    if (request.method === 'POST' && request.path === '/v3/feeds') {
      if (request.query.get('feedType') !== 'inventory')
        return this.invalid('feedType', 'The simulator supports feedType=inventory.')
      const throttled = this.throttle()
      if (throttled) return throttled
      // Like Walmart: the feed is a file upload (multipart/form-data, part `file`).
      const file = multipartFile(request, 'file')
      if (file === undefined)
        return this.invalid(
          'file',
          'Upload the feed as multipart/form-data with the feed file in the part named "file".',
        )
      let json: unknown
      try {
        json = JSON.parse(file)
      } catch {
        return this.invalid('file', 'The feed file is not valid JSON.')
      }
      const body = z
        .object({
          InventoryHeader: z.object({ version: z.string() }).loose(),
          Inventory: z.array(z.unknown()).min(1).max(10_000),
        })
        .safeParse(json)
      if (!body.success) return this.invalid('Inventory', `Feed content is invalid: ${z.prettifyError(body.error)}`)
      const feedId = `SIM${(++this.feedCounter).toString().padStart(6, '0')}@AQMBAQA`
      this.feeds.set(feedId, {
        feedId,
        createdAt: this.now(),
        items: body.data.Inventory,
        shipNode: request.query.get('shipNode') ?? undefined,
        error: this.prng.chance(this.feedKnobs.feedErrorRate),
        results: undefined,
      })
      return this.ok({ feedId })
    }
    const match = /^\/v3\/feeds\/([^/]+)$/.exec(request.path)
    if (request.method === 'GET' && match) {
      const feed = this.feeds.get(decodeURIComponent(match[1]!))
      if (!feed)
        return this.error(404, {
          code: 'CONTENT_NOT_FOUND.GMP_GATEWAY_API',
          field: 'feedId',
          description: 'Feed not found',
          info: 'No feed with this id.',
          severity: 'ERROR',
          category: 'DATA',
        })
      const status = this.feedStatus(feed)
      if (status === 'PROCESSED' && !feed.results)
        feed.results = feed.items.map((item, index) => this.ingestItem(item, index, feed.shipNode))
      const results = feed.results ?? []
      const details = request.query.get('includeDetails') === 'true'
      // Item statuses come 50 at a time at most, from `offset` (Walmart: limit <= 50, default 50).
      const offset = Number(request.query.get('offset') ?? '0')
      const limit = Number(request.query.get('limit') ?? String(FEED_STATUS_PAGE_LIMIT))
      if (!Number.isInteger(offset) || offset < 0)
        return this.invalid('offset', 'offset must be a non-negative integer.')
      if (!Number.isInteger(limit) || limit < 1 || limit > FEED_STATUS_PAGE_LIMIT)
        return this.invalid('limit', `limit must be between 1 and ${FEED_STATUS_PAGE_LIMIT}.`)
      return this.ok({
        feedId: feed.feedId,
        feedStatus: status,
        feedSubmissionDate: feed.createdAt,
        itemsReceived: feed.items.length,
        itemsSucceeded: results.filter((r) => r.ingestionStatus === 'SUCCESS').length,
        itemsFailed: results.filter((r) => r.ingestionStatus !== 'SUCCESS').length,
        itemsProcessing: status === 'PROCESSED' || status === 'ERROR' ? 0 : feed.items.length,
        offset,
        limit,
        ...(details ? { itemDetails: { itemIngestionStatus: results.slice(offset, offset + limit) } } : {}),
      })
    }
    return this.noResource(request)
  }

  private feedStatus(feed: WalmartFeed): 'RECEIVED' | 'INPROGRESS' | 'PROCESSED' | 'ERROR' {
    const age = this.now() - feed.createdAt
    if (age < this.feedKnobs.feedReceivedMs) return 'RECEIVED'
    if (age < this.feedKnobs.feedReceivedMs + this.feedKnobs.feedProcessingMs) return 'INPROGRESS'
    return feed.error ? 'ERROR' : 'PROCESSED'
  }

  /** One record of an inventory feed, judged like a PUT /v3/inventory. */
  private ingestItem(raw: unknown, index: number, shipNode: string | undefined) {
    const item = inventoryBodySchema.safeParse(raw)
    const sku = (raw as { sku?: unknown } | null)?.sku
    if (typeof sku === 'string') this.countRecord(sku)
    const failed = (code: string, description: string) => ({
      martId: 0,
      sku: typeof sku === 'string' ? sku : '',
      index,
      ingestionStatus: 'DATA_ERROR',
      ingestionErrors: { ingestionError: [{ type: 'DATA_ERROR', code, field: 'sku', description }] },
    })
    if (!item.success)
      return failed('ERR_EXT_DATA_0100', `Invalid inventory record: ${z.prettifyError(item.error).slice(0, 200)}`)
    const key = inventoryKey(item.data.sku, shipNode)
    if (!this.listings.has(key) && !this.knobs.autoCreateListings)
      return failed('ERR_EXT_DATA_0101', `SKU ${item.data.sku} is not set up on Walmart.`)
    if (!this.listings.has(key)) this.listings.set(key, { amount: 0, updatedAt: new Date(this.now()).toISOString() })
    this.enqueueApply(key, item.data.quantity.amount, this.newSubmissionId())
    return { martId: 0, sku: item.data.sku, index, ingestionStatus: 'SUCCESS' }
  }

  // ---- orders -----------------------------------------------------------------------------------

  private getOrders(request: SimRequest): SimResponse {
    if (request.method !== 'GET') return this.methodNotAllowed(request)
    const throttled = this.throttle(this.ordersBucket)
    if (throttled) return throttled
    const parsed = parseWalmartOrders(request.query, this.now())
    if (!parsed.ok)
      return this.error(400, {
        code: 'INVALID_REQUEST_PARAM.GMP_ORDER_API',
        field: parsed.field,
        description: parsed.message,
        info: 'Request parameter is invalid.',
        severity: 'ERROR',
        category: 'DATA',
      })
    const { query } = parsed
    const sortMs = (order: SimOrder) => Date.parse(query.field === 'lastModified' ? order.updatedAt : order.createdAt)
    const keyOf = (order: SimOrder) => `${String(sortMs(order)).padStart(15, '0')}|${order.orderId}`
    const matching = this.orderBook
      .orders()
      .filter((order) => sortMs(order) >= query.start && sortMs(order) <= query.end)
      .filter((order) => (query.purchaseOrderId ? order.orderId === query.purchaseOrderId : true))
      .filter((order) => (query.customerOrderId ? customerOrderIdFor(order.orderId) === query.customerOrderId : true))
      .filter((order) => (query.sku ? order.lines.some((l) => l.sku === query.sku) : true))
      .filter((order) => (query.status ? hasLineStatus(order, query.status) : true))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
    const remaining =
      parsed.afterKey === undefined ? matching : matching.filter((order) => keyOf(order) > parsed.afterKey!)
    const page = remaining.slice(0, query.limit)
    const last = page[page.length - 1]
    const more = remaining.length > page.length && last !== undefined
    return this.ok(
      {
        list: {
          meta: {
            totalCount: matching.length,
            limit: query.limit,
            ...(more
              ? { nextCursor: walmartCursor(query, { sortMs: sortMs(last), purchaseOrderId: last.orderId }) }
              : {}),
          },
          elements: { order: page.map(walmartOrder) },
        },
      },
      this.ordersBucket,
    )
  }

  private throttle(bucket: TokenBucket | null = this.bucket): SimResponse | undefined {
    if (!bucket) return undefined
    const taken = bucket.tryTake(1)
    if (taken.ok) return undefined
    this.counters.throttled += 1
    const retryAfterSeconds = Number.isFinite(taken.waitMs) ? Math.max(1, Math.ceil(taken.waitMs / 1000)) : 60
    const response = this.error(429, {
      code: 'REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API',
      field: 'REQUEST_THRESHOLD_VIOLATED',
      description: 'Error',
      info: 'This request exceeds the allowed request rate. Please wait and retry.',
      severity: 'ERROR',
      category: 'DATA',
    })
    response.headers = { ...response.headers, 'retry-after': String(retryAfterSeconds) }
    return response
  }

  /** The gateway's 404 for a path it serves nothing at. */
  private noResource(request: SimRequest): SimResponse {
    return this.error(404, {
      code: 'CONTENT_NOT_FOUND.GMP_GATEWAY_API',
      field: 'path',
      description: 'Resource not found',
      info: `No resource at ${request.path}.`,
      severity: 'ERROR',
      category: 'REQUEST',
    })
  }

  /** The gateway's 405 for a method the resource at this path does not take. */
  private methodNotAllowed(request: SimRequest): SimResponse {
    return this.error(405, {
      code: 'METHOD_NOT_ALLOWED.GMP_GATEWAY_API',
      field: 'method',
      description: 'Method not allowed',
      info: `${request.method} is not supported on ${request.path}.`,
      severity: 'ERROR',
      category: 'REQUEST',
    })
  }

  private notFound(sku: string): SimResponse {
    return this.error(404, {
      code: 'CONTENT_NOT_FOUND.GMP_INVENTORY_API',
      field: 'sku',
      description: `Item not found for sku ${sku}`,
      info: 'Requested content could not be found.',
      severity: 'ERROR',
      category: 'APPLICATION',
    })
  }

  private invalid(field: string, description: string): SimResponse {
    return this.error(400, {
      code: 'INVALID_REQUEST_CONTENT.GMP_INVENTORY_API',
      field,
      description,
      info: 'Request content is invalid.',
      severity: 'ERROR',
      category: 'DATA',
    })
  }

  private ok(body: unknown, bucket: TokenBucket | null = this.bucket): SimResponse {
    return { status: 200, headers: this.tokenHeaders(bucket), body }
  }

  private error(status: number, error: WalmartError): SimResponse {
    return { status, headers: this.tokenHeaders(), body: { errors: [error] } }
  }

  private tokenHeaders(bucket: TokenBucket | null = this.bucket): Record<string, string> {
    if (!bucket) return {}
    const plan = bucket.plan
    return {
      'x-current-token-count': String(Math.floor(bucket.available())),
      'x-next-replenish-time': String(this.now() + Math.ceil(1000 / plan.refillPerSecond)),
    }
  }
}

export async function startWalmartSimulator(options: WalmartSimulatorOptions = {}): Promise<WalmartSimulator> {
  return new WalmartSimulator(options).start()
}

/** The text of one part of a multipart/form-data body, or undefined when the body is not one or lacks it. */
export function multipartFile(request: SimRequest, name: string): string | undefined {
  const type = request.header('content-type') ?? ''
  const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type)
  if (!boundary) return undefined
  const delimiter = `--${boundary[1] ?? boundary[2]}`
  for (const part of request.rawBody.split(delimiter).slice(1)) {
    if (part.startsWith('--')) break // the closing delimiter
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd < 0) continue
    const headers = part.slice(0, headerEnd)
    if (!new RegExp(`content-disposition:[^\\r\\n]*\\bname="${name}"`, 'i').test(headers)) continue
    return part.slice(headerEnd + 4).replace(/\r\n$/, '')
  }
  return undefined
}
