// Authorisation, enumerated: every route handler under app/**/route.ts, every server action in
// app/**/actions.ts, called for real on a real database for every role (allowed and refused), every
// API key scope, signed out, with an ended session, with a password change pending, and with ids
// of things the caller may not see. The expectations are written out below, so a new route or
// action without a line here fails the test (deny by default has to be decided, not assumed).
// Only the cookie decoding is replaced: getServerSession returns the session under test; the user
// and the session row behind it are real and re-read on every call. Socket rooms: socket-rooms.int.test.ts.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, saveRules } from '../support/factories'
import { ROLES, can, hasScope, type Action, type Role } from '../../server/auth/permissions'
import { createApiKey } from '../../server/auth/api-keys'
import { endSession, startSession } from '../../server/auth/sessions'
import { storeInboundMessage } from '../../server/ingest/inbound-message.repository'

const session = vi.hoisted(() => ({ current: null as null | { user: { id: string; sessionId: string } } }))
vi.mock('next-auth', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  getServerSession: async () => session.current,
}))

const root = path.resolve(__dirname, '..', '..')
type Door = { user: Action } | { key: string } | { open: true } | { nextAuth: true } | { marketplaceSigned: true }

/** Every route handler and the door it must have. `{ key }`: the API key scope it needs. */
const ROUTES: Record<string, Door> = {
  'GET /api/auth/[...nextauth]': { nextAuth: true },
  'POST /api/auth/[...nextauth]': { nextAuth: true },
  'GET /api/health': { open: true },
  'GET /api/metrics': { key: 'read' },
  'GET /api/ui/audit': { user: 'audit:view' },
  'GET /api/ui/audit/export': { user: 'audit:view' },
  'GET /api/ui/channels/[code]': { user: 'channels:view' },
  'GET /api/ui/channels/[code]/health': { user: 'channels:view' },
  'GET /api/ui/channels/[code]/attempts': { user: 'channels:view' },
  'GET /api/ui/channels/export': { user: 'channels:view' },
  'GET /api/ui/cutover': { user: 'ownership:view' },
  'GET /api/ui/degraded': { user: 'dashboard:view' },
  'GET /api/ui/kpis/export': { user: 'kpis:view' },
  'GET /api/ui/search': { user: 'inventory:view' },
  'GET /api/ui/settings/sources': { user: 'catalog:edit' },
  'GET /api/ui/skus/[sku]/order-exceptions': { user: 'inventory:view' },
  'GET /api/ui/skus/export': { user: 'inventory:view' },
  'GET /api/v1/channels': { key: 'read' },
  'POST /api/v1/order-exceptions': { key: 'ingest:erp' },
  'GET /api/v1/sources': { key: 'read' },
  'GET /api/v1/sources/[code]': { key: 'read' },
  'PUT /api/v1/sources/[code]': { key: 'catalog:write' },
  'GET /api/ui/dashboard': { user: 'dashboard:view' },
  'GET /api/ui/dead-letters': { user: 'dead-letters:view' },
  'GET /api/ui/dead-letters/export': { user: 'dead-letters:view' },
  'GET /api/ui/findings': { user: 'findings:view' },
  'GET /api/ui/findings/export': { user: 'findings:view' },
  'GET /api/ui/holdbacks': { user: 'rules:view' },
  'GET /api/ui/kpis': { user: 'kpis:view' },
  'GET /api/ui/oversells': { user: 'findings:view' },
  'GET /api/ui/oversells/export': { user: 'findings:view' },
  // A stored message holds whole batches, rejected content included: not for inventory:view alone.
  'GET /api/ui/raw-messages/[id]': { user: 'dead-letters:view' },
  'GET /api/ui/replays': { user: 'dead-letters:view' },
  'GET /api/ui/rules': { user: 'rules:view' },
  'GET /api/ui/rules/recompute': { user: 'rules:view' },
  'GET /api/ui/rules/versions/[id]': { user: 'rules:view' },
  'GET /api/ui/settings/api-keys': { user: 'api-keys:manage' },
  'GET /api/ui/settings/catalog': { user: 'catalog:edit' },
  'GET /api/ui/settings/catalog/skus/[code]': { user: 'catalog:edit' },
  'GET /api/ui/settings/channels': { user: 'channels:configure' },
  'GET /api/ui/settings/users': { user: 'users:manage' },
  'GET /api/ui/skus': { user: 'inventory:view' },
  'GET /api/ui/skus/[sku]': { user: 'inventory:view' },
  'GET /api/ui/skus/[sku]/events': { user: 'inventory:view' },
  'GET /api/ui/snapshots': { user: 'findings:view' },
  'GET /api/v1/availability/[sku]': { key: 'read' },
  'GET /api/v1/availability/[sku]/explain': { key: 'read' },
  'GET /api/v1/catalog/listings': { key: 'read' },
  'POST /api/v1/catalog/listings': { key: 'catalog:write' },
  'POST /api/v1/catalog/listings/import': { key: 'catalog:write' },
  'GET /api/v1/catalog/location-aliases': { key: 'read' },
  'POST /api/v1/catalog/location-aliases': { key: 'catalog:write' },
  'POST /api/v1/catalog/location-aliases/import': { key: 'catalog:write' },
  'GET /api/v1/catalog/locations': { key: 'read' },
  'POST /api/v1/catalog/locations': { key: 'catalog:write' },
  'POST /api/v1/catalog/locations/import': { key: 'catalog:write' },
  'GET /api/v1/catalog/sku-aliases': { key: 'read' },
  'POST /api/v1/catalog/sku-aliases': { key: 'catalog:write' },
  'POST /api/v1/catalog/sku-aliases/import': { key: 'catalog:write' },
  'GET /api/v1/catalog/skus': { key: 'read' },
  'POST /api/v1/catalog/skus': { key: 'catalog:write' },
  'POST /api/v1/catalog/skus/import': { key: 'catalog:write' },
  'GET /api/v1/catalog/units': { key: 'read' },
  'POST /api/v1/catalog/units': { key: 'catalog:write' },
  'POST /api/v1/catalog/units/import': { key: 'catalog:write' },
  'POST /api/v1/channels/[channel]/orders': { key: 'ingest:channel:shopify' },
  // A marketplace's order webhook: its own signature (X-Shopify-Hmac-Sha256, X-Stocktower-Signature), never an API key or a session.
  'POST /api/v1/channels/[channel]/webhooks': { marketplaceSigned: true },
  'GET /api/v1/dead-letters': { key: 'read' },
  'POST /api/v1/events': { key: 'ingest:erp' },
  'GET /api/v1/findings': { key: 'read' },
  'DELETE /api/v1/holdbacks/[id]': { key: 'rules:write' },
  'GET /api/v1/holdbacks': { key: 'read' },
  'POST /api/v1/holdbacks': { key: 'rules:write' },
  'GET /api/v1/kpis': { key: 'read' },
  'GET /api/v1/rules/recompute': { key: 'read' },
  'POST /api/v1/rules/rollback': { key: 'rules:write' },
  'GET /api/v1/rules': { key: 'read' },
  'POST /api/v1/rules': { key: 'rules:write' },
  'GET /api/v1/rules/versions/[id]': { key: 'read' },
  'GET /api/v1/rules/versions': { key: 'read' },
  'GET /api/v1/snapshots/[id]': { key: 'read' },
  'POST /api/v1/snapshots': { key: 'ingest:erp' },
}

/** Every exported server action and the permission it needs (null: any signed-in user, own account). */
const ACTIONS_TABLE: Record<string, Action | null> = {
  'account.changePasswordAction': null,
  'channels.setChannelStatusAction': 'channels:pause',
  'channels.setChannelModeAction': 'channels:configure',
  'channels.setChannelSloAction': 'channels:configure',
  'cutover.previewOwnershipAction': 'ownership:switch',
  'cutover.setOwnershipAction': 'ownership:switch',
  'settings.saveSourceAction': 'catalog:edit',
  'settings.dryRunSourceFileAction': 'catalog:edit',
  'dead-letters.previewReplayAction': 'replays:request',
  'dead-letters.requestReplayAction': 'replays:request',
  'dead-letters.approveReplayAction': 'replays:approve',
  'dead-letters.rejectReplayAction': 'replays:approve',
  'dead-letters.discardAction': 'dead-letters:discard',
  'findings.actOnFindingAction': 'findings:act',
  'rules.previewRulesAction': 'rules:edit',
  'rules.saveRulesAction': 'rules:edit',
  'rules.rollbackRulesAction': 'rules:edit',
  'rules.createHoldbackAction': 'holdbacks:edit',
  'rules.removeHoldbackAction': 'holdbacks:edit',
  'settings.updateChannelAction': 'channels:configure',
  'settings.setChannelCredentialsAction': 'channels:configure',
  'settings.createApiKeyAction': 'api-keys:manage',
  'settings.revokeApiKeyAction': 'api-keys:manage',
  'settings.createSourceAction': 'api-keys:manage',
  'settings.rotateSigningSecretAction': 'api-keys:manage',
  'settings.inviteUserAction': 'users:manage',
  'settings.changeUserRoleAction': 'users:manage',
  'settings.setUserActiveAction': 'users:manage',
  'settings.editSkuAction': 'catalog:edit',
  'settings.importCatalogAction': 'catalog:edit',
}

function walk(dir: string, name: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, name, out)
    else if (e.name === name) out.push(p)
  }
  return out
}
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
type Handler = (req: Request, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>

let db: PrismaClient
const users = {} as Record<Role, { id: string; sid: string }>
let rawMessageId = ''
let ruleVersionId = ''

useTestDatabase(
  async (created) => {
    db = created
    ruleVersionId = (await saveRules(db)).id
    await makeChannel(db, 'shopify')
    await makeChannel(db, 'amazon')
    await db.sku.create({ data: { code: 'SKU-00001', name: 'one' } })
    for (const role of ROLES) {
      const u = await db.user.create({ data: { email: `${role}@authz.test`, name: role, role, passwordHash: 'x' } })
      users[role] = { id: u.id, sid: await startSession(db, u.id) }
    }
    // A rejected batch's raw message: the cross-scope id for roles without dead-letters:view.
    rawMessageId = await storeInboundMessage(db, {
      source: 'erp-main',
      kind: 'events',
      transport: 'http',
      body: '{"source":"erp-main","events":[{"sku":"SECRET-COST"}]}',
      receivedAt: new Date(),
    })
  },
  { timeoutMs: 120_000 },
)
afterAll(async () => {
  await (globalThis as { stocktowerPrisma?: PrismaClient }).stocktowerPrisma?.$disconnect()
})

function routeOf(file: string): string {
  return `/${path
    .relative(path.join(root, 'app'), path.dirname(file))
    .split(path.sep)
    .filter((s) => !/^\(.*\)$/.test(s))
    .join('/')}`
}
function paramsFor(route: string): Record<string, unknown> {
  const p: Record<string, unknown> = {}
  for (const m of route.matchAll(/\[(\.\.\.)?([^\]]+)\]/g)) {
    const name = m[2]
    p[name] = m[1]
      ? ['session']
      : name === 'id'
        ? route.includes('raw-messages')
          ? rawMessageId
          : route.includes('rules/versions')
            ? ruleVersionId
            : crypto.randomUUID()
        : name === 'channel'
          ? 'shopify'
          : name === 'code'
            ? route.includes('channels')
              ? 'amazon'
              : 'SKU-00001'
            : 'SKU-00001'
  }
  return p
}
async function call(
  method: string,
  route: string,
  handler: Handler,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string }> {
  const body = method === 'GET' || method === 'DELETE' ? undefined : '{}'
  const res = await handler(
    new Request(`http://localhost${route.replace(/\[(\.\.\.)?[^\]]+\]/g, 'x')}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
    { params: Promise.resolve(paramsFor(route)) },
  )
  let code: string | undefined
  try {
    code = ((await res.clone().json()) as { error?: { code?: string } }).error?.code
  } catch {
    /* not JSON (CSV, text) */
  }
  await res.body?.cancel().catch(() => {})
  return { status: res.status, code }
}
const asUser = (role: Role | null) => {
  session.current = role ? { user: { id: users[role].id, sessionId: users[role].sid } } : null
}

async function enumerateRoutes(): Promise<Array<{ key: string; route: string; method: string; handler: Handler }>> {
  const out: Array<{ key: string; route: string; method: string; handler: Handler }> = []
  for (const file of walk(path.join(root, 'app'), 'route.ts').sort()) {
    const mod = (await import(file)) as Record<string, unknown>
    const route = routeOf(file)
    for (const m of METHODS)
      if (typeof mod[m] === 'function') out.push({ key: `${m} ${route}`, route, method: m, handler: mod[m] as Handler })
  }
  return out
}

describe('every route handler against the role table and the scopes', () => {
  it('the table names exactly the route handlers that exist', async () => {
    const found = (await enumerateRoutes()).map((r) => r.key).sort()
    expect(found).toEqual(Object.keys(ROUTES).sort())
  })

  it('UI routes: each role allowed exactly what the table grants (403 otherwise); signed out, ended sessions and pending password changes refused', async () => {
    const routes = (await enumerateRoutes()).filter((r) => 'user' in ROUTES[r.key])
    expect(routes.length).toBeGreaterThan(20)
    let checked = 0
    for (const r of routes) {
      const action = (ROUTES[r.key] as { user: Action }).user
      for (const role of ROLES) {
        asUser(role)
        const res = await call(r.method, r.route, r.handler)
        if (can(role, action))
          expect([401, 403], `${role} ${r.key} (allowed) answered ${res.status}`).not.toContain(res.status)
        else expect(res, `${role} ${r.key} (refused)`).toEqual({ status: 403, code: 'FORBIDDEN' })
        checked++
      }
      asUser(null)
      expect(await call(r.method, r.route, r.handler), `signed out ${r.key}`).toEqual({
        status: 401,
        code: 'UNAUTHORIZED',
      })
    }
    // An admin whose password change is pending reaches nothing but the password page.
    await db.user.update({ where: { id: users.admin.id }, data: { mustChangePassword: true } })
    asUser('admin')
    for (const r of routes)
      expect(await call(r.method, r.route, r.handler), `pending change ${r.key}`).toEqual({
        status: 403,
        code: 'PASSWORD_CHANGE_REQUIRED',
      })
    await db.user.update({ where: { id: users.admin.id }, data: { mustChangePassword: false } })
    // A signed-out session (the cookie still decodes) and a deactivated user are refused.
    const sid = await startSession(db, users.analyst.id)
    await endSession(db, sid)
    session.current = { user: { id: users.analyst.id, sessionId: sid } }
    for (const r of routes)
      expect((await call(r.method, r.route, r.handler)).status, `ended session ${r.key}`).toBe(401)
    // A session id of one user presented with another user's id is nobody's session.
    session.current = { user: { id: users.admin.id, sessionId: users.executive.sid } }
    expect(
      (await call('GET', '/api/ui/settings/users', routes.find((r) => r.key === 'GET /api/ui/settings/users')!.handler))
        .status,
    ).toBe(401)
    expect(checked).toBe(routes.length * ROLES.length)
  })

  it("cross-scope ids: a rejected batch's raw message is readable by the dead-letter roles only, never with inventory:view alone", async () => {
    const r = (await enumerateRoutes()).find((x) => x.key === 'GET /api/ui/raw-messages/[id]')!
    asUser('executive')
    expect(can('executive', 'inventory:view')).toBe(true)
    expect(await call('GET', r.route, r.handler)).toEqual({ status: 403, code: 'FORBIDDEN' })
    asUser('support')
    expect((await call('GET', r.route, r.handler)).status).toBe(200)
  })

  it('API routes: each scope opens exactly its routes; no key and a revoked key are 401; a channel scope does not open another channel', async () => {
    const scopes = [
      'read',
      'ingest:erp',
      'ingest:channel:amazon',
      'ingest:channel:shopify',
      'rules:write',
      'catalog:write',
    ]
    const keys = await Promise.all(
      scopes.map(async (s) => ({ scope: s, key: (await createApiKey(db, { name: `authz ${s}`, scopes: [s] })).key })),
    )
    const revoked = await createApiKey(db, { name: 'revoked', scopes: [...scopes] })
    await db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } })
    const routes = (await enumerateRoutes()).filter((r) => 'key' in ROUTES[r.key])
    for (const r of routes) {
      const needed = (ROUTES[r.key] as { key: string }).key
      for (const k of keys) {
        const res = await call(r.method, r.route, r.handler, { authorization: `Bearer ${k.key}` })
        if (hasScope([k.scope], needed))
          expect([401, 403], `${k.scope} ${r.key} (allowed) answered ${res.status}`).not.toContain(res.status)
        else expect(res.status, `${k.scope} ${r.key} (refused)`).toBe(403)
      }
      expect((await call(r.method, r.route, r.handler)).status, `no key ${r.key}`).toBe(401)
      expect(
        (await call(r.method, r.route, r.handler, { authorization: `Bearer ${revoked.key}` })).status,
        `revoked ${r.key}`,
      ).toBe(401)
      // A signed-in admin is no API key.
      asUser('admin')
      expect((await call(r.method, r.route, r.handler)).status, `session instead of key ${r.key}`).toBe(401)
      asUser(null)
    }
  })

  it("marketplace webhook doors: only the marketplace's signature opens them (no API key, no session)", async () => {
    const routes = (await enumerateRoutes()).filter((r) => 'marketplaceSigned' in ROUTES[r.key])
    expect(routes.length).toBeGreaterThan(0)
    const key = (await createApiKey(db, { name: 'authz webhook', scopes: ['ingest:channel:shopify', 'read'] })).key
    for (const r of routes) {
      expect(await call(r.method, r.route, r.handler), `unsigned ${r.key}`).toEqual({
        status: 401,
        code: 'BAD_WEBHOOK_SIGNATURE',
      })
      expect(await call(r.method, r.route, r.handler, { authorization: `Bearer ${key}` }), `API key ${r.key}`).toEqual({
        status: 401,
        code: 'BAD_WEBHOOK_SIGNATURE',
      })
      asUser('admin')
      expect(await call(r.method, r.route, r.handler), `session ${r.key}`).toEqual({
        status: 401,
        code: 'BAD_WEBHOOK_SIGNATURE',
      })
      asUser(null)
    }
  })

  it('open routes reveal no data and need nothing; the sign-in routes answer without a session', async () => {
    const all = await enumerateRoutes()
    const health = all.find((r) => r.key === 'GET /api/health')!
    const res = await health.handler(new Request('http://localhost/api/health'), { params: Promise.resolve({}) })
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['checks', 'degraded', 'demo', 'status', 'time'])
    expect(JSON.stringify(body)).not.toMatch(/SKU-|@authz\.test|SECRET/)
  })
})

describe('every server action against the role table', () => {
  it('the table names exactly the exported actions; each role is refused (FORBIDDEN, before any input is read) or let through', async () => {
    const files = walk(path.join(root, 'app'), 'actions.ts').sort()
    const found: Array<{ key: string; fn: (input: unknown) => Promise<{ data?: unknown; error?: { code: string } }> }> =
      []
    for (const f of files) {
      const mod = (await import(f)) as Record<string, unknown>
      const area = path.basename(path.dirname(f))
      for (const [name, fn] of Object.entries(mod))
        if (typeof fn === 'function') found.push({ key: `${area}.${name}`, fn: fn as never })
    }
    expect(found.map((a) => a.key).sort()).toEqual(Object.keys(ACTIONS_TABLE).sort())
    for (const a of found) {
      const needed = ACTIONS_TABLE[a.key]
      for (const role of ROLES) {
        asUser(role)
        // An empty input: a refused caller gets FORBIDDEN (the chain checks the permission before
        // parsing); an allowed one gets past it (typically INVALID_INPUT for `{}`).
        const r = await a.fn({ __authz: true })
        const code = r.error?.code
        if (needed === null || can(role, needed))
          expect(['FORBIDDEN', 'UNAUTHORIZED'], `${role} ${a.key} (allowed) got ${code}`).not.toContain(code)
        else expect(code, `${role} ${a.key} (refused)`).toBe('FORBIDDEN')
      }
      asUser(null)
      expect((await a.fn({})).error?.code, `signed out ${a.key}`).toBe('UNAUTHORIZED')
    }
    // A pending password change: only the password action goes through.
    await db.user.update({ where: { id: users.admin.id }, data: { mustChangePassword: true } })
    asUser('admin')
    for (const a of found) {
      const code = (await a.fn({})).error?.code
      if (a.key === 'account.changePasswordAction') expect(code).not.toBe('PASSWORD_CHANGE_REQUIRED')
      else expect(code, a.key).toBe('PASSWORD_CHANGE_REQUIRED')
    }
    await db.user.update({ where: { id: users.admin.id }, data: { mustChangePassword: false } })
  })
})
