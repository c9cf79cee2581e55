// Walmart connector: one `PUT /v3/inventory?sku=[&shipNode=]` per listing. Walmart echoes the
// quantity it stored, which we record as applied (read-back still verifies it later, as for every
// channel). 429 carries Retry-After; 404 means the SKU is not on Walmart (permanent). A backlog
// goes through the bulk inventory feed instead (`bulk`, inventory-feed.ts).
//
// Auth: client credentials (client id + secret) exchanged at POST /v3/token for an access token
// valid 900 s, sent as WM_SEC.ACCESS_TOKEN (access-token.ts caches, refreshes and retries once on
// 401; a failing exchange is one channel-wide failure).
// Fields written: `quantity` { unit: EACH, amount } only (per ship node when shipNode is set);
// fulfillment lag time, price and every other item attribute are never sent.
import { randomUUID } from 'node:crypto'
import { accessTokenSource, exchangeToken, sendWithToken, type AccessTokenSource } from '../access-token'
import type { Connector, ConnectorConfig, ListingUpdate, UpdateOutcome } from '../connector'
import {
  answeredResult,
  classifyHttpStatus,
  DEFAULT_TIMEOUT_MS,
  joinUrl,
  noResponseFailure,
  readErrorFrom,
  throttleOf,
  type ChannelRequest,
  type ChannelResponse,
  type FailureClass,
} from '../channel-http'
import { channelWideFailure, pushSequentially, refusedSend, type SingleSend } from '../push-sequentially'
import { inventorySchema, parseWalmartConfig, walmartErrorsSchema } from './walmart.schema'
import { createWalmartFeedPublisher } from './inventory-feed'
import { readEachListing } from '../read-each-listing'

export function createWalmartConnector(config: ConnectorConfig): Connector {
  const { settings, credentials, timeoutMs } = parseWalmartConfig(config, DEFAULT_TIMEOUT_MS)
  const tokens = walmartTokenSource(config.baseUrl, settings, credentials, timeoutMs, config.now)
  const authed = walmartSender(tokens, settings.serviceName)

  const call = (method: 'GET' | 'PUT', sku: string, body?: unknown) =>
    authed({
      method,
      url: joinUrl(
        config.baseUrl,
        `/v3/inventory?${new URLSearchParams({ sku, ...(settings.shipNode ? { shipNode: settings.shipNode } : {}) })}`,
      ),
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    })

  async function pushOne(update: ListingUpdate): Promise<SingleSend> {
    const response = await call('PUT', update.externalSku, {
      sku: update.externalSku,
      quantity: { unit: 'EACH', amount: update.quantity },
    })
    const request = {
      operation: 'updateInventory',
      sku: update.externalSku,
      quantity: update.quantity,
      ...(settings.shipNode ? { shipNode: settings.shipNode } : {}),
    }
    if (response.kind === 'auth-failed')
      return channelWideFailure(update, response.latencyMs, request, response.failure)
    if (response.kind === 'no-response')
      return channelWideFailure(update, response.latencyMs, request, noResponseFailure(response))
    const result = answeredResult(response, request)
    if (response.status < 200 || response.status >= 300) {
      const failure = walmartFailure(response)
      return refusedSend(update, result, failure, throttleOf(failure))
    }
    return { outcome: echoOutcome(update, response.json), result }
  }

  return {
    kind: 'walmart',
    maxBatchSize: 1,
    // GET /v3/inventory reads one SKU per call.
    readBatchSize: 1,
    maxConcurrency: 4,
    bulk: createWalmartFeedPublisher({ baseUrl: config.baseUrl, send: authed, timeoutMs, shipNode: settings.shipNode }),

    pushQuantities: (updates) => pushSequentially(updates, pushOne),

    readQuantities: (listings) =>
      readEachListing(listings, (externalSku) => call('GET', externalSku), {
        failure: walmartFailure,
        quantity(response) {
          const inventory = inventorySchema.safeParse(response.json)
          if (!inventory.success) {
            throw readErrorFrom(
              { outcome: 'failed', code: 'UNEXPECTED_RESPONSE', message: inventory.error.message.slice(0, 300) },
              response.status,
            )
          }
          return inventory.data.quantity.amount
        },
      }),
  }
}

function walmartFailure(response: Extract<ChannelResponse, { kind: 'response' }>): FailureClass {
  const errors = walmartErrorsSchema.safeParse(response.json)
  const first = errors.success ? errors.data.errors[0] : undefined
  const detail = first ? `${first.code}: ${first.description ?? first.info ?? ''}` : response.text
  const failure = classifyHttpStatus(response.status, response.headers, detail)
  if (response.status === 404) return { outcome: 'rejected', code: 'ITEM_NOT_FOUND', message: failure.message }
  return failure
}

/** The cached client-credentials token for one channel's credentials (POST /v3/token, 900 s). */
export function walmartTokenSource(
  baseUrl: string,
  settings: { serviceName: string; tokenUrl?: string },
  credentials: { clientId: string; clientSecret: string },
  timeoutMs: number,
  now?: () => number,
): AccessTokenSource {
  const url = settings.tokenUrl ?? joinUrl(baseUrl, '/v3/token')
  return accessTokenSource(
    ['walmart', url, credentials.clientId, credentials.clientSecret],
    () =>
      exchangeToken({
        url,
        headers: {
          authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
          'WM_QOS.CORRELATION_ID': randomUUID(),
          'WM_SVC.NAME': settings.serviceName,
        },
        form: { grant_type: 'client_credentials' },
        timeoutMs,
        marketplace: 'Walmart',
      }),
    now,
  )
}

export type WalmartSend = (request: Omit<ChannelRequest, 'headers'>) => ReturnType<typeof sendWithToken>

/** Sends a Walmart API call with the headers Walmart requires and a current access token. */
export function walmartSender(tokens: AccessTokenSource, serviceName: string): WalmartSend {
  return (request) =>
    sendWithToken(
      tokens,
      (token) => ({
        ...request,
        headers: {
          'WM_SEC.ACCESS_TOKEN': token,
          // One id per call, so Walmart support can trace a specific request.
          'WM_QOS.CORRELATION_ID': randomUUID(),
          'WM_SVC.NAME': serviceName,
        },
      }),
      (response) => response.status === 401,
    )
}

/** Walmart echoes the inventory it now holds: applied at the echoed amount, or unexpected when the echo is not ours. */
function echoOutcome(update: ListingUpdate, json: unknown): UpdateOutcome {
  const echo = inventorySchema.safeParse(json)
  if (!echo.success || echo.data.sku !== update.externalSku) {
    const detail = echo.success ? `echoed sku ${echo.data.sku}` : echo.error.message
    return {
      listingId: update.listingId,
      outcome: 'failed',
      code: 'UNEXPECTED_RESPONSE',
      message: `Walmart answered in an unexpected shape: ${detail.slice(0, 300)}`,
    }
  }
  return { listingId: update.listingId, outcome: 'applied', appliedQuantity: echo.data.quantity.amount }
}
