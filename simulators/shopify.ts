// A local stand-in for the Shopify Admin GraphQL API, limited to what inventory sync uses:
//   POST /admin/api/<version>/graphql.json   (header X-Shopify-Access-Token)
// - mutation inventorySetQuantities(input: InventorySetQuantitiesInput!) [@idempotent(key: ...)]
// - query nodes(ids: [ID!]!) { ... on InventoryItem { id sku inventoryLevel(locationId:) { quantities(names: ["available"]) { name quantity } } } }
// - query orders(first:, after:, query: "updated_at:>'<iso>'", sortKey: UPDATED_AT) { ... Order, lineItems { sku quantity currentQuantity unfulfilledQuantity } }
// - mutation webhookSubscriptionCreate / webhookSubscriptionDelete, query webhookSubscriptions
// Buyers' orders (SimulatorBase.buy/cancel/ship) go out as order webhooks to every subscription
// (orders/create, orders/updated, orders/cancelled, orders/fulfilled; REST Order payload built in
// shopify-orders.ts), through an at-least-once outbox (core/webhook-outbox.ts) with Shopify's retry
// schedule; `POST /_sim/webhooks` subscribes too (the demo's receiver).
//
// Every document is parsed, validated and executed with graphql-js against Shopify's own Admin
// schema of the version in the URL (simulators/core/shopify-admin-schema.ts): an unknown field,
// argument or directive gets Shopify's validation error, arguments may be literals or variables,
// and the answer carries exactly the selection asked for. Versions: a held version is served as
// is; an older (retired) one falls forward to the oldest held; anything else is 404. Every
// answer names the version served in X-Shopify-API-Version. From 2026-04 the mutation requires
// @idempotent and an explicit changeFromQuantity on every quantity, as Shopify documents.
//
// Behaviour copied from Shopify: all-or-nothing mutations (any userError applies nothing),
// per-quantity compare-and-set through `changeFromQuantity` (null skips the check), idempotency
// keys that replay the first successful result (a key whose first attempt failed is refused with
// IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED, a key reused with other parameters with
// IDEMPOTENCY_KEY_PARAMETER_MISMATCH), and cost-based throttling (a leaky bucket of
// query-cost points answered with HTTP 200 + `errors[].extensions.code = "THROTTLED"`).
import { demoShopifyInventoryItemGid } from '../server/demo/demo-ids'
import { createHash, createHmac, randomUUID } from 'node:crypto'
import {
  executeSync,
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql'
import { z } from 'zod'
import { shopifyAdminSchema, shopifySchemaVersions } from './core/shopify-admin-schema'
import { NO_FAULT_KNOBS, type SimulatorKnobs, type SimulatorPlanName } from './core/knobs'
import { controlBody, SimulatorBase, SimulatorInputError } from './core/simulator-base'
import type { ManualEdit, SimRequest, SimResponse, SimulatorOptions } from './core/simulator-base'
import { TokenBucket } from './core/token-bucket'
import { ListingStore } from './core/listing-store'
import { DEFAULT_WEBHOOK_KNOBS, WebhookOutbox, webhookOutboxControl, type WebhookKnobs } from './core/webhook-outbox'
import type { SimOrder, SimOrderChange, SimOrderLine } from './core/order-book'
import {
  connection,
  orderCursor,
  orderFilter,
  orderHistorySchema,
  orderNode,
  recordHistory,
  restOrderPayload,
  SHOPIFY_ORDER_ID_BASE,
  SHOPIFY_ORDER_TOPICS,
  TOPIC_ENUMS,
  topicsFor,
  type OrderHistory,
  type ShopifyOrderTopic,
} from './shopify-orders'

export interface ShopifyThrottlePlan {
  [key: string]: number
  /** Bucket size in query-cost points. */
  maximumAvailable: number
  /** Points restored per second. */
  restoreRate: number
}

export const SHOPIFY_PLANS: Record<SimulatorPlanName, SimulatorKnobs<ShopifyThrottlePlan>> = {
  // Generous: 2,000 SKUs are 20 mutations of 100 quantities (110 points each).
  demo: { latencyMs: 10, ...NO_FAULT_KNOBS, throttle: { maximumAvailable: 20_000, restoreRate: 10_000 } },
  // Shopify's standard-plan GraphQL Admin limits: 1,000-point bucket restored at 50 points/s.
  realistic: { latencyMs: 80, ...NO_FAULT_KNOBS, throttle: { maximumAvailable: 1_000, restoreRate: 50 } },
}

const DEFAULT_LOCATION_GID = 'gid://shopify/Location/1'
const INVENTORY_ITEM_GID = /^gid:\/\/shopify\/InventoryItem\/(\d+)$/
const LOCATION_GID = /^gid:\/\/shopify\/Location\/(\d+)$/
const GRAPHQL_PATH = /^\/admin\/api\/([\w-]+)\/graphql\.json$/
/** From this version on, inventorySetQuantities requires @idempotent and changeFromQuantity on every quantity. */
const STRICT_INVENTORY_VERSION = '2026-04'
/** Reasons Shopify accepts for inventory changes (InventorySetQuantitiesInput.reason). */
const VALID_REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_created',
  'movement_updated',
  'movement_received',
  'movement_canceled',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
])
const MAX_QUANTITIES_PER_MUTATION = 250
const MAX_NODES_PER_QUERY = 250
const QUANTITY_LIMIT = 1_000_000_000
const IDEMPOTENCY_CACHE_LIMIT = 10_000

/**
 * The deterministic inventory item gid the simulator gives a SKU, so a demo seed can write the
 * listing map (`externalId`) without asking the simulator. Stable across runs and machines.
 */
export const shopifyInventoryItemGid = demoShopifyInventoryItemGid

export interface ShopifySimulatorOptions extends SimulatorOptions<ShopifyThrottlePlan> {
  /** When set, only this token is accepted; otherwise any non-empty token is. */
  accessToken?: string
  /** Location gids that exist in the shop. Default [gid://shopify/Location/1]. */
  locations?: string[]
  /**
   * The app's client secret: signs webhooks of subscriptions made through webhookSubscriptionCreate
   * (Shopify signs app webhooks with the app's secret). Default: 'shopify-sim-app-secret'.
   */
  appSecret?: string
  /** The shop's myshopify domain (X-Shopify-Shop-Domain). */
  shopDomain?: string
  /** Order webhook subscriptions made at start (the demo's): one per topic, topics default to all four. */
  webhooks?: Array<{ url: string; secret?: string; topics?: ShopifyOrderTopic[] }>
  /** Webhook delivery knobs (retry schedule, duplicates, reordering); defaults from the plan. */
  webhookKnobs?: Partial<WebhookKnobs>
}

/**
 * Shopify's retry schedule (8 retries over about 4 hours), compressed 56x in the demo plan (about 4
 * minutes). Shopify sends a shop's deliveries concurrently (it promises no order: receivers must
 * expect them out of order), so both plans deliver 8 at a time: one at a time fell minutes behind a
 * busy demo shop (about 3.5 deliveries a second: order webhooks arrived 60 s late at the median).
 */
export const SHOPIFY_WEBHOOK_PLANS: Record<SimulatorPlanName, WebhookKnobs> = {
  demo: { ...DEFAULT_WEBHOOK_KNOBS, webhookRetryScale: 1 / 56, webhookConcurrency: 8 },
  realistic: { ...DEFAULT_WEBHOOK_KNOBS, webhookConcurrency: 8 },
}

const webhookSubscriptionSchema = z.object({
  id: z.number().int(),
  topic: z.enum(SHOPIFY_ORDER_TOPICS),
  uri: z.string(),
  secret: z.string(),
  apiVersion: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>
const simWebhookRequestSchema = z
  .object({
    url: z.url(),
    secret: z.string().min(1).optional(),
    topics: z.array(z.enum(SHOPIFY_ORDER_TOPICS)).min(1).optional(),
    apiVersion: z.string().optional(),
  })
  .strict()
const savedExtraSchema = z.object({
  subscriptions: z.array(webhookSubscriptionSchema).default([]),
  deliveries: z.unknown().optional(),
  histories: z.record(z.string(), orderHistorySchema).default({}),
  nextSubscriptionId: z.number().int().default(1),
})
const DEFAULT_SHOP_DOMAIN = 'stocktower-demo.myshopify.com'
const DEFAULT_APP_SECRET = 'shopify-sim-app-secret'

interface InventoryItemRecord {
  sku: string | null
  /** location gid -> available */
  levels: Record<string, number>
  updatedAt: string
}

const throttlePatchSchema = z
  .object({ maximumAvailable: z.number().positive(), restoreRate: z.number().nonnegative() })
  .partial()
  .strict()

const quantityInputSchema = z.object({
  inventoryItemId: z.string(),
  locationId: z.string(),
  quantity: z.number().int(),
  // Shopify requires the key (null skips compare-and-set); older clients that omit it get no check.
  changeFromQuantity: z.number().int().nullable().optional(),
})
const setQuantitiesInputSchema = z.object({
  name: z.string(),
  reason: z.string(),
  referenceDocumentUri: z.string().nullable().optional(),
  quantities: z.array(quantityInputSchema).min(1),
})
const savedListingsSchema = z.record(
  z.string(),
  z.object({ sku: z.string().nullable(), levels: z.record(z.string(), z.number().int()), updatedAt: z.string() }),
)

interface ResolveContext {
  version: string
  schema: GraphQLSchema
  field: FieldNode
  variables: Record<string, unknown>
}

interface RootField {
  /** Shopify's query cost for this field (charged before execution). */
  cost(args: Record<string, unknown>): number
  resolve(args: Record<string, unknown>, context: ResolveContext): unknown
}

interface UserError {
  field: string[] | null
  message: string
  code: string
}

export class ShopifySimulator extends SimulatorBase<ShopifyThrottlePlan> {
  protected readonly listings = new ListingStore<InventoryItemRecord>({
    saved: savedListingsSchema,
    show: (item, gid) => [item.sku ?? gid, { inventoryItemId: gid, available: item.levels }],
    // Buyers buy from the default location (the demo store has one). Shopify applies updates at
    // once, so nothing is ever queued for later.
    quantity: {
      get: (item) => item.levels[DEFAULT_LOCATION_GID] ?? 0,
      set: (item, available) => void (item.levels[DEFAULT_LOCATION_GID] = available),
    },
  })
  private readonly locations: Set<string>
  private readonly accessToken: string | undefined
  private readonly idempotentResults = new Map<string, { fingerprint: string; data: unknown; failed: boolean }>()
  /** SKU -> the GID of the item last found carrying it (itemBySku). */
  private readonly gidBySku = new Map<string, string>()
  private bucket: TokenBucket | null = null
  /** Order webhook subscriptions, in creation order. */
  private subscriptions: WebhookSubscription[] = []
  private nextSubscriptionId = 1
  private readonly histories = new Map<string, OrderHistory>()
  private readonly appSecret: string
  private readonly shopDomain: string
  /** Order webhooks on their way (at-least-once, retried, persisted). */
  readonly webhooks: WebhookOutbox

  constructor(options: ShopifySimulatorOptions = {}) {
    super('shopify', options as ShopifySimulatorOptions & Record<string, unknown>, SHOPIFY_PLANS, throttlePatchSchema)
    this.accessToken = options.accessToken
    this.locations = new Set(options.locations ?? [DEFAULT_LOCATION_GID])
    this.appSecret = options.appSecret ?? DEFAULT_APP_SECRET
    this.shopDomain = options.shopDomain ?? DEFAULT_SHOP_DOMAIN
    this.webhooks = new WebhookOutbox({
      now: this.now,
      prng: this.prng,
      knobs: { ...SHOPIFY_WEBHOOK_PLANS[options.plan ?? 'realistic'], ...options.webhookKnobs },
      onChange: () => this.markDirty(),
      log: this.log,
    })
    this.markInitialised()
    for (const hook of options.webhooks ?? []) this.subscribe(hook)
  }

  /**
   * Subscribes a URL to order topics (all four by default), signed with `secret` (default: the
   * app's secret). An existing subscription of the same topic and URL is kept, like Shopify's
   * "address for this topic has already been taken" refusal, so a restart does not double it.
   */
  subscribe(request: {
    url: string
    secret?: string
    topics?: readonly ShopifyOrderTopic[]
    apiVersion?: string
  }): WebhookSubscription[] {
    const at = new Date(this.now()).toISOString()
    const versions = shopifySchemaVersions()
    const apiVersion = request.apiVersion ?? versions[versions.length - 1] ?? '2026-01'
    const made: WebhookSubscription[] = []
    for (const topic of request.topics ?? SHOPIFY_ORDER_TOPICS) {
      const existing = this.subscriptions.find((s) => s.topic === topic && s.uri === request.url)
      if (existing) {
        existing.secret = request.secret ?? existing.secret
        made.push(existing)
        continue
      }
      const subscription = {
        id: this.nextSubscriptionId++,
        topic,
        uri: request.url,
        secret: request.secret ?? this.appSecret,
        apiVersion,
        createdAt: at,
        updatedAt: at,
      }
      this.subscriptions.push(subscription)
      made.push(subscription)
    }
    this.markDirty()
    return made
  }

  /** The order webhook subscriptions (secrets left out). */
  webhookSubscriptions(): Array<Omit<WebhookSubscription, 'secret'>> {
    return this.subscriptions.map(({ secret, ...rest }) => (void secret, rest))
  }

  protected newOrderId(sequence: number): string {
    return String(SHOPIFY_ORDER_ID_BASE + sequence)
  }

  protected newLineId(orderId: string, index: number): string {
    // Unique across the shop (Shopify's line item ids are), still safe integers.
    return String(Number(orderId) * 100 + index + 1)
  }

  /** Shopify tells its subscribers: orders/updated on every change, plus the change's own topic. */
  protected onOrderChanged(
    order: SimOrder,
    change: SimOrderChange,
    moved: Array<{ line: SimOrderLine; quantity: number }>,
  ): void {
    let history = this.histories.get(order.orderId)
    if (!history) this.histories.set(order.orderId, (history = { refunds: [], fulfillments: [] }))
    recordHistory(history, order, change, moved)
    const eventId = randomUUID()
    const triggeredAt = new Date(this.now()).toISOString()
    const body = JSON.stringify(restOrderPayload(order, history, this.shopDomain))
    for (const topic of topicsFor(change)) {
      for (const subscription of this.subscriptions.filter((s) => s.topic === topic)) {
        const deliveryId = randomUUID()
        this.webhooks.enqueue({
          deliveryId,
          topic,
          url: subscription.uri,
          body,
          headers: {
            'content-type': 'application/json',
            'x-shopify-topic': topic,
            'x-shopify-hmac-sha256': createHmac('sha256', subscription.secret).update(body, 'utf8').digest('base64'),
            'x-shopify-shop-domain': this.shopDomain,
            'x-shopify-api-version': subscription.apiVersion,
            'x-shopify-webhook-id': deliveryId,
            'x-shopify-event-id': eventId,
            'x-shopify-triggered-at': triggeredAt,
            'user-agent': 'Shopify-Captain-Hook',
          },
        })
      }
    }
  }

  protected afterStart(): void {
    this.webhooks.start()
  }

  protected beforeClose(): void {
    this.webhooks.stop()
  }

  protected exportExtra(): unknown {
    return {
      subscriptions: this.subscriptions,
      deliveries: this.webhooks.export(),
      histories: Object.fromEntries(this.histories),
      nextSubscriptionId: this.nextSubscriptionId,
    }
  }

  protected importExtra(saved: unknown): void {
    if (saved === undefined) return
    const extra = savedExtraSchema.parse(saved)
    // Subscriptions made at construction (options.webhooks) and saved ones merge by topic and URL.
    for (const subscription of extra.subscriptions) {
      if (!this.subscriptions.some((s) => s.topic === subscription.topic && s.uri === subscription.uri))
        this.subscriptions.push(subscription)
    }
    this.nextSubscriptionId = Math.max(
      this.nextSubscriptionId,
      extra.nextSubscriptionId,
      ...this.subscriptions.map((s) => s.id + 1),
    )
    for (const [orderId, history] of Object.entries(extra.histories)) this.histories.set(orderId, history)
    this.webhooks.import(extra.deliveries)
  }

  protected extraState(): Record<string, unknown> {
    return { webhooks: { subscriptions: this.subscriptions.length, ...this.webhooks.status() } }
  }

  protected handleExtraControl(request: SimRequest): SimResponse | undefined {
    const route = `${request.method} ${request.path}`
    switch (route) {
      case 'GET /_sim/webhooks':
        return {
          status: 200,
          body: {
            subscriptions: this.webhookSubscriptions(),
            pending: this.webhooks.pending().map(({ body, ...rest }) => (void body, rest)),
            attempts: this.webhooks.attemptLog.slice(-100),
            ...this.webhooks.status(),
          },
        }
      case 'POST /_sim/webhooks': {
        const made = this.subscribe(
          controlBody(
            simWebhookRequestSchema,
            request,
            'INVALID_WEBHOOK_SUBSCRIPTION',
            'expected { url, secret?, topics?: ["orders/create", ...] }',
          ),
        )
        return { status: 201, body: { subscriptions: made.map(({ secret, ...rest }) => (void secret, rest)) } }
      }
      default:
        return webhookOutboxControl(this.webhooks, route, request.json)
    }
  }

  /** The available quantity at a location, or null when the item is unknown or not stocked there. */
  quantityOf(sku: string, locationId = DEFAULT_LOCATION_GID): number | null {
    return this.listings.get(shopifyInventoryItemGid(sku))?.levels[locationId] ?? null
  }

  /** The available quantity of an inventory item (a listing's `externalId`) at a location. */
  quantityOfItem(inventoryItemId: string, locationId = DEFAULT_LOCATION_GID): number | null {
    return this.listings.get(inventoryItemId)?.levels[locationId] ?? null
  }

  protected handleApi(request: SimRequest): SimResponse {
    const path = GRAPHQL_PATH.exec(request.path)
    if (!path) return { status: 404, body: { errors: 'Not Found' } }
    // Like Shopify: a retired version falls forward to the oldest supported one; a version that
    // does not exist (malformed, not yet released) is not found. The header says what was served.
    const version = servedVersion(path[1]!)
    if (!version) return { status: 404, body: { errors: 'Not Found' } }
    const headers = { 'x-shopify-api-version': version }
    if (request.method !== 'POST') return { status: 405, headers, body: { errors: 'Method Not Allowed' } }
    const token = request.header('x-shopify-access-token')
    if (!token || (this.accessToken !== undefined && token !== this.accessToken)) {
      return {
        status: 401,
        headers,
        body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
      }
    }
    const body = z
      .object({
        query: z.string(),
        variables: z.record(z.string(), z.unknown()).nullable().optional(),
        operationName: z.string().nullable().optional(),
      })
      .safeParse(request.json)
    if (!body.success)
      return { status: 400, headers, body: { errors: { query: 'Required parameter missing or invalid' } } }
    const response = this.graphql(
      version,
      body.data.query,
      body.data.variables ?? {},
      body.data.operationName ?? undefined,
    )
    return { ...response, headers: { ...response.headers, ...headers } }
  }

  /**
   * One GraphQL request against the schema of `version`: parse, validate (graphql-js, Shopify's
   * own introspection), coerce variables, charge the query cost, then execute with resolvers for
   * the root fields the simulator implements (ROOT_FIELDS). Answers Shopify's shapes: HTTP 200 with
   * `errors` for documents the schema refuses.
   */
  private graphql(
    version: string,
    query: string,
    variables: Record<string, unknown>,
    operationName: string | undefined,
  ): SimResponse {
    const schema = shopifyAdminSchema(version)
    let document: DocumentNode
    try {
      document = parseCached(query)
    } catch (error) {
      return graphqlErrors([shopifyError(error as GraphQLError, 'PARSE_ERROR')])
    }
    const invalid = validate(schema, document)
    if (invalid.length > 0) return graphqlErrors(invalid.map((error) => shopifyError(error)))
    const operation = getOperationAST(document, operationName)
    if (!operation)
      return graphqlErrors([
        {
          message: 'An operation name is required when the document holds several operations',
          extensions: { code: 'BAD_REQUEST' },
        },
      ])
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables)
    if (coerced.errors) return graphqlErrors(coerced.errors.map((error) => shopifyError(error, 'INVALID_VARIABLE')))
    const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()
    const handlers =
      operation.operation === 'mutation' ? this.mutations : operation.operation === 'query' ? this.queries : {}
    let cost = 0
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) continue
      const handler = handlers[selection.name.value]
      if (!handler) {
        return graphqlErrors([
          {
            message: `The Stocktower Shopify simulator does not implement ${operation.operation} field ${selection.name.value}`,
            extensions: { code: 'UNSUPPORTED_OPERATION' },
          },
        ])
      }
      cost += handler.cost(getArgumentValues(rootType!.getFields()[selection.name.value]!, selection, coerced.coerced))
    }
    const throttled = this.spend(cost)
    if (throttled) return throttled
    const rootValue: Record<string, unknown> = {}
    for (const [name, handler] of Object.entries(handlers)) {
      rootValue[name] = (args: Record<string, unknown>, _context: unknown, info: GraphQLResolveInfo) =>
        handler.resolve(args, { version, schema, field: info.fieldNodes[0]!, variables: coerced.coerced })
    }
    const result = executeSync({ schema, document, rootValue, variableValues: variables, operationName })
    return {
      status: 200,
      body: {
        ...(result.data !== undefined ? { data: result.data } : {}),
        ...(result.errors?.length ? { errors: result.errors.map((error) => shopifyError(error)) } : {}),
        extensions: { cost: this.costExtension(cost, cost) },
      },
    }
  }

  /** Root fields the simulator implements (issue 15 adds order fields here). */
  private readonly mutations: Record<string, RootField> = {
    inventorySetQuantities: {
      cost: (args) => 10 + ((args.input as { quantities?: unknown[] } | undefined)?.quantities?.length ?? 0),
      resolve: (args, context) => this.setQuantities(args, context),
    },
    webhookSubscriptionCreate: {
      cost: () => 10,
      resolve: (args, context) => this.createWebhookSubscription(args, context),
    },
    webhookSubscriptionDelete: { cost: () => 10, resolve: (args) => this.deleteWebhookSubscription(args) },
  }

  private readonly queries: Record<string, RootField> = {
    nodes: {
      cost: (args) => 1 + ((args.ids as unknown[] | undefined)?.length ?? 0),
      resolve: (args) => this.readNodes(args),
    },
    // Shopify's estimate charges each requested object: an order plus its first few line items.
    orders: { cost: (args) => 2 + 6 * Number(args.first ?? args.last ?? 0), resolve: (args) => this.readOrders(args) },
    webhookSubscriptions: {
      cost: (args) => 2 + Number(args.first ?? args.last ?? 0),
      resolve: (args) => this.readWebhookSubscriptions(args),
    },
  }

  /** webhookSubscriptions(first:, topics:, uri | callbackUrl:): an app checks what it is subscribed to. */
  private readWebhookSubscriptions(args: Record<string, unknown>): unknown {
    const topics = (args.topics as string[] | null | undefined) ?? undefined
    const uri = (args.uri ?? args.callbackUrl) as string | null | undefined
    const matching = this.subscriptions.filter(
      (s) => (!topics || topics.includes(TOPIC_ENUMS[s.topic])) && (!uri || s.uri === uri),
    )
    return connection(
      matching,
      args,
      (s) => Buffer.from(`sub:${String(s.id).padStart(12, '0')}`).toString('base64'),
      (s) => this.subscriptionNode(s),
    )
  }

  /** webhookSubscriptionDelete(id:): stops deliveries to it (queued ones still go, as Shopify's retries do). */
  private deleteWebhookSubscription(args: Record<string, unknown>): unknown {
    const id = Number(/^gid:\/\/shopify\/WebhookSubscription\/(\d+)$/.exec(String(args.id))?.[1])
    const index = this.subscriptions.findIndex((s) => s.id === id)
    if (index < 0)
      return {
        __typename: 'WebhookSubscriptionDeletePayload',
        deletedWebhookSubscriptionId: null,
        userErrors: [{ __typename: 'UserError', field: ['id'], message: 'Webhook subscription does not exist' }],
      }
    this.subscriptions.splice(index, 1)
    this.markDirty()
    return {
      __typename: 'WebhookSubscriptionDeletePayload',
      deletedWebhookSubscriptionId: String(args.id),
      userErrors: [],
    }
  }

  /** webhookSubscriptionCreate(topic:, webhookSubscription: { uri | callbackUrl, format }). */
  private createWebhookSubscription(args: Record<string, unknown>, context: ResolveContext): unknown {
    const input = (args.webhookSubscription ?? {}) as {
      uri?: string | null
      callbackUrl?: string | null
      format?: string | null
    }
    const topic = Object.entries(TOPIC_ENUMS).find(([, value]) => value === args.topic)?.[0] as
      ShopifyOrderTopic | undefined
    const fail = (field: string[], message: string) => ({
      __typename: 'WebhookSubscriptionCreatePayload',
      webhookSubscription: null,
      userErrors: [{ __typename: 'UserError', field, message }],
    })
    if (!topic)
      return fail(['topic'], `The Stocktower Shopify simulator sends only ${Object.values(TOPIC_ENUMS).join(', ')}.`)
    const uri = input.uri ?? input.callbackUrl
    if (!uri) return fail(['webhookSubscription', 'uri'], "Address can't be blank")
    if (!/^https?:\/\/[^\s]+$/.test(uri)) return fail(['webhookSubscription', 'uri'], 'Address is invalid')
    if (input.format && input.format !== 'JSON')
      return fail(['webhookSubscription', 'format'], 'The simulator delivers JSON only.')
    if (this.subscriptions.some((s) => s.topic === topic && s.uri === uri))
      return fail(['webhookSubscription', 'callbackUrl'], 'Address for this topic has already been taken')
    const [subscription] = this.subscribe({ url: uri, topics: [topic], apiVersion: context.version })
    return {
      __typename: 'WebhookSubscriptionCreatePayload',
      userErrors: [],
      webhookSubscription: this.subscriptionNode(subscription!),
    }
  }

  private subscriptionNode(subscription: WebhookSubscription): Record<string, unknown> {
    return {
      __typename: 'WebhookSubscription',
      id: `gid://shopify/WebhookSubscription/${subscription.id}`,
      legacyResourceId: String(subscription.id),
      topic: TOPIC_ENUMS[subscription.topic],
      uri: subscription.uri,
      callbackUrl: subscription.uri,
      endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: subscription.uri },
      format: 'JSON',
      filter: null,
      name: null,
      includeFields: [],
      metafieldNamespaces: [],
      metafields: [],
      apiVersion: {
        __typename: 'ApiVersion',
        handle: subscription.apiVersion,
        displayName: subscription.apiVersion,
        supported: true,
      },
      createdAt: subscription.createdAt,
      updatedAt: subscription.updatedAt,
    }
  }

  /** orders(first/last, after/before, query: "updated_at:>'...'", sortKey, reverse): the shop's orders. */
  private readOrders(args: Record<string, unknown>): unknown {
    const sortKey = typeof args.sortKey === 'string' ? args.sortKey : 'ID'
    const filter = orderFilter(args.query as string | null | undefined)
    const key = (order: SimOrder) =>
      sortKey === 'UPDATED_AT'
        ? order.updatedAt
        : sortKey === 'CREATED_AT' || sortKey === 'PROCESSED_AT'
          ? order.createdAt
          : ''
    const orders = this.orderBook
      .orders()
      .filter(filter)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : Number(a.orderId) - Number(b.orderId)))
    return connection(orders, args, (order) => orderCursor(order, sortKey), orderNode)
  }

  protected outageResponse(retryAfterSeconds: number | undefined): SimResponse {
    return {
      status: 503,
      headers: retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {},
      body: { errors: 'Service Unavailable' },
    }
  }

  protected serverErrorResponse(): SimResponse {
    return { status: 500, body: { errors: 'Internal Server Error' } }
  }

  protected onThrottleChanged(): void {
    const plan = this.knobs.throttle
    this.bucket = plan
      ? new TokenBucket({ capacity: plan.maximumAvailable, refillPerSecond: plan.restoreRate }, this.now)
      : null
  }

  protected throttleStatus(): unknown {
    return this.costExtension(0, 0).throttleStatus
  }

  protected applyManualEdit(edit: ManualEdit & Record<string, unknown>): void {
    const locationId = typeof edit.locationId === 'string' ? edit.locationId : DEFAULT_LOCATION_GID
    if (!this.locations.has(locationId))
      throw new SimulatorInputError('INVALID_LOCATION', `unknown location ${locationId}`)
    // By inventory item id when given (items created by mutations carry no SKU), else by SKU.
    const gid =
      typeof edit.inventoryItemId === 'string'
        ? edit.inventoryItemId
        : (this.itemBySku(edit.sku)?.[0] ?? shopifyInventoryItemGid(edit.sku))
    const item = this.itemFor(gid, edit.sku)
    item.levels[locationId] = edit.quantity
    item.updatedAt = new Date(this.now()).toISOString()
  }

  /** Listings are inventory items, keyed by GID; the one carrying the SKU is what buyers buy. */
  protected listingKey(sku: string): string | undefined {
    return this.itemBySku(sku)?.[0]
  }

  protected seedListings(skus: readonly string[], quantity: number): number {
    let created = 0
    for (const sku of skus) {
      const gid = shopifyInventoryItemGid(sku)
      const existing = this.listings.get(gid)
      if (existing) {
        existing.sku ??= sku
        continue
      }
      this.listings.set(gid, {
        sku,
        levels: { [DEFAULT_LOCATION_GID]: quantity },
        updatedAt: new Date(this.now()).toISOString(),
      })
      created += 1
    }
    return created
  }

  // ---- operations -------------------------------------------------------------------------------

  /** inventorySetQuantities: returns the InventorySetQuantitiesPayload (execution applies the selection). */
  private setQuantities(args: Record<string, unknown>, context: ResolveContext): unknown {
    const input = setQuantitiesInputSchema.parse(args.input)
    const idempotent = context.schema.getDirective('idempotent')
    const idempotencyKey = idempotent
      ? (getDirectiveValues(idempotent, context.field, context.variables)?.key as string | undefined)
      : undefined
    if (context.version >= STRICT_INVENTORY_VERSION) {
      // From 2026-04 Shopify refuses the mutation without an idempotency key or without an explicit
      // changeFromQuantity (null allowed) on every quantity.
      if (idempotencyKey === undefined)
        throw new GraphQLError('The @idempotent directive is required for this mutation.', {
          extensions: { code: 'BAD_REQUEST' },
        })
      const missing = input.quantities.findIndex((quantity) => !('changeFromQuantity' in quantity))
      if (missing >= 0) {
        throw new GraphQLError(
          `InventoryQuantityInput.changeFromQuantity is required (pass null to skip the compare-and-swap check); missing at quantities[${missing}].`,
          { extensions: { code: 'BAD_REQUEST' } },
        )
      }
    }
    if (idempotencyKey !== undefined && idempotencyKey.trim() === '')
      throw new GraphQLError('The idempotency key cannot be empty.', { extensions: { code: 'BAD_REQUEST' } })

    const fingerprint = JSON.stringify(input)
    if (idempotencyKey !== undefined) {
      const previous = this.idempotentResults.get(idempotencyKey)
      if (previous && previous.fingerprint !== fingerprint) {
        return payload(null, [
          {
            field: null,
            message: 'The same idempotency key cannot be used with different operation parameters.',
            code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          },
        ])
      }
      // A repeat of a failed attempt is refused: Shopify wants a new key for a new try.
      if (previous && previous.failed) {
        return payload(null, [
          {
            field: null,
            message: 'A previous request with this idempotency key failed. Retry with a new idempotency key.',
            code: 'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
          },
        ])
      }
      // A repeat (a client retrying after a timeout) gets the first result, applied once.
      if (previous) return previous.data
    }

    const userErrors = this.validate(input)
    if (userErrors.length > 0) {
      if (idempotencyKey !== undefined) this.remember(idempotencyKey, { fingerprint, data: null, failed: true })
      return payload(null, userErrors)
    }

    const at = new Date(this.now()).toISOString()
    const changes: unknown[] = []
    for (const quantity of input.quantities) {
      const item = this.itemFor(quantity.inventoryItemId, null)
      const before = item.levels[quantity.locationId] ?? 0
      item.levels[quantity.locationId] = quantity.quantity
      item.updatedAt = at
      if (item.sku && quantity.locationId === DEFAULT_LOCATION_GID)
        this.noteChange(item.sku, before, 'apply', idempotencyKey ?? null)
      const delta = quantity.quantity - before
      // Shopify lists only quantities that moved; setting "available" moves "on_hand" alike.
      if (delta === 0) continue
      for (const name of [input.name, 'on_hand']) {
        changes.push({
          name,
          delta,
          quantityAfterChange: quantity.quantity,
          ledgerDocumentUri: null,
          item: this.inventoryItemNode(quantity.inventoryItemId),
          location: { __typename: 'Location', id: quantity.locationId },
        })
      }
    }
    this.markDirty()
    const group = {
      __typename: 'InventoryAdjustmentGroup',
      id: `gid://shopify/InventoryAdjustmentGroup/${Math.floor(this.prng.next() * 1e12)}`,
      createdAt: at,
      reason: input.reason,
      referenceDocumentUri: input.referenceDocumentUri ?? null,
      changes,
    }
    const result = payload(group, [])
    if (idempotencyKey !== undefined) this.remember(idempotencyKey, { fingerprint, data: result, failed: false })
    return result
  }

  private remember(key: string, entry: { fingerprint: string; data: unknown; failed: boolean }): void {
    this.idempotentResults.set(key, entry)
    if (this.idempotentResults.size > IDEMPOTENCY_CACHE_LIMIT)
      this.idempotentResults.delete(this.idempotentResults.keys().next().value!)
  }

  /** An InventoryItem as the schema sees it: fields with arguments are functions of them. */
  private inventoryItemNode(gid: string): Record<string, unknown> | null {
    const item = this.listings.get(gid)
    if (!item) return null
    const level = (locationId: string) => {
      const available = item.levels[locationId]
      if (available === undefined) return null
      return {
        __typename: 'InventoryLevel',
        id: `gid://shopify/InventoryLevel/${gid.split('/').pop()}?inventory_item_id=${gid.split('/').pop()}&location_id=${locationId.split('/').pop()}`,
        location: { __typename: 'Location', id: locationId },
        // Shopify's other quantity names are kept as they are; the simulator tracks only available (on_hand follows it).
        quantities: ({ names }: { names: string[] }) =>
          names.map((name) => ({
            __typename: 'InventoryQuantity',
            id: `${gid}#${name}`,
            name,
            quantity: name === 'available' || name === 'on_hand' ? (item.levels[locationId] ?? 0) : 0,
            updatedAt: item.updatedAt,
          })),
      }
    }
    return {
      __typename: 'InventoryItem',
      id: gid,
      sku: item.sku,
      tracked: true,
      inventoryLevel: ({ locationId }: { locationId: string }) => level(locationId),
    }
  }

  private validate(input: z.infer<typeof setQuantitiesInputSchema>): UserError[] {
    const errors: UserError[] = []
    if (input.name !== 'available' && input.name !== 'on_hand') {
      errors.push({
        field: ['input', 'name'],
        message: "The quantity name must be either 'available' or 'on_hand'.",
        code: 'INVALID_NAME',
      })
    }
    if (!VALID_REASONS.has(input.reason)) {
      errors.push({ field: ['input', 'reason'], message: 'The specified reason is invalid.', code: 'INVALID_REASON' })
    }
    if (input.quantities.length > MAX_QUANTITIES_PER_MUTATION) {
      errors.push({
        field: ['input', 'quantities'],
        message: `At most ${MAX_QUANTITIES_PER_MUTATION} quantities per request.`,
        code: 'INVALID_QUANTITY_TOO_MANY',
      })
    }
    const seen = new Set<string>()
    input.quantities.forEach((quantity, index) => {
      const field = (name: string) => ['input', 'quantities', String(index), name]
      if (!INVENTORY_ITEM_GID.test(quantity.inventoryItemId)) {
        errors.push({
          field: field('inventoryItemId'),
          message: 'The specified inventory item could not be found.',
          code: 'INVALID_INVENTORY_ITEM',
        })
        return
      }
      if (!LOCATION_GID.test(quantity.locationId) || !this.locations.has(quantity.locationId)) {
        errors.push({
          field: field('locationId'),
          message: 'The specified location could not be found.',
          code: 'INVALID_LOCATION',
        })
        return
      }
      const pair = `${quantity.inventoryItemId}|${quantity.locationId}`
      if (seen.has(pair)) {
        errors.push({
          field: field('inventoryItemId'),
          message: 'The combination of inventoryItemId and locationId must be unique.',
          code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
        })
        return
      }
      seen.add(pair)
      if (quantity.quantity > QUANTITY_LIMIT) {
        errors.push({
          field: field('quantity'),
          message: "The quantity can't be higher than 1,000,000,000.",
          code: 'INVALID_QUANTITY_TOO_HIGH',
        })
      } else if (quantity.quantity < -QUANTITY_LIMIT) {
        errors.push({
          field: field('quantity'),
          message: "The quantity can't be lower than -1,000,000,000.",
          code: 'INVALID_QUANTITY_TOO_LOW',
        })
      }
      const item = this.listings.get(quantity.inventoryItemId)
      if (!item && !this.knobs.autoCreateListings) {
        errors.push({
          field: field('inventoryItemId'),
          message: 'The specified inventory item could not be found.',
          code: 'INVALID_INVENTORY_ITEM',
        })
        return
      }
      const current = item?.levels[quantity.locationId] ?? 0
      if (quantity.changeFromQuantity != null && quantity.changeFromQuantity !== current) {
        errors.push({
          field: field('changeFromQuantity'),
          message: `The specified compare quantity does not match the current quantity (${current}).`,
          code: 'CHANGE_FROM_QUANTITY_STALE',
        })
      }
    })
    return errors
  }

  private readNodes(args: Record<string, unknown>): unknown {
    const ids = args.ids as string[]
    if (ids.length > MAX_NODES_PER_QUERY)
      throw new GraphQLError(`The nodes query accepts at most ${MAX_NODES_PER_QUERY} ids.`, {
        extensions: { code: 'BAD_REQUEST' },
      })
    return ids.map((id) => (INVENTORY_ITEM_GID.test(id) ? this.inventoryItemNode(id) : null))
  }

  /** Takes `cost` points, or returns Shopify's THROTTLED / MAX_COST_EXCEEDED answer. */
  private spend(cost: number): SimResponse | undefined {
    if (!this.bucket) return undefined
    if (cost > this.bucket.plan.capacity) {
      return {
        status: 200,
        body: {
          errors: [
            {
              message: `Query cost is ${cost}, which exceeds the single query max cost limit (${this.bucket.plan.capacity}).`,
              extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: this.bucket.plan.capacity },
            },
          ],
          extensions: { cost: this.costExtension(cost, null) },
        },
      }
    }
    const taken = this.bucket.tryTake(cost)
    if (taken.ok) return undefined
    this.counters.throttled += 1
    return {
      status: 200,
      body: {
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: { cost: this.costExtension(cost, null) },
      },
    }
  }

  private costExtension(requestedQueryCost: number, actualQueryCost: number | null) {
    const plan = this.knobs.throttle
    return {
      requestedQueryCost,
      actualQueryCost,
      throttleStatus: {
        maximumAvailable: plan?.maximumAvailable ?? 1_000_000,
        currentlyAvailable: this.bucket ? Math.floor(this.bucket.available()) : 1_000_000,
        restoreRate: plan?.restoreRate ?? 1_000_000,
      },
    }
  }

  /**
   * The inventory item carrying `sku`, without a scan of every item on each sale and each set
   * quantity (at 200,000 items that scan was the simulator's CPU): the item last found for the SKU,
   * or the one its GID names, checked to still carry it; only an item created by a mutation under
   * another GID is found by a scan, once, and then remembered.
   */
  private itemBySku(sku: string): [string, InventoryItemRecord] | undefined {
    for (const gid of [this.gidBySku.get(sku), shopifyInventoryItemGid(sku)]) {
      const item = gid === undefined ? undefined : this.listings.get(gid)
      if (item?.sku === sku) return [gid!, item]
    }
    for (const [gid, item] of this.listings)
      if (item.sku === sku) {
        this.gidBySku.set(sku, gid)
        return [gid, item]
      }
    return undefined
  }

  private itemFor(gid: string, sku: string | null): InventoryItemRecord {
    let item = this.listings.get(gid)
    if (!item) {
      item = { sku, levels: {}, updatedAt: new Date(this.now()).toISOString() }
      this.listings.set(gid, item)
    } else if (sku && !item.sku) {
      item.sku = sku
    }
    return item
  }
}

function payload(group: unknown, userErrors: UserError[]) {
  return {
    __typename: 'InventorySetQuantitiesPayload',
    inventoryAdjustmentGroup: group,
    userErrors: userErrors.map((error) => ({ __typename: 'InventorySetQuantitiesUserError', ...error })),
  }
}

function graphqlErrors(errors: unknown[]): SimResponse {
  return { status: 200, body: { errors } }
}

/** graphql-js errors in Shopify's shape: message, locations, path, extensions.code. */
function shopifyError(error: GraphQLError, fallbackCode = 'GRAPHQL_VALIDATION_FAILED'): Record<string, unknown> {
  const code =
    typeof error.extensions?.code === 'string' ? error.extensions.code : (validationCode(error.message) ?? fallbackCode)
  return {
    message: error.message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: { ...error.extensions, code },
  }
}

/** Shopify's codes for the schema checks graphql-js performs. */
function validationCode(message: string): string | undefined {
  if (/^Unknown directive/.test(message)) return 'undefinedDirective'
  if (/^Cannot query field/.test(message)) return 'undefinedField'
  if (/^Unknown argument/.test(message)) return 'argumentNotAccepted'
  if (/^Unknown type/.test(message)) return 'undefinedType'
  if (/argument .* is required/.test(message)) return 'missingRequiredArguments'
  if (/^Field ".*" is not defined by type/.test(message)) return 'argumentLiteralsIncompatible'
  if (/^Variable "\$\w+" (?:of type|got invalid value)/.test(message)) return 'INVALID_VARIABLE'
  return undefined
}

const documents = new Map<string, DocumentNode>()
/** Clients send the same few documents over and over: parse each once. */
function parseCached(query: string): DocumentNode {
  let document = documents.get(query)
  if (!document) {
    document = parse(query)
    if (documents.size > 200) documents.clear()
    documents.set(query, document)
  }
  return document
}

/** The version Shopify serves for a requested one, or undefined (404) when it does not exist. */
export function servedVersion(requested: string): string | undefined {
  const versions = shopifySchemaVersions()
  if (versions.includes(requested)) return requested
  if (!/^\d{4}-(01|04|07|10)$/.test(requested) || versions.length === 0) return undefined
  // Retired versions fall forward to the oldest supported one; unreleased ones do not exist.
  return requested < versions[0]! ? versions[0] : undefined
}

export async function startShopifySimulator(options: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> {
  return new ShopifySimulator(options).start()
}
