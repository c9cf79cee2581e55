// The one wrapper every API route handler goes through: authenticate (API key with a scope, or a
// signed-in user with a permission), run one server/ call, map errors to CONTRACT.md's body.
import { NextResponse } from 'next/server'
import { prisma } from '@/server/db'
import { authenticateApiKey, type ApiPrincipal } from '@/server/auth/api-keys'
import { verifyWebhookSignature } from '@/server/auth/webhook-signatures'
import { assertBoundTo, assertSourceKindForDoor, ingestDoorOf } from '@/server/auth/source-binding'
import { readTextLimited } from './body'
import { newRef, toErrorResponse, UnauthorizedError } from '@/server/errors'
import type { Action } from '@/server/auth/permissions'
import { requireUserWith, type SessionUser } from './auth'

export type RouteParams = Record<string, string>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): NextResponse {
  return NextResponse.json(body, { status, headers })
}

function errorResponse(e: unknown, ref: string): NextResponse {
  const r = toErrorResponse(e, ref)
  return NextResponse.json(r.body, { status: r.status, headers: { ...r.headers, 'X-Request-Ref': ref } })
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
      const principal = await authenticateApiKey(prisma(), req.headers.get('authorization'), typeof scope === 'function' ? scope(params) : scope)
      return await fn({ req, params, principal, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}

/**
 * Ingest endpoints: an API key with the scope, or (without one) a webhook signed with the signing
 * secret of the source the body names (CONTRACT.md). The body is read once, before either check,
 * so the signature covers exactly the bytes that are then stored and parsed; a signed sender is
 * bound to its own source. The source a request writes for must be of the door's kind (events:
 * not a channel source; orders: a channel source), and a bound key may write only for its source.
 */
export function ingestRoute<P extends RouteParams = RouteParams>(
  scope: (params: P) => string,
  signedSource: (params: P, body: string) => string | null,
  limit: number,
  fn: (ctx: { req: Request; params: P; principal: ApiPrincipal; body: string; ref: string }) => Promise<NextResponse>,
) {
  return async (req: Request, context: { params: Promise<P> }): Promise<NextResponse> => {
    const ref = newRef()
    try {
      const params = (await context.params) ?? ({} as P)
      const signature = req.headers.get('x-stocktower-signature')
      const door = ingestDoorOf(scope(params))
      if (req.headers.get('authorization') || !signature) {
        const principal = await authenticateApiKey(prisma(), req.headers.get('authorization'), scope(params))
        const body = await readTextLimited(req, limit)
        const named = signedSource(params, body)
        assertBoundTo(principal, named, door === 'channel' ? 'post channel orders' : 'send events')
        if (named) await assertSourceKindForDoor(prisma(), named, door)
        return await fn({ req, params, principal, body, ref })
      }
      const body = await readTextLimited(req, limit)
      const source = signedSource(params, body)
      if (!source) throw new UnauthorizedError('A signed webhook must name its source.')
      await verifyWebhookSignature(prisma(), source, { timestamp: req.headers.get('x-stocktower-timestamp'), signature }, body)
      await assertSourceKindForDoor(prisma(), source, door)
      const principal: ApiPrincipal = { kind: 'api_key', keyId: `source:${source}`, name: `signed webhook from ${source}`, scopes: [scope(params)], boundSource: source, rateLimitPerMinute: null }
      return await fn({ req, params, principal, body, ref })
    } catch (e) {
      return errorResponse(e, ref)
    }
  }
}

/** The `source` a JSON body names, without trusting anything else in it (signature check first). */
export function sourceInBody(body: string): string | null {
  try {
    const v = JSON.parse(body) as { source?: unknown }
    return typeof v?.source === 'string' && v.source.trim() ? v.source.trim() : null
  } catch { return null }
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
    try { return await fn({ req, ref }) } catch (e) { return errorResponse(e, ref) }
  }
}
