// Shopify connector: sets "available" at one location through the Admin GraphQL
// `inventorySetQuantities` mutation, up to maxBatchSize quantities per call.
//
// - Compare-and-set: each quantity carries `changeFromQuantity` = what we believe Shopify holds
//   (null skips the check). A mismatch (a merchant edited the number, or another writer) comes
//   back as CHANGE_FROM_QUANTITY_STALE and is a transient failure: re-read, then retry.
// - The mutation is all-or-nothing: when any quantity has a user error nothing is applied, so the
//   other quantities of the batch fail with BATCH_ABORTED and are retried on their own merit.
// - API version: settings.apiVersion (default 2026-04, one of SHOPIFY_API_VERSIONS); the documents
//   below validate against Shopify's schema of each supported version (shopify-spec.test.ts).
// - Idempotency (required from 2026-04): the `@idempotent` key is derived from the batch content
//   (listing ids, versions, quantities, expected values), so a retry after a timeout replays the
//   same key and Shopify applies the change once. IDEMPOTENCY_CONCURRENT_REQUEST is transient
//   (same key later); IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED and IDEMPOTENCY_KEY_PARAMETER_MISMATCH
//   are retried at once with a new (derived) key, as Shopify documents.
// - Fields written: only the `available` quantity of each item at the configured location
//   (on_hand follows it inside Shopify); committed, incoming, reserved, damaged, safety_stock and
//   quality_control quantities are never sent.
// - Throttling: Shopify answers HTTP 200 with a THROTTLED error; the wait comes from the cost
//   extension (missing points / restore rate). Before that, every call waits for the points it is
//   expected to cost as the last answer's bucket said (cost-pacing.ts), so a backlog spends the
//   bucket as it restores instead of half its calls being throttled.
import { createHash } from 'node:crypto'
import type { Connector, ConnectorConfig, ListingUpdate, PushResult, ReadBack, UpdateOutcome } from '../connector'
import {
  classifyHttpStatus,
  DEFAULT_TIMEOUT_MS,
  joinUrl,
  noResponseFailure,
  outcomesForAll,
  readErrorFrom,
  sendChannelRequest,
  summarizeBody,
  throttleOf,
  type ChannelResponse,
  type FailureClass,
} from '../channel-http'
import { parseConnectorPart } from '../connector-settings'
import { pushInBatches } from '../push-sequentially'
import { pacedGraphqlCall, readyInMs, realSleep, shopBucketKey } from './cost-pacing'
import {
  nodesResponseSchema,
  setQuantitiesResponseSchema,
  SHOPIFY_INVENTORY_ITEM_GID,
  shopifyCredentialsSchema,
  shopifySettingsSchema,
  type ShopifyCost,
  type ShopifyUserError,
} from './shopify.schema'

// Arguments travel in `variables` (the simulator, like any careful client, relies on that).
const SET_AVAILABLE_MUTATION = `mutation StocktowerSetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { field message code }
  }
}`

const READ_AVAILABLE_QUERY = `query StocktowerReadAvailable($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id sku inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } } }
  }
}`

const READ_CHUNK = 100
/** User error codes that retrying can fix (the rest are permanent for the quantity). */
const TRANSIENT_USER_ERRORS = new Set([
  'CHANGE_FROM_QUANTITY_STALE',
  'COMPARE_QUANTITY_STALE',
  // "This request is currently in progress, please try again." (same key, later)
  'IDEMPOTENCY_CONCURRENT_REQUEST',
  // Only left after MAX_NEW_KEY_ROUNDS fresh keys failed too; a later attempt starts over.
  'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
  'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
])
/** User errors Shopify documents as "retry with a new idempotency key". */
const NEW_KEY_USER_ERRORS = new Set(['IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED', 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH'])
const MAX_NEW_KEY_ROUNDS = 3
/** GraphQL error codes that are Shopify's problem, not the request's. */
const TRANSIENT_GRAPHQL_ERRORS = new Set([
  'THROTTLED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'MAX_COST_EXCEEDED',
])

type ShopifySettings = ReturnType<typeof parseShopifySettings>
const parseShopifySettings = (settings: unknown) =>
  parseConnectorPart('shopify', 'settings', shopifySettingsSchema, settings)

/** What our calls cost by our own formula (a mutation's 10 plus a point per quantity; a query's 1 per node): pacing scales it by Shopify's real price. */
const setCost = (quantities: number) => 10 + quantities
const readCost = (ids: number) => 1 + ids

/** What a call is, for pacing: its operation and what our formula says it costs (10 + items for the mutation). */
interface Pace {
  operation: 'set' | 'read'
  formulaCost: number
}

/** One shop's Admin GraphQL endpoint, with its settings. */
interface ShopifyApi {
  settings: ShopifySettings
  callGraphql: (query: string, variables: Record<string, unknown>, pace: Pace) => Promise<ChannelResponse>
}

export function createShopifyConnector(config: ConnectorConfig): Connector {
  const settings = parseShopifySettings(config.settings)
  const { accessToken } = parseConnectorPart('shopify', 'credentials', shopifyCredentialsSchema, config.credentials)
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const endpoint = joinUrl(config.baseUrl, `/admin/api/${settings.apiVersion}/graphql.json`)
  const now = config.now ?? Date.now
  const sleep = config.sleep ?? realSleep
  const bucketKey = shopBucketKey(endpoint, accessToken)
  const shop: ShopifyApi = {
    settings,
    callGraphql: (query, variables, pace) =>
      pacedGraphqlCall({ key: bucketKey, operation: pace.operation, formulaCost: pace.formulaCost, now, sleep }, () =>
        sendChannelRequest({
          method: 'POST',
          url: endpoint,
          headers: { 'x-shopify-access-token': accessToken },
          body: JSON.stringify({ query, variables }),
          timeoutMs,
        }),
      ),
  }
  return {
    kind: 'shopify',
    maxBatchSize: settings.maxBatchSize,
    readBatchSize: READ_CHUNK,
    pushQuantities: (updates) => pushInBatches(updates, settings.maxBatchSize, (batch) => pushBatch(shop, batch)),
    readQuantities: (listings) => readAvailable(shop, listings),
    readyInMs: () => readyInMs(bucketKey, 'set', setCost(settings.maxBatchSize), now()),
  }
}

/** One inventorySetQuantities call for a batch: screen the updates, set (with key rounds), read the outcome. */
async function pushBatch(shop: ShopifyApi, updates: ListingUpdate[]): Promise<PushResult> {
  const { settings } = shop
  const { outcomes, sendable } = screenUpdates(updates)
  const ordered = () => updates.map((update) => outcomes.get(update.listingId)!)
  if (sendable.length === 0) return { outcomes: ordered(), latencyMs: 0 }

  const { response, latencyMs, idempotencyKey } = await setAvailable(shop, sendable)
  // Shopify serves a retired version as the oldest supported one and says so in a header: keep
  // what was really served beside what we asked for, so an operator sees the fall-forward.
  const served = response.kind === 'response' ? response.headers.get('x-shopify-api-version') : null
  const request = {
    operation: 'inventorySetQuantities',
    apiVersion: settings.apiVersion,
    ...(served && served !== settings.apiVersion ? { servedApiVersion: served } : {}),
    idempotencyKey,
    locationId: settings.locationId,
    quantities: sendable.length,
  }
  const { batchOutcomes, extra } = outcomesOfSet(response, sendable)
  for (const outcome of batchOutcomes) outcomes.set(outcome.listingId, outcome)
  return { outcomes: ordered(), latencyMs, request, ...extra }
}

/** Refuses what cannot be sent (no inventory item gid, an item twice in the batch); the rest is sendable. */
function screenUpdates(updates: ListingUpdate[]): { outcomes: Map<string, UpdateOutcome>; sendable: ListingUpdate[] } {
  const outcomes = new Map<string, UpdateOutcome>()
  const sendable: ListingUpdate[] = []
  const seenItems = new Set<string>()
  for (const update of updates) {
    if (!update.externalId || !SHOPIFY_INVENTORY_ITEM_GID.test(update.externalId)) {
      outcomes.set(update.listingId, {
        listingId: update.listingId,
        outcome: 'rejected',
        code: 'MISSING_EXTERNAL_ID',
        message: 'Shopify listings need the inventory item gid (gid://shopify/InventoryItem/<n>) as externalId.',
      })
    } else if (seenItems.has(update.externalId)) {
      // Shopify refuses the whole mutation for a repeated item; two listings on one item is a mapping error.
      outcomes.set(update.listingId, {
        listingId: update.listingId,
        outcome: 'rejected',
        code: 'DUPLICATE_INVENTORY_ITEM',
        message: `another listing in this batch maps to ${update.externalId}`,
      })
    } else {
      seenItems.add(update.externalId)
      sendable.push(update)
    }
  }
  return { outcomes, sendable }
}

/**
 * Sends the mutation. Shopify documents that a key whose first attempt failed (or that was used
 * with other parameters) must be retried with a new key. The new keys are derived (…-r1, -r2), so
 * a retry of a retry that timed out still replays instead of applying twice.
 */
async function setAvailable(
  shop: ShopifyApi,
  sendable: ListingUpdate[],
): Promise<{ response: ChannelResponse; latencyMs: number; idempotencyKey: string }> {
  const { settings } = shop
  const baseKey = idempotencyKeyFor(sendable, settings.locationId)
  const inputFor = (idempotencyKey: string) => ({
    name: 'available',
    reason: settings.reason,
    referenceDocumentUri: `gid://stocktower/PublishBatch/${idempotencyKey}`,
    quantities: sendable.map((update) => ({
      inventoryItemId: update.externalId!,
      locationId: settings.locationId,
      quantity: update.quantity,
      // Required from 2026-04 on every quantity (null skips the compare-and-swap check).
      changeFromQuantity: update.expectedCurrent,
    })),
  })
  let idempotencyKey = baseKey
  let response: ChannelResponse
  let latencyMs = 0
  for (let round = 0; ; round++) {
    idempotencyKey = round === 0 ? baseKey : `${baseKey}-r${round}`
    response = await shop.callGraphql(
      SET_AVAILABLE_MUTATION,
      { input: inputFor(idempotencyKey), idempotencyKey },
      { operation: 'set', formulaCost: setCost(sendable.length) },
    )
    latencyMs += response.latencyMs
    if (round >= MAX_NEW_KEY_ROUNDS || !needsNewKey(response)) break
  }
  return { response, latencyMs, idempotencyKey }
}

/** The sendable updates' outcomes from the mutation's answer (transport, HTTP, GraphQL, user errors, changes). */
function outcomesOfSet(
  response: ChannelResponse,
  sendable: ListingUpdate[],
): { batchOutcomes: UpdateOutcome[]; extra: Partial<PushResult> } {
  if (response.kind === 'no-response')
    return { batchOutcomes: outcomesForAll(sendable, noResponseFailure(response)), extra: {} }
  const base = { httpStatus: response.status, response: summarizeBody(response) }
  if (response.status < 200 || response.status >= 300) {
    const failure = classifyHttpStatus(
      response.status,
      response.headers,
      shopifyErrorText(response.json) ?? response.text,
    )
    return { batchOutcomes: outcomesForAll(sendable, failure), extra: { ...base, ...throttleOf(failure) } }
  }
  const body = setQuantitiesResponseSchema.safeParse(response.json)
  if (!body.success)
    return { batchOutcomes: outcomesForAll(sendable, unexpectedResponse(body.error.message)), extra: base }

  const topLevel = graphqlFailure(body.data.errors, body.data.extensions?.cost, setCost(sendable.length))
  if (topLevel)
    return { batchOutcomes: outcomesForAll(sendable, topLevel), extra: { ...base, ...throttleOf(topLevel) } }
  const result = body.data.data?.inventorySetQuantities
  if (!result)
    return {
      batchOutcomes: outcomesForAll(sendable, unexpectedResponse('no inventorySetQuantities result')),
      extra: base,
    }

  if (result.userErrors.length > 0)
    return { batchOutcomes: outcomesForUserErrors(sendable, result.userErrors), extra: base }
  const applied = new Map<string, number>()
  for (const change of result.inventoryAdjustmentGroup?.changes ?? []) {
    if (change.name === 'available' && change.quantityAfterChange != null)
      applied.set(change.item.id, change.quantityAfterChange)
  }
  // Shopify lists only quantities that moved; an unchanged one was already at the target.
  return {
    batchOutcomes: sendable.map((update) => ({
      listingId: update.listingId,
      outcome: 'applied',
      appliedQuantity: applied.get(update.externalId!) ?? update.quantity,
    })),
    extra: base,
  }
}

/** Reads "available" at our location, READ_CHUNK inventory items per query. */
async function readAvailable(
  shop: ShopifyApi,
  listings: Parameters<Connector['readQuantities']>[0],
): Promise<ReadBack[]> {
  const quantities = new Map<string, number | null>()
  const ids = [
    ...new Set(
      listings
        .map((listing) => listing.externalId)
        .filter((id): id is string => !!id && SHOPIFY_INVENTORY_ITEM_GID.test(id)),
    ),
  ]
  for (let start = 0; start < ids.length; start += READ_CHUNK) {
    const chunk = ids.slice(start, start + READ_CHUNK)
    const response = await shop.callGraphql(
      READ_AVAILABLE_QUERY,
      { ids: chunk, locationId: shop.settings.locationId },
      { operation: 'read', formulaCost: readCost(chunk.length) },
    )
    if (response.kind === 'no-response') throw readErrorFrom(noResponseFailure(response))
    if (response.status < 200 || response.status >= 300) {
      throw readErrorFrom(
        classifyHttpStatus(response.status, response.headers, shopifyErrorText(response.json) ?? response.text),
        response.status,
      )
    }
    const body = nodesResponseSchema.safeParse(response.json)
    if (!body.success) throw readErrorFrom(unexpectedResponse(body.error.message), response.status)
    const failure = graphqlFailure(body.data.errors, body.data.extensions?.cost, readCost(chunk.length))
    if (failure) throw readErrorFrom(failure, response.status)
    const nodes = body.data.data?.nodes ?? []
    chunk.forEach((id, index) => {
      const level = nodes[index]?.inventoryLevel
      // Not stocked at our location reads as unknown, not as 0: the listing map needs fixing.
      quantities.set(
        id,
        level ? (level.quantities.find((quantity) => quantity.name === 'available')?.quantity ?? null) : null,
      )
    })
  }
  return listings.map((listing): ReadBack => ({
    listingId: listing.listingId,
    quantity: listing.externalId ? (quantities.get(listing.externalId) ?? null) : null,
  }))
}

function needsNewKey(response: ChannelResponse): boolean {
  if (response.kind !== 'response' || response.status !== 200) return false
  const body = setQuantitiesResponseSchema.safeParse(response.json)
  const userErrors = body.success ? (body.data.data?.inventorySetQuantities?.userErrors ?? []) : []
  return userErrors.some((error) => NEW_KEY_USER_ERRORS.has(error.code ?? ''))
}

function idempotencyKeyFor(updates: readonly ListingUpdate[], locationId: string): string {
  const content = updates.map((update) => [update.listingId, update.version, update.quantity, update.expectedCurrent])
  return `stocktower-${createHash('sha256')
    .update(JSON.stringify([locationId, content]))
    .digest('hex')
    .slice(0, 40)}`
}

/** Maps user errors (field ["input","quantities","<i>",...]) to their quantity; the rest of an aborted batch fails. */
function outcomesForUserErrors(
  updates: readonly ListingUpdate[],
  userErrors: readonly ShopifyUserError[],
): UpdateOutcome[] {
  const byIndex = new Map<number, ShopifyUserError>()
  const batchWide: ShopifyUserError[] = []
  for (const error of userErrors) {
    const field = error.field ?? []
    const index =
      field[0] === 'input' && field[1] === 'quantities' && field[2] !== undefined ? Number(field[2]) : Number.NaN
    if (Number.isInteger(index) && index >= 0 && index < updates.length) {
      if (!byIndex.has(index)) byIndex.set(index, error)
    } else batchWide.push(error)
  }
  return updates.map((update, index): UpdateOutcome => {
    const own = byIndex.get(index) ?? batchWide[0]
    if (!own) {
      return {
        listingId: update.listingId,
        outcome: 'failed',
        code: 'BATCH_ABORTED',
        message: 'not applied: another quantity in the same Shopify mutation was refused',
        retryAfterMs: 0,
        collateral: true,
      }
    }
    const code = own.code ?? 'USER_ERROR'
    const message = `${own.message}${update.expectedCurrent !== null && code === 'CHANGE_FROM_QUANTITY_STALE' ? ` (we expected ${update.expectedCurrent})` : ''}`
    return TRANSIENT_USER_ERRORS.has(code)
      ? { listingId: update.listingId, outcome: 'failed', code, message }
      : { listingId: update.listingId, outcome: 'rejected', code, message }
  })
}

/** A top-level GraphQL error (THROTTLED and friends) as one failure for the whole call. */
function graphqlFailure(
  errors: unknown,
  cost: ShopifyCost | undefined,
  fallbackCost: number,
): FailureClass | undefined {
  if (errors === undefined) return undefined
  if (!Array.isArray(errors))
    return {
      outcome: 'rejected',
      code: 'GRAPHQL_ERROR',
      message: String(shopifyErrorText({ errors }) ?? 'unknown error'),
    }
  if (errors.length === 0) return undefined
  const first = errors[0] as { message: string; extensions?: { code?: string } }
  const code = first.extensions?.code ?? 'GRAPHQL_ERROR'
  if (code === 'THROTTLED') {
    return {
      outcome: 'failed',
      code: 'THROTTLED',
      message: first.message,
      retryAfterMs: throttleWaitMs(cost, fallbackCost),
    }
  }
  if (TRANSIENT_GRAPHQL_ERRORS.has(code)) return { outcome: 'failed', code, message: first.message }
  // Anything else (invalid variables, unsupported operation) is our request's fault: retrying cannot help.
  return { outcome: 'rejected', code, message: first.message }
}

/** How long until the bucket holds the points this call needs. */
function throttleWaitMs(cost: ShopifyCost | undefined, fallbackCost: number): number {
  if (!cost) return 1_000
  const needed = cost.requestedQueryCost ?? fallbackCost
  const missing = Math.max(1, needed - cost.throttleStatus.currentlyAvailable)
  const rate = cost.throttleStatus.restoreRate > 0 ? cost.throttleStatus.restoreRate : 50
  return Math.ceil((missing / rate) * 1000)
}

function unexpectedResponse(detail: string): FailureClass {
  // Unreadable success: we cannot tell whether Shopify applied it; setting a quantity is safe to repeat.
  return {
    outcome: 'failed',
    code: 'UNEXPECTED_RESPONSE',
    message: `Shopify answered in an unexpected shape: ${detail.slice(0, 300)}`,
  }
}

function shopifyErrorText(json: unknown): string | undefined {
  if (json && typeof json === 'object' && 'errors' in json) {
    const errors = (json as { errors: unknown }).errors
    return typeof errors === 'string' ? errors : JSON.stringify(errors)
  }
  return undefined
}
