// A local stand-in for Amazon SP-API Listings Items 2021-08-01, limited to MFN quantity sync.
// Shapes follow test/fixtures/specs/amazon/listingsItems_2021-08-01.json (tests validate them):
//   PATCH /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=...   (ListingsItemPatchRequest)
//     -> 200 ListingsItemSubmissionResponse { sku, status: ACCEPTED | INVALID | VALID, submissionId, issues }
//   GET   /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=...&includedData=...
//     -> 200 Item | 404 ErrorList
//   GET   /listings/2021-08-01/items/{sellerId}?marketplaceIds=...&identifiers=...&identifiersType=SKU&includedData=...
//     -> 200 ItemSearchResults { numberOfResults, pagination?, items } (searchListingsItems;
//        up to 20 identifiers, pages of pageSize 1..20; request rules in amazon-search.ts)
// and the Feeds API 2021-06-30 with JSON_LISTINGS_FEED (test/fixtures/specs/amazon/feeds_2021-06-30.json,
// listings-feed-schema-v2.json, listings-feed-processing-report-schema-v2.json):
//   POST /feeds/2021-06-30/documents  { contentType }            -> 201 { feedDocumentId, url }
//   PUT  <url>  (the "presigned" upload, served here under /feed-documents/{id}, no SP-API token)
//   POST /feeds/2021-06-30/feeds  { feedType, marketplaceIds, inputFeedDocumentId } -> 202 { feedId }
//   GET  /feeds/2021-06-30/feeds/{feedId}                         -> 200 Feed (IN_QUEUE, IN_PROGRESS, DONE, FATAL)
//   GET  /feeds/2021-06-30/documents/{feedDocumentId}             -> 200 FeedDocument { url } -> GET url: processing report
// Errors are ErrorList bodies; every response carries x-amzn-RequestId and x-amzn-RateLimit-Limit.
// Login with Amazon (normally https://api.amazon.com, served here on the same host):
//   POST /auth/o2/token  grant_type=refresh_token&refresh_token&client_id&client_secret (form)
//     -> 200 { access_token: "Atza|...", refresh_token, token_type: "bearer", expires_in: 3600 }
//     -> 400 { error: invalid_request | unsupported_grant_type | invalid_grant }, 401 { error: invalid_client }
// Orders API v0 (test/fixtures/specs/amazon/ordersV0.json; request rules and shapes in amazon-orders.ts):
//   GET /orders/v0/orders?MarketplaceIds&LastUpdatedAfter|CreatedAfter[&NextToken][&MaxResultsPerPage]
//   GET /orders/v0/orders/{orderId}/orderItems[?NextToken]
// with the model's usage plans (getOrders 0.0167/s burst 20, getOrderItems 0.5/s burst 30).
// Every SP-API call needs an x-amz-access-token issued there and not expired: 403 Unauthorized
// ("The access token you provided has expired.") otherwise, as SP-API answers.
// Handling time: a listing keeps `lead_time_to_ship_max_days` inside fulfillment_availability; a
// `replace` (or `add`) of fulfillment_availability without it resets it (the SP-API pitfall); a
// `merge` changes only the fields it carries, for the entry its fulfillment_channel_code selects
// (SP-API, June 2025). Read-back with includedData=attributes shows it.
//
// A feed sits IN_QUEUE for feedQueueMs, IN_PROGRESS for feedProcessingMs (both on the simulator's
// clock), then is DONE: each message is judged like a single patch (unknown SKU, invalid value,
// schema violations become ERROR issues in the processing report) and each accepted message goes
// through the same accepted-then-applied-later pipeline as a patch (applyDelayMs, jitter,
// acceptedNeverAppliedRate). feedFatalRate makes a feed end FATAL with nothing applied. Feeds and
// documents live in memory only (a restart forgets them; getFeed then answers 404).
//
// What makes Amazon hard, reproduced on purpose: ACCEPTED is not applied (the quantity shows in
// read-back only after applyDelayMs, and a fraction acceptedNeverAppliedRate never shows), and
// usage plans are tight (PATCH 5 req/s burst 5, GET 5 req/s burst 10, search 5 req/s burst 5, per
// seller and operation).
//
// The simulator holds one seller's catalogue: listings are keyed by SKU; the sellerId in the path
// scopes rate limits only.
import { z } from 'zod'
import type { SimulatorKnobs, SimulatorPlanName } from './core/knobs'
import { SimulatorBase } from './core/simulator-base'
import type { ManualEdit, SimRequest, SimResponse, SimulatorOptions } from './core/simulator-base'
import { TokenBucket } from './core/token-bucket'
import { TokenIssuer } from './core/token-issuer'
import { ListingStore } from './core/listing-store'
import type { SimOrder } from './core/order-book'
import {
  amazonOrder,
  amazonOrderItem,
  lastUpdateMs,
  nextToken,
  parseGetOrders,
  type OrdersQuery,
} from './amazon-orders'
import { parseSearch, searchPage } from './amazon-search'

/** The upper bound a getOrders answer reports (CreatedBefore or LastUpdatedBefore): the next poll's start. */
function upperBound(query: OrdersQuery): Record<string, string> {
  const at = new Date(query.before).toISOString()
  return query.field === 'PurchaseDate' ? { CreatedBefore: at } : { LastUpdatedBefore: at }
}

export interface AmazonThrottlePlan {
  [key: string]: number
  /** patchListingsItem usage plan (requests per second, per seller). */
  ratePerSecond: number
  burst: number
  /** getListingsItem usage plan. */
  readRatePerSecond: number
  readBurst: number
  /** searchListingsItems usage plan (the spec's: 5 req/s, burst 5). */
  searchRatePerSecond: number
  searchBurst: number
  /** createFeed usage plan (the spec's is 0.0083 req/s, burst 15). */
  feedRatePerSecond: number
  feedBurst: number
  /** createFeedDocument, getFeed and getFeedDocument (the spec's getFeed plan: 2 req/s, burst 15). */
  feedReadRatePerSecond: number
  feedReadBurst: number
  /** Orders API v0 getOrders usage plan (the model's: 0.0167 req/s, burst 20). */
  ordersRatePerSecond: number
  ordersBurst: number
  /** getOrderItems usage plan (the model's: 0.5 req/s, burst 30). */
  orderItemsRatePerSecond: number
  orderItemsBurst: number
}

/** How long feeds take; set per plan, at construction, or at runtime through configureFeeds(). */
export interface AmazonFeedKnobs {
  /** Time a feed spends IN_QUEUE. */
  feedQueueMs: number
  /** Time a feed spends IN_PROGRESS before it is DONE. */
  feedProcessingMs: number
  /** Fraction (0..1) of feeds that end FATAL (nothing applied, a report with a feed-level error). */
  feedFatalRate: number
}

export const AMAZON_FEED_PLANS: Record<SimulatorPlanName, AmazonFeedKnobs> = {
  demo: { feedQueueMs: 500, feedProcessingMs: 1_500, feedFatalRate: 0 },
  // Listings feeds usually take a few minutes end to end.
  realistic: { feedQueueMs: 30_000, feedProcessingMs: 90_000, feedFatalRate: 0 },
}

export const AMAZON_PLANS: Record<SimulatorPlanName, SimulatorKnobs<AmazonThrottlePlan>> = {
  // Generous: 2,000 SKUs publish in ~10 s and become visible 1-3 s after acceptance.
  demo: {
    latencyMs: 10,
    errorRate: 0,
    outage: false,
    acceptedNeverAppliedRate: 0,
    applyDelayMs: 1_000,
    applyJitterMs: 2_000,
    autoCreateListings: true,
    throttle: {
      ratePerSecond: 200,
      burst: 200,
      readRatePerSecond: 200,
      readBurst: 200,
      searchRatePerSecond: 200,
      searchBurst: 200,
      feedRatePerSecond: 1,
      feedBurst: 15,
      feedReadRatePerSecond: 20,
      feedReadBurst: 50,
      ordersRatePerSecond: 1,
      ordersBurst: 20,
      orderItemsRatePerSecond: 10,
      orderItemsBurst: 30,
    },
  },
  // The spec's default usage plans; listings take 30 s to 2 min to reflect an accepted update.
  realistic: {
    latencyMs: 150,
    errorRate: 0,
    outage: false,
    acceptedNeverAppliedRate: 0,
    applyDelayMs: 30_000,
    applyJitterMs: 90_000,
    autoCreateListings: false,
    throttle: {
      ratePerSecond: 5,
      burst: 5,
      readRatePerSecond: 5,
      readBurst: 10,
      searchRatePerSecond: 5,
      searchBurst: 5,
      feedRatePerSecond: 0.0083,
      feedBurst: 15,
      feedReadRatePerSecond: 2,
      feedReadBurst: 15,
      ordersRatePerSecond: 0.0167,
      ordersBurst: 20,
      orderItemsRatePerSecond: 0.5,
      orderItemsBurst: 30,
    },
  },
}

export interface AmazonSimulatorOptions extends SimulatorOptions<AmazonThrottlePlan> {
  /** When set, LWA accepts only this client and refresh token; otherwise any non-empty ones. */
  lwa?: { clientId: string; clientSecret: string; refreshToken: string }
  /** Lifetime of LWA access tokens; Amazon's is 3600 s. */
  tokenLifetimeSeconds?: number
  /**
   * How a PATCH to an unknown SKU is answered when autoCreateListings is off. The spec declares
   * no 404 for PATCH: 'invalid' (default) answers 200 INVALID with an ERROR issue; 'not_found'
   * answers 404 ErrorList; 'accepted' mimics what production really does for an offer-only patch
   * (ACCEPTED, yet the listing never shows up in read-back).
   */
  unknownSkuOnPatch?: 'invalid' | 'not_found' | 'accepted'
  /** Feed timing and failure knobs; defaults come from the plan (AMAZON_FEED_PLANS). */
  feeds?: Partial<AmazonFeedKnobs>
  /** How long a new order stays Pending (payment authorisation); default from the plan (demo 2 s, realistic 5 min). */
  orderPendingMs?: number
  /** The marketplace the simulator's orders are placed in (Amazon.com's by default). */
  marketplaceId?: string
  /** Order items per getOrderItems page (Amazon pages long orders; default 100). */
  orderItemsPageSize?: number
}

interface ListingRecord {
  /** MFN ("DEFAULT") quantity; null when the listing has no fulfillment availability yet. */
  quantity: number | null
  /** MFN handling time (fulfillment_availability.lead_time_to_ship_max_days); null: Amazon's default. */
  leadTimeToShipMaxDays?: number | null
  productType: string
  asin: string
  createdAt: string
  updatedAt: string
}

type Operation = 'patch' | 'get' | 'search' | 'feed' | 'feedRead' | 'orders' | 'orderItems'

/** Each operation's usage plan in the throttle knobs: [rate per second, burst]. */
const USAGE_PLAN: Record<Operation, readonly [keyof AmazonThrottlePlan, keyof AmazonThrottlePlan]> = {
  patch: ['ratePerSecond', 'burst'],
  get: ['readRatePerSecond', 'readBurst'],
  search: ['searchRatePerSecond', 'searchBurst'],
  feed: ['feedRatePerSecond', 'feedBurst'],
  feedRead: ['feedReadRatePerSecond', 'feedReadBurst'],
  orders: ['ordersRatePerSecond', 'ordersBurst'],
  orderItems: ['orderItemsRatePerSecond', 'orderItemsBurst'],
}
const ORDERS_PATH = '/orders/v0/orders'
const ORDER_ITEMS_PATH = /^\/orders\/v0\/orders\/([^/]+)\/orderItems$/
export const AMAZON_ORDER_PENDING_MS: Record<SimulatorPlanName, number> = { demo: 2_000, realistic: 300_000 }
const FEEDS_BASE = '/feeds/2021-06-30'
const LWA_TOKEN_PATH = '/auth/o2/token'
const FEED_DOCUMENT_URL_PATH = /^\/feed-documents\/([^/]+)$/

/** A listing with stock is BUYABLE; every listing is DISCOVERABLE. */
function statusOf(listing: ListingRecord): string[] {
  return listing.quantity ? ['BUYABLE', 'DISCOVERABLE'] : ['DISCOVERABLE']
}

interface FeedRecord {
  feedId: string
  marketplaceIds: string[]
  inputFeedDocumentId: string
  createdAt: number
  messages: number
  fatal: boolean
  resultFeedDocumentId: string | undefined
}

const ITEM_PATH = /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/
const SEARCH_PATH = /^\/listings\/2021-08-01\/items\/([^/]+)$/
const FULFILLMENT_AVAILABILITY_PATH = '/attributes/fulfillment_availability'
const GET_INCLUDED_DATA = new Set([
  'summaries',
  'attributes',
  'issues',
  'offers',
  'fulfillmentAvailability',
  'procurement',
  'relationships',
  'productTypes',
])

// The spec's ListingsItemPatchRequest; anything that fails it is a 400 InvalidInput, like production.
const patchRequestSchema = z.object({
  productType: z.string().min(1),
  patches: z
    .array(
      z.object({
        op: z.enum(['add', 'replace', 'merge', 'delete']),
        path: z.string(),
        value: z.array(z.record(z.string(), z.unknown())).optional(),
      }),
    )
    .min(1),
})
const fulfillmentAvailabilityValueSchema = z
  .array(
    z
      .object({
        fulfillment_channel_code: z.string().min(1),
        quantity: z.number().int().min(0).max(2_147_483_647).optional(),
        lead_time_to_ship_max_days: z.number().int().min(0).max(30).optional(),
      })
      .loose(),
  )
  .min(1)

const savedListingsSchema = z.record(
  z.string(),
  z.object({
    quantity: z.number().int().nullable(),
    leadTimeToShipMaxDays: z.number().int().nullable().optional(),
    productType: z.string(),
    asin: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
)

export class AmazonSimulator extends SimulatorBase<AmazonThrottlePlan> {
  protected readonly listings = new ListingStore<ListingRecord>({
    saved: savedListingsSchema,
    show: (listing, sku) => [sku, listing.quantity],
    quantity: {
      get: (listing) => listing.quantity ?? 0,
      set: (listing, quantity) => void (listing.quantity = quantity),
    },
  })
  private readonly lwa: { clientId: string; clientSecret: string; refreshToken: string } | undefined
  readonly tokens: TokenIssuer
  private readonly unknownSkuOnPatch: 'invalid' | 'not_found' | 'accepted'
  private readonly buckets = new Map<string, TokenBucket>()
  private requestCounter = 0
  private feedKnobs: AmazonFeedKnobs
  /**
   * Uploaded feeds and processing reports. An input document's content is dropped once its feed is
   * processed (its presigned URL has expired by then, as Amazon's does after 5 minutes; a GET answers
   * 403 like S3's expired URL): a 200,000-SKU sync otherwise kept every feed it ever sent in memory.
   */
  private readonly feedDocuments = new Map<string, { contentType: string; content: unknown; expired?: boolean }>()
  private readonly feeds = new Map<string, FeedRecord>()
  private feedCounter = 0
  /** How long a new order stays Pending. */
  orderPendingMs: number
  private readonly marketplaceId: string
  private readonly orderItemsPageSize: number

  constructor(options: AmazonSimulatorOptions = {}) {
    super('amazon', options as AmazonSimulatorOptions & Record<string, unknown>, AMAZON_PLANS)
    this.lwa = options.lwa
    this.tokens = new TokenIssuer(this.now, options.tokenLifetimeSeconds ?? 3600, 'Atza|sim.')
    this.unknownSkuOnPatch = options.unknownSkuOnPatch ?? 'invalid'
    this.feedKnobs = { ...AMAZON_FEED_PLANS[options.plan ?? 'realistic'], ...options.feeds }
    this.orderPendingMs = options.orderPendingMs ?? AMAZON_ORDER_PENDING_MS[options.plan ?? 'realistic']
    this.marketplaceId = options.marketplaceId ?? 'ATVPDKIKX0DER'
    this.orderItemsPageSize = options.orderItemsPageSize ?? 100
    this.markInitialised()
  }

  /** Amazon order ids: 3-7-7 digits (e.g. 112-0004711-0000001), deterministic per sequence. */
  protected newOrderId(sequence: number): string {
    return `112-${String((sequence * 4_711_813) % 10_000_000).padStart(7, '0')}-${String(sequence).padStart(7, '0')}`
  }

  /** OrderItemIds: 14 digits, unique per seller. */
  protected newLineId(orderId: string, index: number): string {
    return String(10_000_000_000_000 + Number(orderId.slice(-7)) * 100 + index + 1)
  }

  // ---- Orders API v0 ----------------------------------------------------------------------------

  private ordersApi(request: SimRequest): SimResponse {
    const items = ORDER_ITEMS_PATH.exec(request.path)
    const operation: Operation = items ? 'orderItems' : 'orders'
    if (request.method !== 'GET')
      return this.errorList(
        400,
        'InvalidInput',
        `${request.method} is not supported on ${request.path}.`,
        '',
        operation,
      )
    const refused = this.refuseUnauthenticated(request, operation)
    if (refused) return refused
    const throttled = this.throttle('orders', operation)
    if (throttled) return throttled
    return items ? this.getOrderItems(request, decodeURIComponent(items[1]!)) : this.getOrders(request)
  }

  private getOrders(request: SimRequest): SimResponse {
    const now = this.now()
    const parsed = parseGetOrders(request.query, now)
    if (!parsed.ok) return this.errorList(400, 'InvalidInput', parsed.message, '', 'orders')
    const { query } = parsed
    if (!query.marketplaceIds.includes(this.marketplaceId))
      return this.ok({ payload: { Orders: [], ...upperBound(query) } }, 'orders')
    const keyOf = (order: SimOrder) => {
      const at =
        query.field === 'PurchaseDate' ? Date.parse(order.createdAt) : lastUpdateMs(order, now, this.orderPendingMs)
      return `${String(at).padStart(15, '0')}|${order.orderId}`
    }
    const matching = this.orderBook
      .orders()
      .map((order) => ({ order, key: keyOf(order) }))
      .filter(({ key }) => {
        const at = Number(key.slice(0, 15))
        return at >= query.after && at <= query.before
      })
      .filter(({ key }) => parsed.afterKey === undefined || key > parsed.afterKey)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    const page = matching.slice(0, query.maxResults)
    const more = matching.length > page.length
    return this.ok(
      {
        payload: {
          Orders: page.map(({ order }) => amazonOrder(order, now, this.orderPendingMs, this.marketplaceId)),
          ...(more ? { NextToken: nextToken(query, page[page.length - 1]!.key) } : {}),
          ...upperBound(query),
        },
      },
      'orders',
    )
  }

  private getOrderItems(request: SimRequest, orderId: string): SimResponse {
    const order = this.orderBook.get(orderId)
    if (!order) return this.errorList(404, 'InvalidInput', `Invalid AmazonOrderId: ${orderId}`, '', 'orderItems')
    const token = request.query.get('NextToken')
    let start = 0
    if (token) {
      const match = /^items:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'))
      if (!match) return this.errorList(400, 'InvalidInput', 'Invalid NextToken.', '', 'orderItems')
      start = Number(match[1])
    }
    const now = this.now()
    const lines = order.lines.slice(start, start + this.orderItemsPageSize)
    const next =
      start + lines.length < order.lines.length
        ? Buffer.from(`items:${start + lines.length}`).toString('base64')
        : undefined
    return this.ok(
      {
        payload: {
          AmazonOrderId: order.orderId,
          OrderItems: lines.map((line) =>
            amazonOrderItem(order, line, this.listings.get(line.sku)?.asin ?? 'B000000000', now, this.orderPendingMs),
          ),
          ...(next ? { NextToken: next } : {}),
        },
      },
      'orderItems',
    )
  }

  /** Changes feed timing and failure knobs at runtime; returns them. */
  configureFeeds(patch: Partial<AmazonFeedKnobs>): AmazonFeedKnobs {
    this.feedKnobs = { ...this.feedKnobs, ...patch }
    return this.feedKnobs
  }

  /** Feeds received so far (for tests and the demo's inspection). */
  feedsSubmitted(): Array<{ feedId: string; messages: number; status: string }> {
    return [...this.feeds.values()].map((f) => ({ feedId: f.feedId, messages: f.messages, status: this.feedStatus(f) }))
  }

  /** The quantity read-back shows now (null: unknown listing or no MFN availability). */
  quantityOf(sku: string): number | null {
    return this.listings.get(sku)?.quantity ?? null
  }

  /** The listing's MFN handling time (lead_time_to_ship_max_days); null: not set. */
  handlingTimeOf(sku: string): number | null {
    return this.listings.get(sku)?.leadTimeToShipMaxDays ?? null
  }

  protected carriesSecrets(request: SimRequest): boolean {
    return request.path === LWA_TOKEN_PATH
  }

  protected tokenIssuer(): TokenIssuer {
    return this.tokens
  }

  /** LWA refresh-token grant (https://api.amazon.com/auth/o2/token). */
  private issueToken(request: SimRequest): SimResponse {
    const oauthError = (status: number, error: string, description: string): SimResponse => ({
      status,
      body: { error, error_description: description },
    })
    if (request.method !== 'POST') return oauthError(400, 'invalid_request', 'The token endpoint takes POST.')
    if (!/^application\/x-www-form-urlencoded/i.test(request.header('content-type') ?? ''))
      return oauthError(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded.')
    const form = new URLSearchParams(request.rawBody)
    const grant = form.get('grant_type')
    if (!grant) return oauthError(400, 'invalid_request', 'The request is missing a required parameter : grant_type')
    if (grant !== 'refresh_token')
      return oauthError(400, 'unsupported_grant_type', `The authorization grant type is not supported: ${grant}`)
    for (const name of ['refresh_token', 'client_id', 'client_secret']) {
      if (!form.get(name))
        return oauthError(400, 'invalid_request', `The request is missing a required parameter : ${name}`)
    }
    if (
      this.lwa &&
      (form.get('client_id') !== this.lwa.clientId || form.get('client_secret') !== this.lwa.clientSecret)
    ) {
      return oauthError(401, 'invalid_client', 'Client authentication failed')
    }
    if (this.lwa && form.get('refresh_token') !== this.lwa.refreshToken)
      return oauthError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token')
    const issued = this.tokens.issue()
    return {
      status: 200,
      body: {
        access_token: issued.token,
        refresh_token: form.get('refresh_token'),
        token_type: 'bearer',
        expires_in: issued.expiresInSeconds,
      },
    }
  }

  /** SP-API's 403 for a missing, unknown or expired LWA access token. */
  private refuseUnauthenticated(request: SimRequest, operation: Operation): SimResponse | undefined {
    const check = this.tokens.check(request.header('x-amz-access-token'))
    if (check === 'valid') return undefined
    const details =
      check === 'expired'
        ? 'The access token you provided has expired.'
        : 'The access token you provided is revoked, malformed or invalid.'
    return this.errorList(403, 'Unauthorized', 'Access to requested resource is denied.', details, operation)
  }

  protected handleApi(request: SimRequest): SimResponse | Promise<SimResponse> {
    // The "presigned" document URLs carry their own authority: no SP-API token.
    const doc = FEED_DOCUMENT_URL_PATH.exec(request.path)
    if (doc) return this.feedDocumentContent(request, decodeURIComponent(doc[1]!))
    if (request.path === LWA_TOKEN_PATH) return this.issueToken(request)
    if (request.path === ORDERS_PATH || ORDER_ITEMS_PATH.test(request.path)) return this.ordersApi(request)
    if (request.path.startsWith(`${FEEDS_BASE}/`))
      return this.refuseUnauthenticated(request, 'feedRead') ?? this.feedsApi(request)
    const search = SEARCH_PATH.exec(request.path)
    if (search) return this.searchRoute(request, decodeURIComponent(search[1]!))
    const match = ITEM_PATH.exec(request.path)
    if (!match) return this.errorList(404, 'NotFound', 'Resource not found.')
    const sellerId = decodeURIComponent(match[1]!)
    const sku = decodeURIComponent(match[2]!)
    const refused = this.refuseUnauthenticated(request, request.method === 'GET' ? 'get' : 'patch')
    if (refused) return refused
    const marketplaceIds = (request.query.get('marketplaceIds') ?? '').split(',').filter(Boolean)
    if (marketplaceIds.length === 0)
      return this.errorList(400, 'InvalidInput', "Missing required 'marketplaceIds' parameter.")

    if (request.method === 'PATCH') {
      const throttled = this.throttle(sellerId, 'patch')
      if (throttled) return throttled
      return this.patchListing(request, sku, marketplaceIds)
    }
    if (request.method === 'GET') {
      const throttled = this.throttle(sellerId, 'get')
      if (throttled) return throttled
      return this.getListing(request, sku, marketplaceIds[0]!)
    }
    return this.errorList(400, 'InvalidInput', `${request.method} is not supported by the Stocktower Amazon simulator.`)
  }

  protected outageResponse(retryAfterSeconds: number | undefined): SimResponse {
    const response = this.errorList(
      503,
      'ServiceUnavailable',
      'Service temporarily unavailable. Please try again later.',
    )
    if (retryAfterSeconds) response.headers = { ...response.headers, 'retry-after': String(retryAfterSeconds) }
    return response
  }

  protected serverErrorResponse(): SimResponse {
    return this.errorList(500, 'InternalFailure', 'We encountered an internal error. Please try again.')
  }

  protected onThrottleChanged(): void {
    this.buckets.clear()
  }

  protected throttleStatus(): unknown {
    const status: Record<string, number> = {}
    for (const [key, bucket] of this.buckets) status[key] = Math.floor(bucket.available())
    return { plan: this.knobs.throttle, tokensAvailable: status }
  }

  protected applyManualEdit(edit: ManualEdit): void {
    const listing = this.listingFor(edit.sku, 'PRODUCT')
    listing.quantity = edit.quantity
    listing.updatedAt = new Date(this.now()).toISOString()
  }

  protected seedListings(skus: readonly string[], quantity: number): number {
    return this.listings.seedMissing(skus, (sku) => Object.assign(this.listingFor(sku, 'PRODUCT'), { quantity }))
  }

  // ---- operations -------------------------------------------------------------------------------

  private patchListing(request: SimRequest, sku: string, marketplaceIds: string[]): SimResponse {
    const body = patchRequestSchema.safeParse(request.json)
    if (!body.success) {
      return this.errorList(
        400,
        'InvalidInput',
        'Request has missing or invalid parameters and cannot be parsed.',
        z.prettifyError(body.error),
      )
    }
    const submissionId = this.newSubmissionId()
    const validationPreview = request.query.get('mode') === 'VALIDATION_PREVIEW'

    let newQuantity: number | null | undefined
    let newLeadTime: number | null | undefined
    for (const patch of body.data.patches) {
      if (patch.path !== FULFILLMENT_AVAILABILITY_PATH) continue
      if (patch.op === 'delete') {
        newQuantity = null
        newLeadTime = null
        continue
      }
      const value = fulfillmentAvailabilityValueSchema.safeParse(patch.value)
      if (!value.success) {
        return this.submission(sku, 'INVALID', submissionId, [
          this.issue('90000900', 'The attributes are invalid.', ['fulfillment_availability'], marketplaceIds),
        ])
      }
      const mfn = value.data.find((entry) => entry.fulfillment_channel_code === 'DEFAULT')
      if (mfn) {
        const merge = patch.op === 'merge'
        // `merge` keeps what it does not carry; `replace`/`add` replace the whole value.
        if (!merge || mfn.quantity !== undefined) newQuantity = mfn.quantity ?? null
        if (!merge || mfn.lead_time_to_ship_max_days !== undefined) newLeadTime = mfn.lead_time_to_ship_max_days ?? null
      }
    }

    const existing = this.listings.get(sku)
    if (!existing && !this.knobs.autoCreateListings) {
      if (this.unknownSkuOnPatch === 'not_found')
        return this.errorList(404, 'NOT_FOUND', `SKU '${sku}' not found in marketplace ${marketplaceIds[0]}`)
      if (this.unknownSkuOnPatch === 'invalid') {
        return this.submission(sku, 'INVALID', submissionId, [
          this.issue(
            'NOT_FOUND',
            `A listing for SKU '${sku}' does not exist; patches need an existing listing.`,
            [],
            marketplaceIds,
          ),
        ])
      }
    }
    if (validationPreview) return this.submission(sku, 'VALID', submissionId, [])
    if (!existing && !this.knobs.autoCreateListings) {
      // unknownSkuOnPatch 'accepted': production takes the patch but no listing ever appears.
      this.counters.lostUpdates += 1
      return this.submission(sku, 'ACCEPTED', submissionId, [])
    }
    const listing = this.listingFor(sku, body.data.productType)
    if (newLeadTime !== undefined) listing.leadTimeToShipMaxDays = newLeadTime
    if (newQuantity !== undefined) this.enqueueApply(sku, newQuantity ?? 0, submissionId)
    return this.submission(sku, 'ACCEPTED', submissionId, [])
  }

  private getListing(request: SimRequest, sku: string, marketplaceId: string): SimResponse {
    const includedData = this.includedData(request)
    if (!Array.isArray(includedData)) return includedData
    const listing = this.listings.get(sku)
    if (!listing)
      return this.errorList(404, 'NOT_FOUND', `SKU '${sku}' not found in marketplace ${marketplaceId}`, '', 'get')
    return this.ok(this.item(sku, listing, includedData, marketplaceId), 'get')
  }

  /** searchListingsItems: same auth, marketplaceIds rule and answer shapes as the item routes, its own usage plan. */
  private searchRoute(request: SimRequest, sellerId: string): SimResponse {
    const refused = this.refuseUnauthenticated(request, 'search')
    if (refused) return refused
    if (request.method !== 'GET')
      return this.errorList(400, 'InvalidInput', `${request.method} is not supported on ${request.path}.`, '', 'search')
    const marketplaceIds = (request.query.get('marketplaceIds') ?? '').split(',').filter(Boolean)
    if (marketplaceIds.length === 0)
      return this.errorList(400, 'InvalidInput', "Missing required 'marketplaceIds' parameter.", '', 'search')
    const throttled = this.throttle(sellerId, 'search')
    if (throttled) return throttled
    const includedData = this.includedData(request, 'search')
    if (!Array.isArray(includedData)) return includedData
    const parsed = parseSearch(request.query)
    if (!parsed.ok) return this.errorList(400, 'InvalidInput', parsed.message, '', 'search')
    const searchable = [...this.listings].map(([sku, listing]) => ({
      sku,
      listing,
      ...listing,
      status: statusOf(listing),
    }))
    const { numberOfResults, page, pagination } = searchPage(searchable, parsed.query)
    return this.ok(
      {
        numberOfResults,
        ...(pagination ? { pagination } : {}),
        items: page.map(({ sku, listing }) => this.item(sku, listing, includedData, marketplaceIds[0]!)),
      },
      'search',
    )
  }

  /** The includedData a read asks for (default summaries), or its 400 for a value the model does not list. */
  private includedData(request: SimRequest, operation: Operation = 'get'): string[] | SimResponse {
    const includedData = (request.query.get('includedData') ?? 'summaries').split(',').filter(Boolean)
    const unsupported = includedData.filter((name) => !GET_INCLUDED_DATA.has(name))
    if (unsupported.length > 0)
      return this.errorList(
        400,
        'InvalidInput',
        `Invalid includedData value(s): ${unsupported.join(', ')}.`,
        '',
        operation,
      )
    return includedData
  }

  /** One listing as an Item with the data sets asked for (getListingsItem and searchListingsItems alike). */
  private item(sku: string, listing: ListingRecord, includedData: string[], marketplaceId: string) {
    const item: Record<string, unknown> = { sku }
    const availability =
      listing.quantity === null ? [] : [{ fulfillmentChannelCode: 'DEFAULT', quantity: listing.quantity }]
    if (includedData.includes('summaries')) {
      item.summaries = [
        {
          marketplaceId,
          asin: listing.asin,
          productType: listing.productType,
          conditionType: 'new_new',
          status: statusOf(listing),
          itemName: `Simulated item ${sku}`,
          createdDate: listing.createdAt,
          lastUpdatedDate: listing.updatedAt,
        },
      ]
    }
    if (includedData.includes('attributes')) {
      item.attributes = {
        fulfillment_availability: availability.map((entry) => ({
          fulfillment_channel_code: entry.fulfillmentChannelCode,
          quantity: entry.quantity,
          ...(listing.leadTimeToShipMaxDays != null
            ? { lead_time_to_ship_max_days: listing.leadTimeToShipMaxDays }
            : {}),
        })),
      }
    }
    if (includedData.includes('issues')) item.issues = []
    if (includedData.includes('fulfillmentAvailability')) item.fulfillmentAvailability = availability
    return item
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** Usage plans are per seller and per operation, as in SP-API. */
  private throttle(sellerId: string, operation: Operation): SimResponse | undefined {
    const plan = this.knobs.throttle
    if (!plan) return undefined
    const key = `${sellerId}:${operation}`
    let bucket = this.buckets.get(key)
    if (!bucket) {
      const [rate, burst] = USAGE_PLAN[operation]
      const [capacity, refillPerSecond] = [plan[burst], plan[rate]]
      bucket = new TokenBucket({ capacity, refillPerSecond }, this.now)
      this.buckets.set(key, bucket)
    }
    if (bucket.tryTake(1).ok) return undefined
    this.counters.throttled += 1
    // SP-API sends no Retry-After: clients derive the pause from x-amzn-RateLimit-Limit.
    return this.errorList(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.', '', operation)
  }

  private listingFor(sku: string, productType: string): ListingRecord {
    let listing = this.listings.get(sku)
    if (!listing) {
      const at = new Date(this.now()).toISOString()
      listing = {
        quantity: null,
        productType,
        asin: `B0${(this.listings.size + 1).toString(36).toUpperCase().padStart(8, '0')}`,
        createdAt: at,
        updatedAt: at,
      }
      this.listings.set(sku, listing)
      this.markDirty()
    }
    return listing
  }

  private submission(
    sku: string,
    status: 'ACCEPTED' | 'INVALID' | 'VALID',
    submissionId: string,
    issues: unknown[],
  ): SimResponse {
    return this.ok({ sku, status, submissionId, issues })
  }

  private issue(code: string, message: string, attributeNames: string[], marketplaceIds: string[]) {
    return {
      code,
      message,
      severity: 'ERROR',
      attributeNames,
      categories: code === 'NOT_FOUND' ? [] : ['INVALID_ATTRIBUTE'],
      marketplaceIds,
    }
  }

  private ok(body: unknown, operation: Operation = 'patch'): SimResponse {
    return { status: 200, headers: this.headers(operation), body }
  }

  private errorList(
    status: number,
    code: string,
    message: string,
    details = '',
    operation: Operation = 'patch',
  ): SimResponse {
    return { status, headers: this.headers(operation), body: { errors: [{ code, message, details }] } }
  }

  private headers(operation: Operation): Record<string, string> {
    this.requestCounter += 1
    const plan = this.knobs.throttle
    const headers: Record<string, string> = {
      'x-amzn-requestid': `sim-${this.requestCounter.toString(16).padStart(8, '0')}`,
    }
    if (plan) {
      const limit = plan[USAGE_PLAN[operation][0]]
      headers['x-amzn-ratelimit-limit'] = String(limit)
    }
    return headers
  }

  // ---- Feeds API --------------------------------------------------------------------------------

  private feedsApi(request: SimRequest): SimResponse {
    const seller = 'feeds'
    if (request.method === 'POST' && request.path === `${FEEDS_BASE}/documents`) {
      const throttled = this.throttle(seller, 'feedRead')
      if (throttled) return throttled
      const body = z.object({ contentType: z.string().min(1) }).safeParse(request.json)
      if (!body.success) return this.errorList(400, 'InvalidInput', 'contentType is required.', '', 'feedRead')
      const id = `amzn1.tortuga.4.na.sim-${(++this.feedCounter).toString(36)}-in`
      this.feedDocuments.set(id, { contentType: body.data.contentType, content: undefined })
      return {
        status: 201,
        headers: this.headers('feedRead'),
        body: { feedDocumentId: id, url: `${this.url}/feed-documents/${encodeURIComponent(id)}` },
      }
    }
    if (request.method === 'POST' && request.path === `${FEEDS_BASE}/feeds`) {
      const throttled = this.throttle(seller, 'feed')
      if (throttled) return throttled
      const body = z
        .object({ feedType: z.string(), marketplaceIds: z.array(z.string()).min(1), inputFeedDocumentId: z.string() })
        .safeParse(request.json)
      if (!body.success)
        return this.errorList(
          400,
          'InvalidInput',
          'feedType, marketplaceIds and inputFeedDocumentId are required.',
          z.prettifyError(body.error),
          'feed',
        )
      if (body.data.feedType !== 'JSON_LISTINGS_FEED')
        return this.errorList(
          400,
          'InvalidInput',
          `The simulator supports JSON_LISTINGS_FEED, not ${body.data.feedType}.`,
          '',
          'feed',
        )
      const input = this.feedDocuments.get(body.data.inputFeedDocumentId)
      if (!input || input.content === undefined)
        return this.errorList(400, 'InvalidInput', 'The input feed document was not uploaded.', '', 'feed')
      const feedId = `${50_000 + ++this.feedCounter}`
      const messages = Array.isArray((input.content as { messages?: unknown[] } | null)?.messages)
        ? (input.content as { messages: unknown[] }).messages.length
        : 0
      this.feeds.set(feedId, {
        feedId,
        marketplaceIds: body.data.marketplaceIds,
        inputFeedDocumentId: body.data.inputFeedDocumentId,
        createdAt: this.now(),
        messages,
        fatal: this.prng.chance(this.feedKnobs.feedFatalRate),
        resultFeedDocumentId: undefined,
      })
      return { status: 202, headers: this.headers('feed'), body: { feedId } }
    }
    const feed = /^\/feeds\/2021-06-30\/feeds\/([^/]+)$/.exec(request.path)
    if (request.method === 'GET' && feed) {
      const throttled = this.throttle(seller, 'feedRead')
      if (throttled) return throttled
      const record = this.feeds.get(decodeURIComponent(feed[1]!))
      if (!record) return this.errorList(404, 'NotFound', 'The feed does not exist.', '', 'feedRead')
      const status = this.feedStatus(record)
      if ((status === 'DONE' || status === 'FATAL') && !record.resultFeedDocumentId) this.processFeed(record)
      const at = (ms: number) => new Date(ms).toISOString()
      return this.ok(
        {
          feedId: record.feedId,
          feedType: 'JSON_LISTINGS_FEED',
          marketplaceIds: record.marketplaceIds,
          createdTime: at(record.createdAt),
          processingStatus: status,
          ...(status !== 'IN_QUEUE' ? { processingStartTime: at(record.createdAt + this.feedKnobs.feedQueueMs) } : {}),
          ...(status === 'DONE' || status === 'FATAL'
            ? {
                processingEndTime: at(record.createdAt + this.feedKnobs.feedQueueMs + this.feedKnobs.feedProcessingMs),
                resultFeedDocumentId: record.resultFeedDocumentId,
              }
            : {}),
        },
        'feedRead',
      )
    }
    const document = /^\/feeds\/2021-06-30\/documents\/([^/]+)$/.exec(request.path)
    if (request.method === 'GET' && document) {
      const throttled = this.throttle(seller, 'feedRead')
      if (throttled) return throttled
      const id = decodeURIComponent(document[1]!)
      if (!this.feedDocuments.has(id))
        return this.errorList(404, 'NotFound', 'The feed document does not exist.', '', 'feedRead')
      return this.ok({ feedDocumentId: id, url: `${this.url}/feed-documents/${encodeURIComponent(id)}` }, 'feedRead')
    }
    return this.errorList(404, 'NotFound', 'Resource not found.', '', 'feedRead')
  }

  private feedStatus(feed: FeedRecord): 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' {
    const age = this.now() - feed.createdAt
    if (age < this.feedKnobs.feedQueueMs) return 'IN_QUEUE'
    if (age < this.feedKnobs.feedQueueMs + this.feedKnobs.feedProcessingMs) return 'IN_PROGRESS'
    return feed.fatal ? 'FATAL' : 'DONE'
  }

  /** Judges every message like a single patch, applies the accepted ones, and writes the report. */
  private processFeed(feed: FeedRecord): void {
    const input = this.feedDocuments.get(feed.inputFeedDocumentId)?.content as
      { header?: { sellerId?: string }; messages?: unknown[] } | undefined
    const issues: Array<Record<string, unknown>> = []
    let accepted = 0
    let invalid = 0
    const messages = Array.isArray(input?.messages) ? input!.messages : []
    if (feed.fatal) {
      issues.push({
        code: '50001',
        severity: 'ERROR',
        message: 'An internal error stopped processing this feed; no message was processed. Submit it again.',
      })
    } else if (!input?.header || messages.length === 0) {
      issues.push({ code: '100001', severity: 'ERROR', message: 'The feed document has no header or no messages.' })
    } else {
      for (const raw of messages) {
        const m = raw as {
          messageId?: unknown
          sku?: unknown
          operationType?: unknown
          productType?: unknown
          patches?: Array<{ op?: string; path?: string; value?: unknown }>
        }
        const messageId = typeof m.messageId === 'number' ? m.messageId : undefined
        const sku = typeof m.sku === 'string' ? m.sku : ''
        const refuse = (code: string, message: string) => {
          invalid++
          issues.push({ messageId, sku, code, severity: 'ERROR', message, attributeName: 'fulfillment_availability' })
        }
        if (messageId === undefined || !sku || m.operationType !== 'PATCH' || !Array.isArray(m.patches)) {
          refuse('100002', 'The message needs messageId, sku, operationType PATCH and patches.')
          continue
        }
        if (!this.listings.has(sku) && !this.knobs.autoCreateListings) {
          refuse('NOT_FOUND', `A listing for SKU '${sku}' does not exist; patches need an existing listing.`)
          continue
        }
        const patch = m.patches.find((x) => x.path === FULFILLMENT_AVAILABILITY_PATH)
        const value = fulfillmentAvailabilityValueSchema.safeParse(patch?.value)
        const mfn = value.success ? value.data.find((v) => v.fulfillment_channel_code === 'DEFAULT') : undefined
        if (!mfn || mfn.quantity === undefined) {
          refuse('90000900', 'The attributes are invalid.')
          continue
        }
        const listing = this.listingFor(sku, typeof m.productType === 'string' ? m.productType : 'PRODUCT')
        if (patch?.op !== 'merge' || mfn.lead_time_to_ship_max_days !== undefined)
          listing.leadTimeToShipMaxDays = mfn.lead_time_to_ship_max_days ?? null
        this.enqueueApply(sku, mfn.quantity, `${feed.feedId}:${messageId}`)
        accepted++
      }
    }
    const uploaded = this.feedDocuments.get(feed.inputFeedDocumentId)
    if (uploaded) Object.assign(uploaded, { content: undefined, expired: true })
    const reportId = `amzn1.tortuga.4.na.sim-${feed.feedId}-report`
    const processed = feed.fatal ? 0 : accepted + invalid
    this.feedDocuments.set(reportId, {
      contentType: 'application/json',
      content: {
        header: { sellerId: input?.header?.sellerId ?? 'unknown', version: '2.0', feedId: feed.feedId },
        issues,
        summary: {
          errors: issues.filter((i) => i.severity === 'ERROR').length,
          warnings: 0,
          messagesProcessed: processed,
          messagesAccepted: feed.fatal ? 0 : accepted,
          messagesInvalid: feed.fatal ? 0 : invalid,
        },
      },
    })
    feed.resultFeedDocumentId = reportId
  }

  private feedDocumentContent(request: SimRequest, id: string): SimResponse {
    const document = this.feedDocuments.get(id)
    if (!document) return { status: 404, body: { error: 'NoSuchKey' } }
    if (document.expired) return { status: 403, body: { error: 'AccessDenied', message: 'Request has expired' } }
    if (request.method === 'PUT') {
      let content: unknown
      try {
        content = JSON.parse(request.rawBody)
      } catch {
        content = null
      }
      document.content = content
      return { status: 200 }
    }
    if (request.method === 'GET') return { status: 200, body: document.content ?? null }
    return { status: 405 }
  }
}

export async function startAmazonSimulator(options: AmazonSimulatorOptions = {}): Promise<AmazonSimulator> {
  return new AmazonSimulator(options).start()
}
