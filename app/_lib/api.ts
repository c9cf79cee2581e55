// The one wrapper every API route handler goes through: authenticate (API key with a scope, or a
// signed-in user with a permission), run one server/ call, map errors to the error body of docs/api.md.
import { NextResponse } from 'next/server'
import { prisma, sqlStateOf } from '@/server/db'
import { authenticateApiKey, type ApiPrincipal } from '@/server/auth/authenticate-api-key'
import { verifyWebhookSignature } from '@/server/auth/webhook-signatures'
import { assertBoundTo, assertSourceKindForDoor, ingestDoorOf } from '@/server/auth/source-binding'
import { readBodyLimited } from './body'
import { AppError, newRef, toErrorResponse, UnauthorizedError, ValidationError } from '@/server/errors'
import { parseJsonText, unstorableText } from '@/server/ingest/storable-text'
import { MAX_TEXT } from '@/server/ingest/event.schema'
import type { Action } from '@/server/auth/permissions'
import { requireUserWith, type SessionUser } from './auth'

export type RouteParams = Record<string, string>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): NextResponse {
  return NextResponse.json(body, { status, headers })
}

/** A body already serialised to JSON (e.g. once for every request a shared read answers). */
export function jsonText(text: string): NextResponse {
  return new NextResponse(text, { status: 200, headers: { 'content-type': 'application/json' } })
}

function errorResponse(e: unknown, ref: string): NextResponse {
  const r = toErrorResponse(inputError(e, ref) ?? e, ref)
  return NextResponse.json(r.body, { status: r.status, headers: { ...r.headers, 'X-Request-Ref': ref } })
}

/**
 * Last line of defence, behind the validation every route does: a value PostgreSQL refused as
 * data (class 22: a NUL, a malformed uuid, a time or number out of range; 54000: a value beyond
 * an index entry) came from the request, so it is the caller's 400, never a 500. It is still
 * logged with its ref: it means some boundary let the value through.
 */
function inputError(e: unknown, ref: string): AppError | null {
  if (e instanceof AppError) return null
  if (e instanceof URIError)
    return new ValidationError('A value in the URL is not valid percent-encoding.', undefined, 'INVALID_PARAMETER')
  const state = sqlStateOf(e)
  const prismaCode = (e as { code?: unknown })?.code
  // PrismaClientValidationError: a query argument Prisma refused to send (a value of the wrong
  // shape for its column); a route's own validation should have caught it, hence the log line.
  const prismaRefused =
    prismaCode === 'P2023' || prismaCode === 'P2000' || (e as Error)?.name === 'PrismaClientValidationError'
  if (!(state && (state.startsWith('22') || state === '54000')) && !prismaRefused) return null
  const where =
    String((e as Error)?.stack ?? '')
      .split('\n')
      .find((l) => /[/\\](server|app)[/\\]/.test(l))
      ?.trim() ?? ''
  console.warn(
    `[input refused by PostgreSQL ref=${ref} sqlstate=${state ?? prismaCode}] ${where}`,
    String((e as Error)?.message ?? e).slice(-300),
  )
  return new ValidationError(
    'A value in the request cannot be stored or searched (invalid text, identifier, time or number, or too long).',
    undefined,
    'INVALID_INPUT',
  )
}

/** Longest path parameter or query value any route takes (codes are at most 200 characters). */
const MAX_URL_VALUE = 1000
/**
 * Every route's URL inputs, checked once before the handler runs: path parameters and query
 * values PostgreSQL cannot hold (a NUL from `%00`) or longer than any code are refused with a 400.
 */
function checkUrlInputs(req: Request, params: RouteParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string') continue
    checkUrlValue(`The path parameter "${name}"`, value, unstorableText(value), 'INVALID_PARAMETER')
  }
  for (const [name, value] of new URL(req.url).searchParams)
    checkUrlValue(
      `The query parameter "${name.slice(0, 40)}"`,
      value,
      unstorableText(value) ?? unstorableText(name),
      'INVALID_QUERY',
    )
}

/** One URL value refused with a 400 `code`: `why` PostgreSQL cannot hold it, or longer than any code. */
function checkUrlValue(label: string, value: string, why: string | null, code: string): void {
  if (why) throw new ValidationError(`${label} ${why}.`, undefined, code)
  if (value.length > MAX_URL_VALUE)
    throw new ValidationError(`${label} is longer than ${MAX_URL_VALUE} characters.`, undefined, code)
}

/** A path parameter as the route's code: Next passes it decoded; one still percent-encoded is decoded once more when that is valid. */
export function pathCode(raw: string): string {
  if (!raw.includes('%')) return raw
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    return raw
  }
  // `%2500` arrives as `%00`: decoded again it would be a NUL.
  const why = unstorableText(decoded)
  if (why) throw new ValidationError(`The path parameter ${why}.`, undefined, 'INVALID_PARAMETER')
  return decoded
}

/** Machine API: `Authorization: Bearer <key>` with the scope the route needs. */
export function apiKeyRoute<P extends RouteParams = RouteParams>(
  scope: string | ((params: P) => string),
  fn: (ctx: { req: Request; params: P; principal: ApiPrincipal; ref: string }) => Promise<NextResponse>,
) {
  return async (req: Request, context: { params: Promise<P> }): Promise<NextResponse> => {
    const ref = newRef()
    try {
      const params = (await context.params) ?? ({} as P)
      const principal = await authenticateApiKey(
        prisma(),
        req.headers.get('authorization'),
        typeof scope === 'function' ? scope(params) : scope,
      )
      checkUrlInputs(req, params)
      return await fn({ req, params, principal, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}

/**
 * Ingest endpoints: an API key with the scope, or (without one) a webhook signed with the signing
 * secret of the source the body names (docs/api.md "Authentication"). The body is read once, before either check,
 * so the signature covers exactly the bytes that are then stored and parsed; a signed sender is
 * bound to its own source. The source a request writes for must be of the door's kind (events:
 * not a channel source; orders: a channel source), and a bound key may write only for its source.
 */
export function ingestRoute<P extends RouteParams = RouteParams>(
  scope: (params: P) => string,
  signedSource: (params: P, body: string) => string | null,
  limit: number,
  fn: (ctx: {
    req: Request
    params: P
    principal: ApiPrincipal
    body: string
    exactBytes: Buffer | null
    ref: string
  }) => Promise<NextResponse>,
) {
  return async (req: Request, context: { params: Promise<P> }): Promise<NextResponse> => {
    const ref = newRef()
    try {
      const params = (await context.params) ?? ({} as P)
      const signature = req.headers.get('x-stocktower-signature')
      const door = ingestDoorOf(scope(params))
      if (req.headers.get('authorization') || !signature) {
        const principal = await authenticateApiKey(prisma(), req.headers.get('authorization'), scope(params))
        checkUrlInputs(req, params)
        const { text, exactBytes } = await readBodyLimited(req, limit)
        const named = signedSource(params, text)
        assertBoundTo(principal, named, door === 'channel' ? 'post channel orders' : 'send events')
        // A source name PostgreSQL cannot hold is refused per batch by the use case, not looked up here.
        if (named && !unstorableText(named)) await assertSourceKindForDoor(prisma(), named, door)
        return await fn({ req, params, principal, body: text, exactBytes, ref })
      }
      checkUrlInputs(req, params)
      const { text: body, exactBytes } = await readBodyLimited(req, limit)
      const source = signedSource(params, body)
      if (!source) throw new UnauthorizedError('A signed webhook must name its source.')
      await verifyWebhookSignature(
        prisma(),
        source,
        { timestamp: req.headers.get('x-stocktower-timestamp'), signature },
        body,
      )
      await assertSourceKindForDoor(prisma(), source, door)
      const principal: ApiPrincipal = {
        kind: 'api_key',
        keyId: `source:${source}`,
        name: `signed webhook from ${source}`,
        scopes: [scope(params)],
        boundSource: source,
        rateLimitPerMinute: null,
      }
      return await fn({ req, params, principal, body, exactBytes, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}

/** The `source` a JSON body names, without trusting anything else in it (signature check first). */
export function sourceInBody(body: string): string | null {
  try {
    const v = parseJsonText(body) as { source?: unknown }
    const source = typeof v?.source === 'string' ? v.source.trim() : ''
    // A name no source can have (blank, too long, unstorable) names no signing secret.
    return source && source.length <= MAX_TEXT.source && !unstorableText(source) ? source : null
  } catch {
    return null
  }
}

/** UI data: a signed-in user whose role allows `action`. */
export function userRoute<P extends RouteParams = RouteParams>(
  action: Action,
  fn: (ctx: { req: Request; params: P; user: SessionUser; ref: string }) => Promise<NextResponse>,
) {
  return async (req: Request, context: { params: Promise<P> }): Promise<NextResponse> => {
    const ref = newRef()
    try {
      const params = (await context.params) ?? ({} as P)
      const user = await requireUserWith(action)
      checkUrlInputs(req, params)
      return await fn({ req, params, user, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}

/** Public routes (health): errors still use the contract's body. */
export function openRoute(fn: (ctx: { req: Request; ref: string }) => Promise<NextResponse>) {
  return async (req: Request): Promise<NextResponse> => {
    const ref = newRef()
    try {
      return await fn({ req, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}
