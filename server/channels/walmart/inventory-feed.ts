// Walmart's bulk path: one inventory feed (`POST /v3/feeds?feedType=inventory`, the feed file as a
// multipart/form-data upload, spec 1.4 JSON) carrying many
// records, followed by `GET /v3/feeds/{feedId}?includeDetails=true` until it is PROCESSED (or
// ERROR). Per record: SUCCESS is accepted (verified by read-back like every update), DATA_ERROR is
// refused (permanent, like a PUT the item does not exist for), SYSTEM_ERROR / TIMEOUT_ERROR are
// transient. A feed that ends ERROR is transient for all of it.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { BulkFeedHandle, BulkPollResult, BulkPublisher, BulkSubmitResult, ListingUpdate, UpdateOutcome } from '../connector'
import { classifyHttpStatus, joinUrl, noResponseFailure, outcomesForAll, sendChannelRequest, summarizeBody, type ChannelResponse, type FailureClass } from '../channel-http'

export const WALMART_FEED_TYPE = 'inventory'
export const MAX_RECORDS_PER_WALMART_FEED = 10_000

const submitResponseSchema = z.object({ feedId: z.string().min(1) }).loose()
const ingestionSchema = z.object({
  sku: z.string().optional(),
  index: z.number().int().optional(),
  ingestionStatus: z.string(),
  ingestionErrors: z.object({ ingestionError: z.array(z.object({ type: z.string().optional(), code: z.string().optional(), description: z.string().optional() }).loose()).nullable().optional() }).loose().nullable().optional(),
}).loose()
const feedStatusSchema = z.object({
  feedId: z.string(),
  feedStatus: z.enum(['RECEIVED', 'INPROGRESS', 'PROCESSED', 'ERROR']),
  itemDetails: z.object({ itemIngestionStatus: z.array(ingestionSchema) }).loose().optional(),
}).loose()

export function createWalmartFeedPublisher(context: { baseUrl: string; accessToken: string; serviceName: string; timeoutMs: number }): BulkPublisher {
  const headers = () => ({ 'WM_SEC.ACCESS_TOKEN': context.accessToken, 'WM_QOS.CORRELATION_ID': randomUUID(), 'WM_SVC.NAME': context.serviceName })
  const failureOf = (response: Extract<ChannelResponse, { kind: 'response' }>): FailureClass => classifyHttpStatus(response.status, response.headers, response.text.slice(0, 300))

  async function submitFeed(updates: ListingUpdate[]): Promise<BulkSubmitResult> {
    if (updates.length === 0 || updates.length > MAX_RECORDS_PER_WALMART_FEED) throw new RangeError(`A Walmart inventory feed carries 1 to ${MAX_RECORDS_PER_WALMART_FEED} records, not ${updates.length}.`)
    const request = { operation: 'inventoryFeed', records: updates.length }
    const body = { InventoryHeader: { version: '1.4' }, Inventory: updates.map((u) => ({ sku: u.externalSku, quantity: { unit: 'EACH', amount: u.quantity } })) }
    // Walmart takes the feed as a file upload (multipart/form-data, part `file`); fetch sets the boundary.
    const form = new FormData()
    form.append('file', new Blob([JSON.stringify(body)], { type: 'application/json' }), 'inventory-feed.json')
    const response = await sendChannelRequest({ method: 'POST', url: joinUrl(context.baseUrl, `/v3/feeds?feedType=${WALMART_FEED_TYPE}`), headers: headers(), body: form, timeoutMs: context.timeoutMs })
    if (response.kind === 'no-response') return { status: 'not_submitted', result: { outcomes: outcomesForAll(updates, noResponseFailure(response)), latencyMs: response.latencyMs, request } }
    if (response.status < 200 || response.status >= 300) {
      const failure = failureOf(response)
      // Refusing the feed as a whole is about the feed, not a listing: send the records again.
      const transient: FailureClass = failure.outcome === 'failed' ? failure : { outcome: 'failed', code: 'FEED_REFUSED', message: failure.message }
      const throttled = transient.outcome === 'failed' && transient.code === 'THROTTLED' ? { throttledForMs: transient.retryAfterMs ?? 1_000 } : {}
      return { status: 'not_submitted', result: { outcomes: outcomesForAll(updates, transient), latencyMs: response.latencyMs, httpStatus: response.status, request, response: summarizeBody(response), ...throttled } }
    }
    const parsed = submitResponseSchema.safeParse(response.json)
    if (!parsed.success) return { status: 'not_submitted', result: { outcomes: outcomesForAll(updates, { outcome: 'failed', code: 'UNEXPECTED_RESPONSE', message: parsed.error.message.slice(0, 300) }), latencyMs: response.latencyMs, httpStatus: response.status, request } }
    const handle: BulkFeedHandle = {
      feedId: parsed.data.feedId, feedType: WALMART_FEED_TYPE, submittedAt: new Date().toISOString(),
      messages: updates.map((u, i) => ({ messageId: i, listingId: u.listingId, externalSku: u.externalSku, quantity: u.quantity })),
    }
    return { status: 'submitted', handle, latencyMs: response.latencyMs, httpStatus: response.status, request: { ...request, feedId: handle.feedId }, response: summarizeBody(response) }
  }

  async function pollFeed(handle: BulkFeedHandle): Promise<BulkPollResult> {
    const response = await sendChannelRequest({ method: 'GET', url: joinUrl(context.baseUrl, `/v3/feeds/${encodeURIComponent(handle.feedId)}?includeDetails=true`), headers: headers(), timeoutMs: context.timeoutMs })
    if (response.kind === 'no-response') return { status: 'pending', feedStatus: 'UNKNOWN', latencyMs: response.latencyMs, message: response.message }
    const done = (feedStatus: string, outcomes: UpdateOutcome[]): BulkPollResult => ({ status: 'done', feedStatus, result: { outcomes, latencyMs: response.latencyMs, httpStatus: response.status, request: { operation: 'feedStatus', feedId: handle.feedId }, response: { feedStatus } } })
    const all = (failure: FailureClass) => handle.messages.map((m) => ({ listingId: m.listingId, ...failure }) as UpdateOutcome)
    if (response.status !== 200) {
      const failure = failureOf(response)
      if (failure.outcome === 'failed') return { status: 'pending', feedStatus: 'UNKNOWN', latencyMs: response.latencyMs, retryAfterMs: failure.retryAfterMs, message: failure.message }
      return done('UNKNOWN', all({ outcome: 'failed', code: response.status === 404 ? 'FEED_NOT_FOUND' : failure.code, message: `feed ${handle.feedId}: ${failure.message}` }))
    }
    const feed = feedStatusSchema.safeParse(response.json)
    if (!feed.success) return done('UNKNOWN', all({ outcome: 'failed', code: 'UNEXPECTED_RESPONSE', message: feed.error.message.slice(0, 300) }))
    if (feed.data.feedStatus === 'RECEIVED' || feed.data.feedStatus === 'INPROGRESS') return { status: 'pending', feedStatus: feed.data.feedStatus, latencyMs: response.latencyMs }
    if (feed.data.feedStatus === 'ERROR') return done('ERROR', all({ outcome: 'failed', code: 'FEED_ERROR', message: `Walmart ended feed ${handle.feedId} in ERROR; nothing of it is trusted to have applied.` }))
    const byIndex = new Map((feed.data.itemDetails?.itemIngestionStatus ?? []).map((r, i) => [r.index ?? i, r]))
    return done('PROCESSED', handle.messages.map((m): UpdateOutcome => {
      const r = byIndex.get(m.messageId)
      if (!r) return { listingId: m.listingId, outcome: 'failed', code: 'NO_INGESTION_STATUS', message: `Walmart reported nothing for record ${m.messageId} of feed ${handle.feedId}.` }
      if (r.ingestionStatus === 'SUCCESS') return { listingId: m.listingId, outcome: 'accepted', submissionId: `${handle.feedId}:${m.messageId}` }
      const e = r.ingestionErrors?.ingestionError?.[0]
      const message = `${r.ingestionStatus}: ${e?.description ?? 'no description'}`
      if (r.ingestionStatus === 'DATA_ERROR') return { listingId: m.listingId, outcome: 'rejected', code: e?.code ?? 'DATA_ERROR', message }
      return { listingId: m.listingId, outcome: 'failed', code: r.ingestionStatus, message }
    }))
  }

  return { feedType: WALMART_FEED_TYPE, maxUpdatesPerFeed: MAX_RECORDS_PER_WALMART_FEED, maxPollIntervalMs: 60_000, submitFeed, pollFeed }
}
