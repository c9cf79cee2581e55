// How the Amazon connector reads SP-API failures, shared by the per-listing path (Listings Items)
// and the bulk path (Feeds API), so a listing ends the same way whichever path carried it.
import { classifyHttpStatus, type ChannelResponse, type FailureClass } from '../channel-http'
import type { UpdateOutcome } from '../connector'
import { errorListSchema } from './amazon.schema'

/** A non-2xx SP-API answer (ErrorList body) in the publisher's vocabulary. */
export function amazonFailure(response: Extract<ChannelResponse, { kind: 'response' }>): FailureClass {
  const errors = errorListSchema.safeParse(response.json)
  const detail = errors.success
    ? errors.data.errors.map((error) => `${error.code}: ${error.message}`).join('; ')
    : response.text
  const failure = classifyHttpStatus(response.status, response.headers, detail)
  if (response.status === 404) return { outcome: 'rejected', code: 'LISTING_NOT_FOUND', message: failure.message }
  if (failure.outcome === 'failed' && failure.code === 'THROTTLED' && failure.retryAfterMs === undefined) {
    return { ...failure, retryAfterMs: waitFromRateLimit(response.headers) }
  }
  return failure
}

/** One request's worth of time at the usage plan's rate (x-amzn-RateLimit-Limit, requests/s). */
export function waitFromRateLimit(headers: Headers): number {
  const rate = Number(headers.get('x-amzn-ratelimit-limit'))
  return Number.isFinite(rate) && rate > 0 ? Math.ceil(1000 / rate) : 1_000
}

export function unexpectedResponse(detail: string): FailureClass {
  return {
    outcome: 'failed',
    code: 'UNEXPECTED_RESPONSE',
    message: `Amazon answered in an unexpected shape: ${detail.slice(0, 300)}`,
  }
}

export interface AmazonIssue {
  code?: string
  message: string
  severity: 'ERROR' | 'WARNING' | 'INFO'
}

/**
 * A submission Amazon refused (patchListingsItem INVALID, or a feed message with ERROR issues):
 * permanent. NOT_FOUND means the SKU has no listing to patch; every other ERROR is invalid data.
 * The marketplace's own issue codes and messages stay in `message` for the operator.
 */
export function rejectionFromIssues(
  listingId: string,
  issues: readonly AmazonIssue[],
  emptyMessage: string,
): Extract<UpdateOutcome, { outcome: 'rejected' }> {
  const errors = issues.filter((issue) => issue.severity === 'ERROR')
  const notFound = errors.some((issue) => issue.code === 'NOT_FOUND')
  const message =
    errors.length > 0 ? errors.map((issue) => `${issue.code ?? 'ERROR'}: ${issue.message}`).join('; ') : emptyMessage
  return { listingId, outcome: 'rejected', code: notFound ? 'LISTING_NOT_FOUND' : 'LISTING_INVALID', message }
}
