// The one wrapper every API route handler goes through: authenticate (API key with a scope, or a
// signed-in user with a permission), run one server/ call, map errors to CONTRACT.md's body.
import { NextResponse } from 'next/server'
import { prisma } from '@/server/db'
import { authenticateApiKey, type ApiPrincipal } from '@/server/auth/api-keys'
import { newRef, toErrorResponse } from '@/server/errors'
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
