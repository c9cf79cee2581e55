// Walmart's bulk path: one inventory feed (`POST /v3/feeds?feedType=inventory[&shipNode=]`, the
// feed file as a multipart/form-data upload, spec 1.4 JSON) carrying many records, followed by
// `GET /v3/feeds/{feedId}?includeDetails=true&offset=&limit=50` until it is PROCESSED (or ERROR).
// Walmart returns item statuses 50 at a time: once PROCESSED, the poll reads every page (offset
// 0, 50, 100, ... up to itemsReceived) before deciding, so no record is reported missing (and so
// sent again) because it sat beyond the first page. Per record: SUCCESS is accepted (verified by read-back like every update), DATA_ERROR is
// refused (permanent, like a PUT the item does not exist for), SYSTEM_ERROR / TIMEOUT_ERROR are
// transient. A feed that ends ERROR is transient for all of it.
import { z } from 'zod'
import type {
  BulkFeedHandle,
  BulkPollResult,
  BulkPublisher,
  BulkSubmitResult,
  ListingUpdate,
  UpdateOutcome,
} from '../connector'
import type { AuthFailure } from '../access-token'
import {
  classifyHttpStatus,
  joinUrl,
  noResponseFailure,
  outcomesForAll,
  summarizeBody,
  throttleOf,
  type ChannelRequest,
  type ChannelResponse,
  type FailureClass,
} from '../channel-http'

export const WALMART_FEED_TYPE = 'inventory'
export const MAX_RECORDS_PER_WALMART_FEED = 10_000
/** Walmart's page size for feed item statuses (`limit` accepts at most 50). */
export const WALMART_FEED_STATUS_PAGE = 50

const submitResponseSchema = z.object({ feedId: z.string().min(1) }).loose()
const ingestionSchema = z
  .object({
    sku: z.string().optional(),
    index: z.number().int().optional(),
    ingestionStatus: z.string(),
    ingestionErrors: z
      .object({
        ingestionError: z
          .array(
            z
              .object({ type: z.string().optional(), code: z.string().optional(), description: z.string().optional() })
              .loose(),
          )
          .nullable()
          .optional(),
      })
      .loose()
      .nullable()
      .optional(),
  })
  .loose()
const feedStatusSchema = z
  .object({
    feedId: z.string(),
    feedStatus: z.enum(['RECEIVED', 'INPROGRESS', 'PROCESSED', 'ERROR']),
    itemsReceived: z.number().int().nonnegative().optional(),
    offset: z.number().int().nonnegative().optional(),
    limit: z.number().int().positive().optional(),
    itemDetails: z
      .object({ itemIngestionStatus: z.array(ingestionSchema) })
      .loose()
      .optional(),
  })
  .loose()

export interface WalmartFeedContext {
  baseUrl: string
  /** Sends a Walmart call with its headers and a current access token (connector.ts). */
  send: (request: Omit<ChannelRequest, 'headers'>) => Promise<ChannelResponse | AuthFailure>
  timeoutMs: number
  shipNode?: string
}

export function createWalmartFeedPublisher(context: WalmartFeedContext): BulkPublisher {
  return {
    feedType: WALMART_FEED_TYPE,
    maxUpdatesPerFeed: MAX_RECORDS_PER_WALMART_FEED,
    maxPollIntervalMs: 60_000,
    submitFeed: (updates) => submitFeed(context, updates),
    pollFeed: (handle) => pollFeed(context, handle),
  }
}

/** Walmart takes the feed as a file upload (multipart/form-data, part `file`); fetch sets the boundary. */
function inventoryFeedFile(updates: ListingUpdate[]): FormData {
  const body = {
    InventoryHeader: { version: '1.4' },
    Inventory: updates.map((u) => ({ sku: u.externalSku, quantity: { unit: 'EACH', amount: u.quantity } })),
  }
  const form = new FormData()
  form.append('file', new Blob([JSON.stringify(body)], { type: 'application/json' }), 'inventory-feed.json')
  return form
}

async function submitFeed(context: WalmartFeedContext, updates: ListingUpdate[]): Promise<BulkSubmitResult> {
  if (updates.length === 0 || updates.length > MAX_RECORDS_PER_WALMART_FEED)
    throw new RangeError(
      `A Walmart inventory feed carries 1 to ${MAX_RECORDS_PER_WALMART_FEED} records, not ${updates.length}.`,
    )
  const request = { operation: 'inventoryFeed', records: updates.length }
  const query = new URLSearchParams({
    feedType: WALMART_FEED_TYPE,
    ...(context.shipNode ? { shipNode: context.shipNode } : {}),
  })
  const response = await context.send({
    method: 'POST',
    url: joinUrl(context.baseUrl, `/v3/feeds?${query}`),
    body: inventoryFeedFile(updates),
    timeoutMs: context.timeoutMs,
  })
  if (response.kind !== 'response') {
    const failure = response.kind === 'auth-failed' ? response.failure : noResponseFailure(response)
    return {
      status: 'not_submitted',
      result: { outcomes: outcomesForAll(updates, failure), latencyMs: response.latencyMs, request },
    }
  }
  if (response.status < 200 || response.status >= 300) {
    const failure = failureOf(response)
    // Refusing the feed as a whole is about the feed, not a listing: send the records again.
    const transient: FailureClass =
      failure.outcome === 'failed' ? failure : { outcome: 'failed', code: 'FEED_REFUSED', message: failure.message }
    const throttled = throttleOf(transient)
    return {
      status: 'not_submitted',
      result: {
        outcomes: outcomesForAll(updates, transient),
        latencyMs: response.latencyMs,
        httpStatus: response.status,
        request,
        response: summarizeBody(response),
        ...throttled,
      },
    }
  }
  const parsed = submitResponseSchema.safeParse(response.json)
  if (!parsed.success)
    return {
      status: 'not_submitted',
      result: {
        outcomes: outcomesForAll(updates, {
          outcome: 'failed',
          code: 'UNEXPECTED_RESPONSE',
          message: parsed.error.message.slice(0, 300),
        }),
        latencyMs: response.latencyMs,
        httpStatus: response.status,
        request,
      },
    }
  const handle: BulkFeedHandle = {
    feedId: parsed.data.feedId,
    feedType: WALMART_FEED_TYPE,
    submittedAt: new Date().toISOString(),
    messages: updates.map((u, i) => ({
      messageId: i,
      listingId: u.listingId,
      externalSku: u.externalSku,
      quantity: u.quantity,
    })),
  }
  return {
    status: 'submitted',
    handle,
    latencyMs: response.latencyMs,
    httpStatus: response.status,
    request: { ...request, feedId: handle.feedId },
    response: summarizeBody(response),
  }
}

/** One page of a feed's status with its per-record details. */
function readFeedStatusPage(context: WalmartFeedContext, feedId: string, offset: number) {
  const query = new URLSearchParams({
    includeDetails: 'true',
    offset: String(offset),
    limit: String(WALMART_FEED_STATUS_PAGE),
  })
  return context.send({
    method: 'GET',
    url: joinUrl(context.baseUrl, `/v3/feeds/${encodeURIComponent(feedId)}?${query}`),
    timeoutMs: context.timeoutMs,
  })
}

async function pollFeed(context: WalmartFeedContext, handle: BulkFeedHandle): Promise<BulkPollResult> {
  let latencyMs = 0
  const page = async (offset: number) => {
    const response = await readFeedStatusPage(context, handle.feedId, offset)
    latencyMs += response.latencyMs
    return response
  }
  const all = (failure: FailureClass) =>
    handle.messages.map((m) => ({ listingId: m.listingId, ...failure }) as UpdateOutcome)
  const records = new Map<number, z.infer<typeof ingestionSchema>>()
  let feedStatus: z.infer<typeof feedStatusSchema>['feedStatus'] | undefined
  let lastStatus: number | undefined
  const done = (status: string, outcomes: UpdateOutcome[]): BulkPollResult => ({
    status: 'done',
    feedStatus: status,
    result: {
      outcomes,
      latencyMs,
      httpStatus: lastStatus,
      request: { operation: 'feedStatus', feedId: handle.feedId },
      response: { feedStatus: status, itemsRead: records.size },
    },
  })
  // Page by page until every record Walmart received is read (or a page comes back short).
  for (let offset = 0; ;) {
    const response = await page(offset)
    if (response.kind === 'auth-failed')
      return { status: 'pending', feedStatus: feedStatus ?? 'UNKNOWN', latencyMs, message: response.failure.message }
    if (response.kind === 'no-response')
      return { status: 'pending', feedStatus: feedStatus ?? 'UNKNOWN', latencyMs, message: response.message }
    lastStatus = response.status
    if (response.status !== 200) {
      const failure = failureOf(response)
      if (failure.outcome === 'failed')
        return {
          status: 'pending',
          feedStatus: feedStatus ?? 'UNKNOWN',
          latencyMs,
          retryAfterMs: failure.retryAfterMs,
          message: failure.message,
        }
      return done(
        'UNKNOWN',
        all({
          outcome: 'failed',
          code: response.status === 404 ? 'FEED_NOT_FOUND' : failure.code,
          message: `feed ${handle.feedId}: ${failure.message}`,
        }),
      )
    }
    const feed = feedStatusSchema.safeParse(response.json)
    if (!feed.success)
      return done(
        'UNKNOWN',
        all({ outcome: 'failed', code: 'UNEXPECTED_RESPONSE', message: feed.error.message.slice(0, 300) }),
      )
    feedStatus = feed.data.feedStatus
    if (feedStatus === 'RECEIVED' || feedStatus === 'INPROGRESS') return { status: 'pending', feedStatus, latencyMs }
    if (feedStatus === 'ERROR')
      return done(
        'ERROR',
        all({
          outcome: 'failed',
          code: 'FEED_ERROR',
          message: `Walmart ended feed ${handle.feedId} in ERROR; nothing of it is trusted to have applied.`,
        }),
      )
    const items = feed.data.itemDetails?.itemIngestionStatus ?? []
    items.forEach((r, i) => records.set(r.index ?? offset + i, r))
    const received = feed.data.itemsReceived ?? handle.messages.length
    offset += items.length
    if (items.length === 0 || offset >= received) break
  }
  return done(
    'PROCESSED',
    handle.messages.map((m) => recordOutcome(handle, m, records.get(m.messageId))),
  )
}

/** One record of a processed feed: SUCCESS is accepted, DATA_ERROR rejected, anything else (or nothing) retried. */
function recordOutcome(
  handle: BulkFeedHandle,
  m: BulkFeedHandle['messages'][number],
  r: z.infer<typeof ingestionSchema> | undefined,
): UpdateOutcome {
  if (!r)
    return {
      listingId: m.listingId,
      outcome: 'failed',
      code: 'NO_INGESTION_STATUS',
      message: `Walmart reported nothing for record ${m.messageId} of feed ${handle.feedId}.`,
    }
  if (r.ingestionStatus === 'SUCCESS')
    return { listingId: m.listingId, outcome: 'accepted', submissionId: `${handle.feedId}:${m.messageId}` }
  const e = r.ingestionErrors?.ingestionError?.[0]
  const message = `${r.ingestionStatus}: ${e?.description ?? 'no description'}`
  if (r.ingestionStatus === 'DATA_ERROR')
    return { listingId: m.listingId, outcome: 'rejected', code: e?.code ?? 'DATA_ERROR', message }
  return { listingId: m.listingId, outcome: 'failed', code: r.ingestionStatus, message }
}

function failureOf(response: Extract<ChannelResponse, { kind: 'response' }>): FailureClass {
  return classifyHttpStatus(response.status, response.headers, response.text.slice(0, 300))
}
