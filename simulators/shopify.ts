// A local stand-in for the Shopify Admin GraphQL API, limited to what inventory sync uses:
//   POST /admin/api/<version>/graphql.json   (header X-Shopify-Access-Token)
// - mutation inventorySetQuantities(input: InventorySetQuantitiesInput!) [@idempotent(key: ...)]
// - query nodes(ids: [ID!]!) { ... on InventoryItem { id sku inventoryLevel(locationId:) { quantities(names: ["available"]) { name quantity } } } }
//
// There is no GraphQL parser here: the operation is recognised by its root field and every
// argument is read from `variables` (clients MUST send `variables.input` for the mutation and
// `variables.ids` + `variables.locationId` for the query; inline literal arguments are ignored).
// Responses always carry the full selection the connector asks for.
//
// Behaviour copied from Shopify: all-or-nothing mutations (any userError applies nothing),
// per-quantity compare-and-set through `changeFromQuantity` (null skips the check), idempotency
// keys that replay the first successful result, and cost-based throttling (a leaky bucket of
// query-cost points answered with HTTP 200 + `errors[].extensions.code = "THROTTLED"`).
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { SimulatorKnobs, SimulatorPlanName } from './core/knobs'
import {
  SimulatorBase,
  SimulatorInputError,
  type ManualEdit,
  type PendingApply,
  type SimRequest,
  type SimResponse,
  type SimulatorBaseOptions,
} from './core/simulator-base'
import { TokenBucket } from './core/token-bucket'

export interface ShopifyThrottlePlan {
  [key: string]: number
  /** Bucket size in query-cost points. */
  maximumAvailable: number
  /** Points restored per second. */
  restoreRate: number
}

export const SHOPIFY_PLANS: Record<SimulatorPlanName, SimulatorKnobs<ShopifyThrottlePlan>> = {
  // Generous: 2,000 SKUs are 20 mutations of 100 quantities (110 points each).
  demo: {
    latencyMs: 10,
    errorRate: 0,
    outage: false,
    acceptedNeverAppliedRate: 0,
    applyDelayMs: 0,
    applyJitterMs: 0,
    autoCreateListings: true,
    throttle: { maximumAvailable: 20_000, restoreRate: 10_000 },
  },
  // Shopify's standard-plan GraphQL Admin limits: 1,000-point bucket restored at 50 points/s.
  realistic: {
    latencyMs: 80,
    errorRate: 0,
    outage: false,
    acceptedNeverAppliedRate: 0,
    applyDelayMs: 0,
    applyJitterMs: 0,
    autoCreateListings: true,
    throttle: { maximumAvailable: 1_000, restoreRate: 50 },
  },
}

const DEFAULT_LOCATION_GID = 'gid://shopify/Location/1'
const INVENTORY_ITEM_GID = /^gid:\/\/shopify\/InventoryItem\/(\d+)$/
const LOCATION_GID = /^gid:\/\/shopify\/Location\/(\d+)$/
const GRAPHQL_PATH = /^\/admin\/api\/[\w-]+\/graphql\.json$/
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
export function shopifyInventoryItemGid(sku: string): string {
  const digest = createHash('sha256').update(`stocktower-sim:${sku}`).digest()
  // 48 bits keeps ids well inside Number.MAX_SAFE_INTEGER, like real Shopify ids; +1 avoids 0.
  const id = digest.readUIntBE(0, 6) + 1
  return `gid://shopify/InventoryItem/${id}`
}

export interface ShopifySimulatorOptions extends SimulatorBaseOptions {
  /** When set, only this token is accepted; otherwise any non-empty token is. */
  accessToken?: string
  /** Location gids that exist in the shop. Default [gid://shopify/Location/1]. */
  locations?: string[]
  latencyMs?: number
  errorRate?: number
  outage?: boolean | number | string
  acceptedNeverAppliedRate?: number
  applyDelayMs?: number
  applyJitterMs?: number
  autoCreateListings?: boolean
  throttle?: Partial<ShopifyThrottlePlan> | null
}

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
const nodesVariablesSchema = z.object({
  ids: z.array(z.string()).max(MAX_NODES_PER_QUERY),
  locationId: z.string().default(DEFAULT_LOCATION_GID),
})
const savedListingsSchema = z.record(
  z.string(),
  z.object({ sku: z.string().nullable(), levels: z.record(z.string(), z.number().int()), updatedAt: z.string() }),
)

interface UserError {
  field: string[] | null
  message: string
  code: string
}

export class ShopifySimulator extends SimulatorBase<ShopifyThrottlePlan> {
  private readonly items = new Map<string, InventoryItemRecord>()
  private readonly locations: Set<string>
  private readonly accessToken: string | undefined
  private readonly idempotentResults = new Map<string, { fingerprint: string; data: unknown }>()
  private bucket: TokenBucket | null = null

  constructor(options: ShopifySimulatorOptions = {}) {
    super('shopify', options as ShopifySimulatorOptions & Record<string, unknown>, SHOPIFY_PLANS, throttlePatchSchema)
    this.accessToken = options.accessToken
    this.locations = new Set(options.locations ?? [DEFAULT_LOCATION_GID])
    this.markInitialised()
  }

  /** The available quantity at a location, or null when the item is unknown or not stocked there. */
  quantityOf(sku: string, locationId = DEFAULT_LOCATION_GID): number | null {
    return this.items.get(shopifyInventoryItemGid(sku))?.levels[locationId] ?? null
  }

  /** The available quantity of an inventory item (a listing's `externalId`) at a location. */
  quantityOfItem(inventoryItemId: string, locationId = DEFAULT_LOCATION_GID): number | null {
    return this.items.get(inventoryItemId)?.levels[locationId] ?? null
  }

  protected handleApi(request: SimRequest): SimResponse {
    if (!GRAPHQL_PATH.test(request.path)) return { status: 404, body: { errors: 'Not Found' } }
    if (request.method !== 'POST') return { status: 405, body: { errors: 'Method Not Allowed' } }
    const token = request.header('x-shopify-access-token')
    if (!token || (this.accessToken !== undefined && token !== this.accessToken)) {
      return { status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } }
    }
    const body = z
      .object({ query: z.string(), variables: z.record(z.string(), z.unknown()).nullable().optional() })
      .safeParse(request.json)
    if (!body.success) return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } }
    const { query } = body.data
    const variables = body.data.variables ?? {}

    if (/\binventorySetQuantities\s*\(/.test(query)) return this.setQuantities(query, variables)
    if (/\bnodes\s*\(/.test(query)) return this.readNodes(variables)
    return graphqlError(
      'The Stocktower Shopify simulator supports only the inventorySetQuantities mutation and the nodes(ids:) query',
      'UNSUPPORTED_OPERATION',
    )
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
    this.bucket = plan ? new TokenBucket({ capacity: plan.maximumAvailable, refillPerSecond: plan.restoreRate }, this.now) : null
  }

  protected throttleStatus(): unknown {
    return this.costExtension(0, 0).throttleStatus
  }

  protected applyManualEdit(edit: ManualEdit & Record<string, unknown>): void {
    const locationId = typeof edit.locationId === 'string' ? edit.locationId : DEFAULT_LOCATION_GID
    if (!this.locations.has(locationId)) throw new SimulatorInputError('INVALID_LOCATION', `unknown location ${locationId}`)
    // By inventory item id when given (items created by mutations carry no SKU), else by SKU.
    const gid = typeof edit.inventoryItemId === 'string' ? edit.inventoryItemId
      : [...this.items.entries()].find(([, item]) => item.sku === edit.sku)?.[0] ?? shopifyInventoryItemGid(edit.sku)
    const item = this.itemFor(gid, edit.sku)
    item.levels[locationId] = edit.quantity
    item.updatedAt = new Date(this.now()).toISOString()
  }

  protected seedListings(skus: readonly string[], quantity: number): number {
    let created = 0
    for (const sku of skus) {
      const gid = shopifyInventoryItemGid(sku)
      const existing = this.items.get(gid)
      if (existing) {
        existing.sku ??= sku
        continue
      }
      this.items.set(gid, { sku, levels: { [DEFAULT_LOCATION_GID]: quantity }, updatedAt: new Date(this.now()).toISOString() })
      created += 1
    }
    return created
  }

  protected commitApply(apply: PendingApply): void {
    // Shopify applies synchronously; nothing is ever queued.
    void apply
  }

  protected exportListings(): unknown {
    return Object.fromEntries(this.items)
  }

  protected importListings(saved: unknown): void {
    for (const [gid, item] of Object.entries(savedListingsSchema.parse(saved))) this.items.set(gid, item)
  }

  protected listingsView(): Record<string, unknown> {
    const view: Record<string, unknown> = {}
    for (const [gid, item] of this.items) view[item.sku ?? gid] = { inventoryItemId: gid, available: item.levels }
    return view
  }

  // ---- operations -------------------------------------------------------------------------------

  private setQuantities(query: string, variables: Record<string, unknown>): SimResponse {
    const input = setQuantitiesInputSchema.safeParse(variables.input)
    if (!input.success) {
      return graphqlError(
        `Variable $input of type InventorySetQuantitiesInput! was provided invalid value (${z.prettifyError(input.error)})`,
        'INVALID_VARIABLE',
      )
    }
    const cost = 10 + input.data.quantities.length
    const throttled = this.spend(cost)
    if (throttled) return throttled

    const idempotencyKey = readIdempotencyKey(query, variables)
    const fingerprint = JSON.stringify(input.data)
    if (idempotencyKey !== undefined) {
      const previous = this.idempotentResults.get(idempotencyKey)
      if (previous && previous.fingerprint !== fingerprint) {
        return this.mutationResult(null, [{ field: null, message: 'The same idempotency key was used with different parameters.', code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH' }], cost)
      }
      // A repeat (a client retrying after a timeout) gets the first result, applied once.
      if (previous) return { status: 200, body: { data: previous.data, extensions: { cost: this.costExtension(cost, cost) } } }
    }

    const userErrors = this.validate(input.data)
    if (userErrors.length > 0) return this.mutationResult(null, userErrors, cost)

    const at = new Date(this.now()).toISOString()
    const changes: unknown[] = []
    for (const quantity of input.data.quantities) {
      const item = this.itemFor(quantity.inventoryItemId, null)
      const before = item.levels[quantity.locationId] ?? 0
      item.levels[quantity.locationId] = quantity.quantity
      item.updatedAt = at
      const delta = quantity.quantity - before
      // Shopify lists only quantities that moved; setting "available" moves "on_hand" alike.
      if (delta === 0) continue
      for (const name of [input.data.name, 'on_hand']) {
        changes.push({
          name,
          delta,
          quantityAfterChange: quantity.quantity,
          item: { id: quantity.inventoryItemId, sku: item.sku },
          location: { id: quantity.locationId },
        })
      }
    }
    this.markDirty()
    const group = {
      id: `gid://shopify/InventoryAdjustmentGroup/${Math.floor(this.prng.next() * 1e12)}`,
      createdAt: at,
      reason: input.data.reason,
      referenceDocumentUri: input.data.referenceDocumentUri ?? null,
      changes,
    }
    const response = this.mutationResult(group, [], cost)
    if (idempotencyKey !== undefined) {
      this.idempotentResults.set(idempotencyKey, { fingerprint, data: (response.body as { data: unknown }).data })
      if (this.idempotentResults.size > IDEMPOTENCY_CACHE_LIMIT) {
        this.idempotentResults.delete(this.idempotentResults.keys().next().value!)
      }
    }
    return response
  }

  private validate(input: z.infer<typeof setQuantitiesInputSchema>): UserError[] {
    const errors: UserError[] = []
    if (input.name !== 'available' && input.name !== 'on_hand') {
      errors.push({ field: ['input', 'name'], message: 'The quantity name must be either \'available\' or \'on_hand\'.', code: 'INVALID_NAME' })
    }
    if (!VALID_REASONS.has(input.reason)) {
      errors.push({ field: ['input', 'reason'], message: 'The specified reason is invalid.', code: 'INVALID_REASON' })
    }
    if (input.quantities.length > MAX_QUANTITIES_PER_MUTATION) {
      errors.push({ field: ['input', 'quantities'], message: `At most ${MAX_QUANTITIES_PER_MUTATION} quantities per request.`, code: 'INVALID_QUANTITY_TOO_MANY' })
    }
    const seen = new Set<string>()
    input.quantities.forEach((quantity, index) => {
      const field = (name: string) => ['input', 'quantities', String(index), name]
      if (!INVENTORY_ITEM_GID.test(quantity.inventoryItemId)) {
        errors.push({ field: field('inventoryItemId'), message: 'The specified inventory item could not be found.', code: 'INVALID_INVENTORY_ITEM' })
        return
      }
      if (!LOCATION_GID.test(quantity.locationId) || !this.locations.has(quantity.locationId)) {
        errors.push({ field: field('locationId'), message: 'The specified location could not be found.', code: 'INVALID_LOCATION' })
        return
      }
      const pair = `${quantity.inventoryItemId}|${quantity.locationId}`
      if (seen.has(pair)) {
        errors.push({ field: field('inventoryItemId'), message: 'The combination of inventoryItemId and locationId must be unique.', code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR' })
        return
      }
      seen.add(pair)
      if (quantity.quantity > QUANTITY_LIMIT) {
        errors.push({ field: field('quantity'), message: 'The quantity can\'t be higher than 1,000,000,000.', code: 'INVALID_QUANTITY_TOO_HIGH' })
      } else if (quantity.quantity < -QUANTITY_LIMIT) {
        errors.push({ field: field('quantity'), message: 'The quantity can\'t be lower than -1,000,000,000.', code: 'INVALID_QUANTITY_TOO_LOW' })
      }
      const item = this.items.get(quantity.inventoryItemId)
      if (!item && !this.knobs.autoCreateListings) {
        errors.push({ field: field('inventoryItemId'), message: 'The specified inventory item could not be found.', code: 'INVALID_INVENTORY_ITEM' })
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

  private readNodes(variables: Record<string, unknown>): SimResponse {
    const parsed = nodesVariablesSchema.safeParse(variables)
    if (!parsed.success) {
      return graphqlError(`Variables $ids: [ID!]! and $locationId: ID! are required (${z.prettifyError(parsed.error)})`, 'INVALID_VARIABLE')
    }
    const cost = 1 + parsed.data.ids.length
    const throttled = this.spend(cost)
    if (throttled) return throttled
    const nodes = parsed.data.ids.map((id) => {
      const item = INVENTORY_ITEM_GID.test(id) ? this.items.get(id) : undefined
      if (!item) return null
      const available = item.levels[parsed.data.locationId]
      return {
        __typename: 'InventoryItem',
        id,
        sku: item.sku,
        inventoryLevel: available === undefined ? null : { quantities: [{ name: 'available', quantity: available }] },
      }
    })
    return { status: 200, body: { data: { nodes }, extensions: { cost: this.costExtension(cost, cost) } } }
  }

  /** Takes `cost` points, or returns Shopify's THROTTLED / MAX_COST_EXCEEDED answer. */
  private spend(cost: number): SimResponse | undefined {
    if (!this.bucket) return undefined
    if (cost > this.bucket.plan.capacity) {
      return {
        status: 200,
        body: {
          errors: [{ message: `Query cost is ${cost}, which exceeds the single query max cost limit (${this.bucket.plan.capacity}).`, extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: this.bucket.plan.capacity } }],
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
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
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

  private mutationResult(group: unknown, userErrors: UserError[], cost: number): SimResponse {
    return {
      status: 200,
      body: {
        data: { inventorySetQuantities: { inventoryAdjustmentGroup: group, userErrors } },
        extensions: { cost: this.costExtension(cost, cost) },
      },
    }
  }

  private itemFor(gid: string, sku: string | null): InventoryItemRecord {
    let item = this.items.get(gid)
    if (!item) {
      item = { sku, levels: {}, updatedAt: new Date(this.now()).toISOString() }
      this.items.set(gid, item)
    } else if (sku && !item.sku) {
      item.sku = sku
    }
    return item
  }
}

/** `@idempotent(key: "literal")` or `@idempotent(key: $variable)` in the document. */
function readIdempotencyKey(query: string, variables: Record<string, unknown>): string | undefined {
  const match = /@idempotent\s*\(\s*key\s*:\s*(?:"((?:[^"\\]|\\.)*)"|\$(\w+))\s*\)/.exec(query)
  if (!match) return undefined
  if (match[1] !== undefined) return match[1]
  const value = variables[match[2]!]
  return typeof value === 'string' ? value : undefined
}

function graphqlError(message: string, code: string): SimResponse {
  return { status: 200, body: { errors: [{ message, extensions: { code } }] } }
}

export async function startShopifySimulator(options: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> {
  return new ShopifySimulator(options).start()
}
