// Amazon connector: one patchListingsItem call per listing (SP-API Listings Items 2021-08-01),
// merging the MFN quantity into `fulfillment_availability` (JSON Patch `merge`: each listing keeps
// its own lead_time_to_ship_max_days and restock_date; `replace` would reset them) and, when the
// channel sets handlingTimeDays, that handling time with it.
// Fields written: fulfillment_availability[DEFAULT].quantity (+ lead_time_to_ship_max_days when
// set for the channel) only; price, restock date and every other attribute untouched.
//
// Auth: Login with Amazon refresh-token grant (client id + secret + refresh token ->
// `x-amz-access-token` valid 1 h) at settings.lwaTokenUrl, cached and refreshed before expiry; an
// SP-API 401/403 Unauthorized refreshes once; a failing exchange is one channel-wide failure.
//
// ACCEPTED is only "taken for processing": the outcome is `accepted` and the publisher verifies
// later by read-back (Amazon applies minutes later, and sometimes never). INVALID and 4xx are
// permanent; 429/5xx/timeouts transient. SP-API sends no Retry-After on 429: the pause comes from
// the x-amzn-RateLimit-Limit header (requests per second).
//
// Read-back searches 20 SKUs per searchListingsItems call (read-listings.ts).
//
// For a backlog it also offers the bulk path (`bulk`): one JSON_LISTINGS_FEED through the Feeds
// API carries thousands of listings in a handful of calls (listings-feed.ts).
import { accessTokenSource, exchangeToken, sendWithToken, type AuthFailure } from '../access-token'
import type { Connector, ConnectorConfig, ListingUpdate, UpdateOutcome } from '../connector'
import {
  answeredResult,
  DEFAULT_TIMEOUT_MS,
  joinUrl,
  noResponseFailure,
  throttleOf,
  type ChannelRequest,
  type ChannelResponse,
} from '../channel-http'
import { channelWideFailure, pushSequentially, refusedSend, type SingleSend } from '../push-sequentially'
import { amazonFailure, rejectionFromIssues, unexpectedResponse } from './amazon-failures'
import {
  fulfillmentAvailabilityPatch,
  LISTINGS_API_BASE_PATH,
  parseAmazonConfig,
  submissionResponseSchema,
} from './amazon.schema'
import { createListingsFeedPublisher } from './listings-feed'
import { createListingsReader, SEARCH_SKUS_PER_CALL } from './read-listings'

export function createAmazonConnector(config: ConnectorConfig): Connector {
  const { settings, credentials, timeoutMs } = parseAmazonConfig(config, DEFAULT_TIMEOUT_MS)
  const send = amazonSender(settings.lwaTokenUrl, credentials, timeoutMs, config.now)

  const itemUrl = (sku: string, query: Record<string, string>) =>
    joinUrl(
      config.baseUrl,
      `${LISTINGS_API_BASE_PATH}/${encodeURIComponent(settings.sellerId)}/${encodeURIComponent(sku)}?${new URLSearchParams({ marketplaceIds: settings.marketplaceId, ...query })}`,
    )

  async function pushOne(update: ListingUpdate): Promise<SingleSend> {
    const body = fulfillmentAvailabilityPatch(
      settings.productType,
      settings.fulfillmentChannelCode,
      update.quantity,
      settings.handlingTimeDays,
    )
    const response = await send({
      method: 'PATCH',
      url: itemUrl(update.externalSku, { issueLocale: settings.issueLocale }),
      body: JSON.stringify(body),
      timeoutMs,
    })
    const request = {
      operation: 'patchListingsItem',
      sku: update.externalSku,
      quantity: update.quantity,
      ...(settings.handlingTimeDays !== undefined ? { handlingTimeDays: settings.handlingTimeDays } : {}),
    }
    if (response.kind === 'auth-failed')
      return channelWideFailure(update, response.latencyMs, request, response.failure)
    if (response.kind === 'no-response')
      return channelWideFailure(update, response.latencyMs, request, noResponseFailure(response))
    const result = answeredResult(response, request)
    if (response.status !== 200) {
      const failure = amazonFailure(response)
      return refusedSend(update, result, failure, throttleOf(failure, null))
    }
    return { outcome: submissionOutcome(update, response.json), result }
  }

  return {
    kind: 'amazon',
    maxBatchSize: 1,
    readBatchSize: SEARCH_SKUS_PER_CALL,
    maxConcurrency: 4,

    pushQuantities: (updates) => pushSequentially(updates, pushOne),

    bulk: createListingsFeedPublisher({ baseUrl: config.baseUrl, send, timeoutMs, settings }),

    readQuantities: createListingsReader({ baseUrl: config.baseUrl, send, timeoutMs, settings }),
  }
}

export type AmazonSend = (request: Omit<ChannelRequest, 'headers'>) => Promise<ChannelResponse | AuthFailure>

/** SP-API calls with a current LWA access token (x-amz-access-token). */
export function amazonSender(
  tokenUrl: string,
  credentials: { clientId: string; clientSecret: string; refreshToken: string },
  timeoutMs: number,
  now?: () => number,
): AmazonSend {
  const tokens = accessTokenSource(
    ['amazon-lwa', tokenUrl, credentials.clientId, credentials.clientSecret, credentials.refreshToken],
    () =>
      exchangeToken({
        url: tokenUrl,
        headers: {},
        form: {
          grant_type: 'refresh_token',
          refresh_token: credentials.refreshToken,
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
        },
        timeoutMs,
        marketplace: 'Login with Amazon',
      }),
    now,
  )
  return (request) =>
    sendWithToken(tokens, (token) => ({ ...request, headers: { 'x-amz-access-token': token } }), isRefusedToken)
}

/** SP-API refuses an expired or revoked access token with 401, or 403 and code Unauthorized. */
function isRefusedToken(response: Extract<ChannelResponse, { kind: 'response' }>): boolean {
  if (response.status === 401) return true
  if (response.status !== 403) return false
  const errors = (response.json as { errors?: Array<{ code?: unknown }> } | undefined)?.errors
  return Array.isArray(errors) && errors.some((error) => error.code === 'Unauthorized')
}

/** A patchListingsItem answer as the update's outcome: ACCEPTED, INVALID with its issues, or unexpected. */
function submissionOutcome(update: ListingUpdate, json: unknown): UpdateOutcome {
  const submission = submissionResponseSchema.safeParse(json)
  if (!submission.success) return { listingId: update.listingId, ...unexpectedResponse(submission.error.message) }
  if (submission.data.status === 'ACCEPTED')
    return { listingId: update.listingId, outcome: 'accepted', submissionId: submission.data.submissionId }
  if (submission.data.status === 'INVALID')
    return rejectionFromIssues(
      update.listingId,
      submission.data.issues ?? [],
      'Amazon marked the submission INVALID without issues',
    )
  // VALID only answers VALIDATION_PREVIEW, which we never send.
  return { listingId: update.listingId, ...unexpectedResponse(`status ${submission.data.status}`) }
}
