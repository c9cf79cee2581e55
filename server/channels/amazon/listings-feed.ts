// Amazon's bulk path: one JSON_LISTINGS_FEED through the Feeds API 2021-06-30.
//
//   submit: createFeedDocument -> PUT the document to the presigned url -> createFeed
//   poll:   getFeed (IN_QUEUE | IN_PROGRESS | DONE | FATAL | CANCELLED)
//           DONE -> getFeedDocument(resultFeedDocumentId) -> download the processing report
//
// Per message, the processing report's ERROR issues make that listing `rejected` exactly like an
// INVALID patchListingsItem (same codes); every other message is `accepted` (Amazon applies it
// later, verified by read-back like a single patch). A feed that is FATAL or CANCELLED, or whose
// document Amazon could not read at all, is `failed` (transient) for every listing in it.
//
// The Feeds API's usage plans are tight (createFeed ~1 per 2 minutes, burst 15), which is why a
// feed only pays off for a backlog; the per-listing path stays the default for small changes.
import { gunzipSync } from 'node:zlib'
import type {
  BulkFeedHandle,
  BulkPollResult,
  BulkPublisher,
  BulkSubmitResult,
  ListingUpdate,
  PushResult,
  UpdateOutcome,
} from '../connector'
import type { AuthFailure } from '../access-token'
import {
  joinUrl,
  noResponseFailure,
  outcomesForAll,
  sendChannelRequest,
  summarizeBody,
  throttleOf,
  truncate,
  type ChannelRequest,
  type ChannelResponse,
  type FailureClass,
} from '../channel-http'
import { amazonFailure, rejectionFromIssues, unexpectedResponse } from './amazon-failures'
import {
  createFeedDocumentResponseSchema,
  createFeedResponseSchema,
  feedDocumentSchema,
  feedSchema,
  FEEDS_API_BASE_PATH,
  LISTINGS_FEED_CONTENT_TYPE,
  LISTINGS_FEED_TYPE,
  listingsFeedDocument,
  MAX_MESSAGES_PER_LISTINGS_FEED,
  processingReportSchema,
  type ProcessingReport,
} from './amazon.schema'

export interface ListingsFeedContext {
  baseUrl: string
  /** Sends an SP-API call with a current LWA access token (connector.ts). */
  send: (request: Omit<ChannelRequest, 'headers'>) => Promise<ChannelResponse | AuthFailure>
  timeoutMs: number
  settings: {
    sellerId: string
    marketplaceId: string
    productType: string
    fulfillmentChannelCode: string
    issueLocale: string
    handlingTimeDays?: number
  }
}

/** Amazon suggests polling getFeed every few minutes at most; pollers start faster and back off to this. */
export const AMAZON_FEED_MAX_POLL_INTERVAL_MS = 60_000

type Sent = { latencyMs: number; httpStatus?: number }

/** The Feeds API calls of one channel: URLs, the token-carrying sender, the timeout, the settings. */
interface FeedsApi {
  api: (path: string) => string
  spApi: (request: Omit<ChannelRequest, 'headers'>) => Promise<ChannelResponse>
  timeoutMs: number
  settings: ListingsFeedContext['settings']
}

export function createListingsFeedPublisher(context: ListingsFeedContext): BulkPublisher {
  const feeds: FeedsApi = {
    api: (path) => joinUrl(context.baseUrl, `${FEEDS_API_BASE_PATH}${path}`),
    /** An SP-API call; a failed token exchange reads as no response (transient, channel-wide). */
    spApi: async (request) => {
      const response = await context.send(request)
      return response.kind === 'auth-failed'
        ? {
            kind: 'no-response',
            code: response.failure.code as 'UNAUTHORIZED',
            message: response.failure.message,
            latencyMs: response.latencyMs,
          }
        : response
    },
    timeoutMs: context.timeoutMs,
    settings: context.settings,
  }
  return {
    feedType: LISTINGS_FEED_TYPE,
    maxUpdatesPerFeed: MAX_MESSAGES_PER_LISTINGS_FEED,
    maxPollIntervalMs: AMAZON_FEED_MAX_POLL_INTERVAL_MS,
    submitFeed: (updates) => submitListingsFeed(feeds, updates),
    pollFeed: (handle) => pollListingsFeed(feeds, handle),
  }
}

type AnsweredCall = Extract<ChannelResponse, { kind: 'response' }>

/** A feed that never reached Amazon: its failure (prefixed with the step that failed) is every update's outcome. */
function notSubmittedResult(
  call: { updates: ListingUpdate[]; request: unknown; latencyMs: number },
  failure: FailureClass,
  response?: AnsweredCall,
  step?: string,
): BulkSubmitResult {
  const message = step ? `${step}: ${failure.message}` : failure.message
  return {
    status: 'not_submitted',
    result: {
      outcomes: outcomesForAll(call.updates, { ...failure, message }),
      latencyMs: call.latencyMs,
      httpStatus: response?.status,
      request: call.request,
      response: response ? summarizeBody(response) : undefined,
      ...throttleOf(failure),
    },
  }
}

/** JSON_LISTINGS_FEED in three calls: createFeedDocument, upload the document, createFeed. Any failure is every update's outcome. */
async function submitListingsFeed(feeds: FeedsApi, updates: ListingUpdate[]): Promise<BulkSubmitResult> {
  if (updates.length === 0 || updates.length > MAX_MESSAGES_PER_LISTINGS_FEED) {
    throw new RangeError(
      `A listings feed carries 1 to ${MAX_MESSAGES_PER_LISTINGS_FEED} updates, not ${updates.length}.`,
    )
  }
  const messages = updates.map((update, index) => ({
    messageId: index + 1,
    listingId: update.listingId,
    externalSku: update.externalSku,
    quantity: update.quantity,
  }))
  const document = listingsFeedDocument(
    feeds.settings,
    feeds.settings.productType,
    feeds.settings.fulfillmentChannelCode,
    messages.map((m) => ({ messageId: m.messageId, sku: m.externalSku, quantity: m.quantity })),
    feeds.settings.handlingTimeDays,
  )
  const request = { operation: 'createFeed', feedType: LISTINGS_FEED_TYPE, messages: messages.length }
  let latencyMs = 0
  const notSubmitted = (failure: FailureClass, response?: AnsweredCall, step?: string) =>
    notSubmittedResult({ updates, request, latencyMs }, failure, response, step)

  // 1. createFeedDocument: where to upload.
  const created = await feeds.spApi({
    method: 'POST',
    url: feeds.api('/documents'),
    body: JSON.stringify({ contentType: LISTINGS_FEED_CONTENT_TYPE }),
    timeoutMs: feeds.timeoutMs,
  })
  latencyMs += created.latencyMs
  if (created.kind === 'no-response') return notSubmitted(noResponseFailure(created), undefined, 'createFeedDocument')
  if (created.status !== 201 && created.status !== 200)
    return notSubmitted(amazonFailure(created), created, 'createFeedDocument')
  const feedDocument = createFeedDocumentResponseSchema.safeParse(created.json)
  if (!feedDocument.success)
    return notSubmitted(unexpectedResponse(feedDocument.error.message), created, 'createFeedDocument')

  // 2. Upload to the presigned URL. It carries its own signature: no SP-API token goes there.
  const uploaded = await uploadFeedDocument(feeds, feedDocument.data.url, document)
  latencyMs += uploaded.latencyMs
  if (uploaded.kind === 'no-response')
    return notSubmitted(noResponseFailure(uploaded), undefined, 'feed document upload')
  if (uploaded.status < 200 || uploaded.status >= 300) {
    // An expired or refused upload URL is not the listings' fault: a new feed gets a new URL.
    const failure = amazonFailure(uploaded)
    return notSubmitted(
      failure.outcome === 'failed'
        ? failure
        : { outcome: 'failed', code: 'FEED_UPLOAD_FAILED', message: failure.message },
      uploaded,
      'feed document upload',
    )
  }

  // 3. createFeed.
  const feed = await createFeed(feeds, feedDocument.data.feedDocumentId)
  latencyMs += feed.latencyMs
  if (feed.kind === 'no-response') return notSubmitted(noResponseFailure(feed), undefined, 'createFeed')
  if (feed.status !== 202 && feed.status !== 200) return notSubmitted(amazonFailure(feed), feed, 'createFeed')
  const createdFeed = createFeedResponseSchema.safeParse(feed.json)
  if (!createdFeed.success) return notSubmitted(unexpectedResponse(createdFeed.error.message), feed, 'createFeed')

  const handle: BulkFeedHandle = {
    feedId: createdFeed.data.feedId,
    feedType: LISTINGS_FEED_TYPE,
    submittedAt: new Date().toISOString(),
    messages,
    details: { inputFeedDocumentId: feedDocument.data.feedDocumentId },
  }
  return {
    status: 'submitted',
    handle,
    latencyMs,
    httpStatus: feed.status,
    request: { ...request, feedId: handle.feedId },
    response: summarizeBody(feed),
  }
}

/** Step 2: the document goes to the presigned URL, which carries its own signature (no SP-API token goes there). */
function uploadFeedDocument(feeds: FeedsApi, url: string, document: unknown): Promise<ChannelResponse> {
  return sendChannelRequest({
    method: 'PUT',
    url,
    headers: { 'content-type': LISTINGS_FEED_CONTENT_TYPE },
    body: JSON.stringify(document),
    timeoutMs: feeds.timeoutMs,
  })
}

/** Step 3: createFeed over the uploaded document. */
function createFeed(feeds: FeedsApi, inputFeedDocumentId: string) {
  return feeds.spApi({
    method: 'POST',
    url: feeds.api('/feeds'),
    body: JSON.stringify({
      feedType: LISTINGS_FEED_TYPE,
      marketplaceIds: [feeds.settings.marketplaceId],
      inputFeedDocumentId,
    }),
    timeoutMs: feeds.timeoutMs,
  })
}

/** getFeed; once processed, its report decides each message (pending until Amazon has it). */
async function pollListingsFeed(feeds: FeedsApi, handle: BulkFeedHandle): Promise<BulkPollResult> {
  const sent: Sent = { latencyMs: 0 }
  const response = await feeds.spApi({
    method: 'GET',
    url: feeds.api(`/feeds/${encodeURIComponent(handle.feedId)}`),
    timeoutMs: feeds.timeoutMs,
  })
  sent.latencyMs += response.latencyMs
  if (response.kind === 'no-response')
    return { status: 'pending', feedStatus: 'UNKNOWN', latencyMs: sent.latencyMs, message: response.message }
  sent.httpStatus = response.status
  if (response.status !== 200) return getFeedRefused(handle, sent, response)
  const feed = feedSchema.safeParse(response.json)
  if (!feed.success)
    return done(handle, 'UNKNOWN', allFailed(handle, unexpectedResponse(feed.error.message)), sent, response)
  const status = feed.data.processingStatus
  if (status === 'IN_QUEUE' || status === 'IN_PROGRESS')
    return { status: 'pending', feedStatus: status, latencyMs: sent.latencyMs }
  if (status === 'CANCELLED') {
    return done(
      handle,
      status,
      allFailed(handle, {
        outcome: 'failed',
        code: 'FEED_CANCELLED',
        message: `Feed ${handle.feedId} was cancelled before processing.`,
      }),
      sent,
      response,
    )
  }
  const reportId = feed.data.resultFeedDocumentId
  if (status === 'FATAL') return fatalFeed(feeds, handle, reportId, sent, response)
  return processedFeed(feeds, handle, status, reportId, sent, response)
}

/** getFeed answered an error: retried later when transient, else every listing of the feed failed. */
function getFeedRefused(handle: BulkFeedHandle, sent: Sent, response: AnsweredCall): BulkPollResult {
  const failure = amazonFailure(response)
  if (failure.outcome === 'failed')
    return {
      status: 'pending',
      feedStatus: 'UNKNOWN',
      latencyMs: sent.latencyMs,
      retryAfterMs: failure.retryAfterMs,
      message: failure.message,
    }
  // 404: Amazon does not know the feed (any more). Its listings go out again in a new one.
  const code = response.status === 404 ? 'FEED_NOT_FOUND' : failure.code
  return done(
    handle,
    'UNKNOWN',
    allFailed(handle, { outcome: 'failed', code, message: `getFeed ${handle.feedId}: ${failure.message}` }),
    sent,
    response,
  )
}

/** FATAL: every listing is retried; the report, when Amazon wrote one, says why. */
async function fatalFeed(
  feeds: FeedsApi,
  handle: BulkFeedHandle,
  reportId: string | null | undefined,
  sent: Sent,
  response: AnsweredCall,
): Promise<BulkPollResult> {
  const report = reportId ? await readReport(feeds, reportId, sent) : undefined
  const why = report?.ok ? feedLevelIssues(report.report) : ''
  const message = `Feed ${handle.feedId} ended FATAL (Amazon aborted it; some, none or all messages may have applied)${why ? `: ${why}` : ''}.`
  return done(
    handle,
    'FATAL',
    allFailed(handle, { outcome: 'failed', code: 'FEED_FATAL', message }),
    sent,
    response,
    report?.ok ? report.report : undefined,
  )
}

/** DONE: the processing report says which messages were accepted (pending until Amazon has it). */
async function processedFeed(
  feeds: FeedsApi,
  handle: BulkFeedHandle,
  status: string,
  reportId: string | null | undefined,
  sent: Sent,
  response: AnsweredCall,
): Promise<BulkPollResult> {
  if (!reportId)
    return {
      status: 'pending',
      feedStatus: status,
      latencyMs: sent.latencyMs,
      message: 'DONE without resultFeedDocumentId yet',
    }
  const report = await readReport(feeds, reportId, sent)
  if (!report.ok) {
    if (report.failure.outcome === 'failed')
      return {
        status: 'pending',
        feedStatus: status,
        latencyMs: sent.latencyMs,
        retryAfterMs: report.failure.retryAfterMs,
        message: report.failure.message,
      }
    return done(
      handle,
      status,
      allFailed(handle, { outcome: 'failed', code: 'FEED_REPORT_UNAVAILABLE', message: report.failure.message }),
      sent,
      response,
    )
  }
  return done(handle, status, outcomesFromReport(handle, report.report), sent, response, report.report)
}

/** getFeedDocument, then the document itself (GZIP when Amazon says so). */
async function readReport(
  feeds: FeedsApi,
  feedDocumentId: string,
  sent: Sent,
): Promise<{ ok: true; report: ProcessingReport } | { ok: false; failure: FailureClass }> {
  const meta = await feeds.spApi({
    method: 'GET',
    url: feeds.api(`/documents/${encodeURIComponent(feedDocumentId)}`),
    timeoutMs: feeds.timeoutMs,
  })
  sent.latencyMs += meta.latencyMs
  if (meta.kind === 'no-response') return { ok: false, failure: noResponseFailure(meta) }
  if (meta.status !== 200) return { ok: false, failure: amazonFailure(meta) }
  const document = feedDocumentSchema.safeParse(meta.json)
  if (!document.success) return { ok: false, failure: unexpectedResponse(document.error.message) }
  const downloaded = await downloadFeedDocument(document.data.url, document.data.compressionAlgorithm, feeds.timeoutMs)
  sent.latencyMs += downloaded.latencyMs
  if (!downloaded.ok) return { ok: false, failure: downloaded.failure }
  let parsed: unknown
  try {
    parsed = JSON.parse(downloaded.text)
  } catch {
    return {
      ok: false,
      failure: unexpectedResponse(`processing report is not JSON: ${truncate(downloaded.text, 200)}`),
    }
  }
  const report = processingReportSchema.safeParse(parsed)
  if (!report.success) return { ok: false, failure: unexpectedResponse(`processing report: ${report.error.message}`) }
  return { ok: true, report: report.data }
}

/** Maps a DONE feed's processing report to one outcome per message. */
export function outcomesFromReport(handle: BulkFeedHandle, report: ProcessingReport): UpdateOutcome[] {
  const known = new Set(handle.messages.map((message) => message.messageId))
  const byMessage = new Map<number, ProcessingReport['issues']>()
  for (const issue of report.issues) {
    if (issue.messageId === undefined || !known.has(issue.messageId)) continue
    byMessage.set(issue.messageId, [...(byMessage.get(issue.messageId) ?? []), issue])
  }
  // Feed-level errors with nothing processed: the document itself was refused (unparseable,
  // wrong header). Not any listing's fault, and nothing was applied: all of it goes out again.
  const feedErrors = report.issues.filter(
    (issue) => (issue.messageId === undefined || !known.has(issue.messageId)) && issue.severity === 'ERROR',
  )
  if (feedErrors.length > 0 && report.summary.messagesProcessed === 0) {
    return allFailed(handle, {
      outcome: 'failed',
      code: 'FEED_NOT_PROCESSED',
      message: `Amazon processed no message of feed ${handle.feedId}: ${feedLevelIssues(report)}`,
    })
  }
  return handle.messages.map((message) => {
    const issues = byMessage.get(message.messageId) ?? []
    if (issues.some((issue) => issue.severity === 'ERROR')) {
      return rejectionFromIssues(message.listingId, issues, 'Amazon refused the feed message without an issue')
    }
    return { listingId: message.listingId, outcome: 'accepted', submissionId: `${handle.feedId}:${message.messageId}` }
  })
}

function feedLevelIssues(report: ProcessingReport): string {
  return truncate(
    report.issues
      .filter((issue) => issue.messageId === undefined)
      .map((issue) => `${issue.code ?? issue.severity}: ${issue.message}`)
      .join('; '),
    300,
  )
}

function allFailed(handle: BulkFeedHandle, failure: FailureClass): UpdateOutcome[] {
  return handle.messages.map((message) => ({ listingId: message.listingId, ...failure }))
}

function done(
  handle: BulkFeedHandle,
  feedStatus: string,
  outcomes: UpdateOutcome[],
  sent: Sent,
  response: Extract<ChannelResponse, { kind: 'response' }>,
  report?: ProcessingReport,
): BulkPollResult {
  const result: PushResult = {
    outcomes,
    latencyMs: sent.latencyMs,
    httpStatus: sent.httpStatus,
    request: { operation: 'getFeed', feedType: handle.feedType, feedId: handle.feedId },
    // The report's summary, not its issues: each listing's own issue is in its outcome.
    response: { feed: summarizeBody(response), ...(report ? { summary: report.summary } : {}) },
  }
  return { status: 'done', feedStatus, result }
}

/**
 * Downloads a feed document from its presigned URL (no SP-API token: the URL is signed). Raw
 * bytes, because Amazon may GZIP it; the JSON helpers would mangle a compressed body.
 */
export async function downloadFeedDocument(
  url: string,
  compression: 'GZIP' | undefined,
  timeoutMs: number,
): Promise<{ ok: true; text: string; latencyMs: number } | { ok: false; failure: FailureClass; latencyMs: number }> {
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    const bytes = Buffer.from(await response.arrayBuffer())
    if (!response.ok) {
      const failure: FailureClass =
        response.status === 429 || response.status >= 500
          ? {
              outcome: 'failed',
              code: response.status === 429 ? 'THROTTLED' : 'CHANNEL_ERROR',
              message: `HTTP ${response.status} downloading a feed document`,
            }
          : {
              outcome: 'failed',
              code: 'FEED_DOCUMENT_UNAVAILABLE',
              message: `HTTP ${response.status} downloading a feed document (expired URL?)`,
            }
      return { ok: false, failure, latencyMs: latency() }
    }
    const text = (compression === 'GZIP' ? gunzipSync(bytes) : bytes).toString('utf8')
    return { ok: true, text, latencyMs: latency() }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    const message = timedOut
      ? `no answer within ${timeoutMs} ms`
      : `feed document download failed: ${error instanceof Error ? error.message : String(error)}`
    return {
      ok: false,
      failure: { outcome: 'failed', code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', message },
      latencyMs: latency(),
    }
  }
}
