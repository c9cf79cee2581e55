// The HTTP plumbing every connector shares: one call with a timeout, and the classification of
// what came back into the publisher's vocabulary (CONVENTIONS rule 11):
// - transient (`failed`, retried with backoff): no response, timeouts, 408, 409, 425, 429, 5xx;
// - permanent (`rejected`, dead-lettered at once): every other non-2xx status.
// Marketplace-specific meanings (Shopify's THROTTLED inside a 200, Amazon's INVALID) are decided
// by each connector on top of this.
import type { ListingUpdate, UpdateOutcome } from './connector'
import { ChannelReadError } from './connector-errors'

export const DEFAULT_TIMEOUT_MS = 10_000
const USER_AGENT = 'Stocktower/0.1 (inventory-sync; Language=TypeScript)'

export interface ChannelRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH'
  url: string
  headers?: Record<string, string>
  /** Already serialised JSON (signatures are computed over these exact bytes), or a multipart form (file uploads). */
  body?: string | FormData
  timeoutMs: number
}

export type ChannelResponse =
  | { kind: 'response'; status: number; headers: Headers; text: string; json: unknown; latencyMs: number }
  | {
      kind: 'no-response'
      code: 'TIMEOUT' | 'NETWORK_ERROR' | 'AUTH_TOKEN_UNAVAILABLE' | 'AUTH_TOKEN_REFUSED' | 'UNAUTHORIZED'
      message: string
      latencyMs: number
    }

export async function sendChannelRequest(request: ChannelRequest): Promise<ChannelResponse> {
  const started = performance.now()
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: {
        'user-agent': USER_AGENT,
        accept: 'application/json',
        ...(typeof request.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: request.body,
      // A redirect on a write API means a wrong base URL; replaying the write elsewhere is worse.
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    })
    const text = await response.text()
    return {
      kind: 'response',
      status: response.status,
      headers: response.headers,
      text,
      json: parseJson(text),
      latencyMs: elapsed(started),
    }
  } catch (error) {
    const latencyMs = elapsed(started)
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return { kind: 'no-response', code: 'TIMEOUT', message: `no answer within ${request.timeoutMs} ms`, latencyMs }
    }
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
    return {
      kind: 'no-response',
      code: 'NETWORK_ERROR',
      message: `${error instanceof Error ? error.message : String(error)}${cause}`,
      latencyMs,
    }
  }
}

/** Milliseconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or unreadable. */
export function retryAfterMsFrom(headers: Headers, nowMs: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

export type FailureClass =
  | { outcome: 'failed'; code: string; message: string; retryAfterMs?: number }
  | { outcome: 'rejected'; code: string; message: string }

/** Classifies a non-2xx status. `detail` is the channel's own error text, for the operator. */
export function classifyHttpStatus(status: number, headers: Headers, detail: string): FailureClass {
  const retryAfterMs = retryAfterMsFrom(headers)
  const message = `HTTP ${status}${detail ? `: ${truncate(detail, 300)}` : ''}`
  const transient = (code: string): FailureClass => ({
    outcome: 'failed',
    code,
    message,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  })
  if (status === 408) return transient('REQUEST_TIMEOUT')
  if (status === 409) return transient('CONFLICT')
  if (status === 425) return transient('TOO_EARLY')
  if (status === 429) return transient('THROTTLED')
  if (status === 503) return transient('CHANNEL_UNAVAILABLE')
  if (status >= 500) return transient('CHANNEL_ERROR')
  if (status === 401) return { outcome: 'rejected', code: 'UNAUTHORIZED', message }
  if (status === 403) return { outcome: 'rejected', code: 'FORBIDDEN', message }
  if (status === 404) return { outcome: 'rejected', code: 'NOT_FOUND', message }
  if (status === 400 || status === 422) return { outcome: 'rejected', code: 'INVALID_REQUEST', message }
  if (status >= 400) return { outcome: 'rejected', code: `HTTP_${status}`, message }
  if (status >= 300)
    return { outcome: 'rejected', code: 'UNEXPECTED_REDIRECT', message: `${message} (check the channel's base URL)` }
  return transient('UNEXPECTED_STATUS')
}

export function noResponseFailure(response: Extract<ChannelResponse, { kind: 'no-response' }>): FailureClass {
  return { outcome: 'failed', code: response.code, message: response.message }
}

/** The same failure for every update of a batch. */
export function outcomesForAll(
  updates: readonly Pick<ListingUpdate, 'listingId'>[],
  failure: FailureClass,
): UpdateOutcome[] {
  return updates.map((update) => ({ listingId: update.listingId, ...failure }))
}

/** A read-back failure as a typed error (reads have no per-listing outcome to carry it). */
export function readErrorFrom(failure: FailureClass, httpStatus?: number): ChannelReadError {
  return new ChannelReadError(
    failure.code,
    `read-back failed: ${failure.message}`,
    failure.outcome === 'failed',
    failure.outcome === 'failed' ? failure.retryAfterMs : undefined,
    httpStatus,
  )
}

/** A small, credential-free copy of a response body for the attempt row. */
export function summarizeBody(response: Extract<ChannelResponse, { kind: 'response' }>): unknown {
  if (response.json !== undefined) {
    const serialised = JSON.stringify(response.json)
    return serialised.length <= 4_000 ? response.json : { truncated: true, preview: serialised.slice(0, 4_000) }
  }
  return response.text ? truncate(response.text, 1_000) : null
}

/** What an attempt row keeps of an answered call: its timing, status, our request and the body. */
export function answeredResult(
  response: Extract<ChannelResponse, { kind: 'response' }>,
  request: unknown,
): { latencyMs: number; httpStatus: number; request: unknown; response: unknown } {
  return { latencyMs: response.latencyMs, httpStatus: response.status, request, response: summarizeBody(response) }
}

/**
 * The wait a throttled failure asks the publisher for: the channel's Retry-After, else `fallbackMs`
 * (null: no wait of our own, the publisher's backoff decides).
 */
export function throttleOf(failure: FailureClass, fallbackMs: number | null = 1_000): { throttledForMs?: number } {
  return failure.outcome === 'failed' && failure.code === 'THROTTLED'
    ? { throttledForMs: failure.retryAfterMs ?? fallbackMs ?? undefined }
    : {}
}

/** Joins a base URL (possibly with a path prefix) and an absolute API path. */
export function joinUrl(baseUrl: string, pathAndQuery: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started)
}
