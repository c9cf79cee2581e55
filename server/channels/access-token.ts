// Short-lived access tokens for marketplaces that issue them (Walmart client credentials, 900 s;
// Amazon Login with Amazon refresh-token exchange, 1 h). One cache per credential set, shared by
// every connector built for it in this process (a connector is built per publish run):
// - a token is reused until shortly before it expires (a fifth of its lifetime, at most 60 s
//   early), then exchanged again; concurrent callers share one exchange;
// - a marketplace that refuses a token (401) makes the connector `invalidate` it and ask once more;
// - a failing exchange is one channel-wide failure (transient: the publisher backs off and the
//   breaker counts it), remembered for a few seconds so parallel lanes do not hammer the token
//   endpoint, never thousands of per-listing rejections.
// Tokens and secrets never leave this module except in the Authorization / access-token header:
// they are not logged, not put in attempt rows, not in error messages.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import {
  classifyHttpStatus,
  noResponseFailure,
  sendChannelRequest,
  truncate,
  type ChannelRequest,
  type ChannelResponse,
  type FailureClass,
} from './channel-http'

export interface TokenGrant {
  accessToken: string
  expiresInSeconds: number
}

export type TokenResult = { ok: true; token: string } | { ok: false; failure: FailureClass }

export interface AccessTokenSource {
  /** A token valid now, or the channel-wide failure of the exchange. */
  get(): Promise<TokenResult>
  /** The marketplace refused `token` (401): the next get() exchanges again. */
  invalidate(token: string): void
}

interface Entry {
  token?: string
  expiresAt: number
  refreshAt: number
  inFlight?: Promise<TokenResult>
  failure?: { failure: FailureClass; until: number }
}

const MAX_EARLY_REFRESH_MS = 60_000
const FAILURE_MEMORY_MS = 5_000
const entries = new Map<string, Entry>()

/**
 * A token source for one credential set. `identity` must contain everything that makes a token
 * (token URL, client id, secret or refresh token); it is hashed, never stored in clear.
 */
export function accessTokenSource(
  identity: readonly string[],
  exchange: () => Promise<{ ok: true; grant: TokenGrant } | { ok: false; failure: FailureClass }>,
  now: () => number = Date.now,
): AccessTokenSource {
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex')
  const entry = (): Entry => {
    let found = entries.get(key)
    if (!found) {
      found = { expiresAt: 0, refreshAt: 0 }
      entries.set(key, found)
    }
    return found
  }
  return {
    async get() {
      const e = entry()
      const at = now()
      if (e.token && at < e.refreshAt) return { ok: true, token: e.token }
      if (e.failure && at < e.failure.until) return { ok: false, failure: e.failure.failure }
      if (!e.inFlight) {
        e.inFlight = (async (): Promise<TokenResult> => {
          try {
            const result = await exchange()
            const done = now()
            if (!result.ok) {
              e.failure = { failure: result.failure, until: done + FAILURE_MEMORY_MS }
              // A token that is still valid keeps working while the endpoint struggles.
              if (e.token && done < e.expiresAt) return { ok: true, token: e.token }
              return { ok: false, failure: result.failure }
            }
            const lifetimeMs = Math.max(1, result.grant.expiresInSeconds) * 1000
            e.token = result.grant.accessToken
            e.expiresAt = done + lifetimeMs
            e.refreshAt = done + lifetimeMs - Math.min(MAX_EARLY_REFRESH_MS, lifetimeMs / 5)
            e.failure = undefined
            return { ok: true, token: e.token }
          } finally {
            e.inFlight = undefined
          }
        })()
      }
      return e.inFlight
    },
    invalidate(token) {
      const e = entry()
      if (e.token === token) {
        e.token = undefined
        e.refreshAt = 0
        e.expiresAt = 0
      }
    },
  }
}

/** Forgets every cached token (tests). */
export function clearAccessTokens(): void {
  entries.clear()
}

/**
 * POSTs an OAuth token request (application/x-www-form-urlencoded) and reads
 * `{ access_token, expires_in }`. Failures name the status and the marketplace's error code only:
 * a token endpoint's error body may echo what was sent.
 */
export async function exchangeToken(request: {
  url: string
  headers: Record<string, string>
  form: Record<string, string>
  timeoutMs: number
  marketplace: string
}): Promise<{ ok: true; grant: TokenGrant } | { ok: false; failure: FailureClass }> {
  const response = await sendChannelRequest({
    method: 'POST',
    url: request.url,
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', ...request.headers },
    body: new URLSearchParams(request.form).toString(),
    timeoutMs: request.timeoutMs,
  })
  const fail = (code: string, message: string, retryAfterMs?: number): { ok: false; failure: FailureClass } => ({
    ok: false,
    failure: {
      outcome: 'failed',
      code,
      message: `${request.marketplace} token exchange failed: ${message}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  })
  if (response.kind === 'no-response') {
    const failure = noResponseFailure(response)
    return fail('AUTH_TOKEN_UNAVAILABLE', failure.message)
  }
  const body = (response.json ?? {}) as Record<string, unknown>
  if (response.status !== 200) {
    const classified = classifyHttpStatus(response.status, response.headers, '')
    const oauthError =
      typeof body.error === 'string'
        ? body.error
        : Array.isArray(body.error)
          ? 'error'
          : Array.isArray(body.errors)
            ? String((body.errors[0] as { code?: unknown } | undefined)?.code ?? 'error')
            : ''
    const retryAfterMs = classified.outcome === 'failed' ? classified.retryAfterMs : undefined
    // Refused credentials (400 invalid_grant, 401 invalid_client) need an operator; the
    // endpoint being down or throttled passes. Both are channel-wide, never a listing's fault.
    const code = classified.outcome === 'failed' ? 'AUTH_TOKEN_UNAVAILABLE' : 'AUTH_TOKEN_REFUSED'
    return fail(code, `HTTP ${response.status}${oauthError ? ` ${truncate(oauthError, 80)}` : ''}`, retryAfterMs)
  }
  const grant = tokenResponseSchema.safeParse(response.json)
  // Never echo the body: it holds the token. Name the fields that are wrong only.
  if (!grant.success)
    return fail(
      'AUTH_TOKEN_UNAVAILABLE',
      `unexpected answer (${grant.error.issues.map((i) => i.path.join('.')).join(', ')})`,
    )
  return { ok: true, grant: { accessToken: grant.data.access_token, expiresInSeconds: grant.data.expires_in } }
}

/** An OAuth 2.0 token response (RFC 6749 5.1), as Walmart and Login with Amazon send it. */
const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.coerce.number().positive(),
  })
  .loose()

/** A marketplace call that could not be authenticated: one channel-wide, transient failure. */
export interface AuthFailure {
  kind: 'auth-failed'
  failure: FailureClass
  latencyMs: number
}

/**
 * Sends a request built around a token from `source`. A refused token (per `refused`, e.g. HTTP
 * 401) is invalidated and the request sent once more with a fresh one; refused again, or no
 * token to be had, it is an AuthFailure (never a per-listing rejection).
 */
export async function sendWithToken(
  source: AccessTokenSource,
  build: (token: string) => ChannelRequest,
  refused: (response: Extract<ChannelResponse, { kind: 'response' }>) => boolean,
): Promise<ChannelResponse | AuthFailure> {
  let latencyMs = 0
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = performance.now()
    const token = await source.get()
    latencyMs += Math.round(performance.now() - started)
    if (!token.ok) return { kind: 'auth-failed', failure: token.failure, latencyMs }
    const response = await sendChannelRequest(build(token.token))
    if (response.kind !== 'response' || !refused(response))
      return { ...response, latencyMs: response.latencyMs + latencyMs }
    latencyMs += response.latencyMs
    source.invalidate(token.token)
  }
  return {
    kind: 'auth-failed',
    failure: {
      outcome: 'failed',
      code: 'UNAUTHORIZED',
      message: 'the marketplace refused a freshly issued access token; check the channel credentials',
    },
    latencyMs,
  }
}
