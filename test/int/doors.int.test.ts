// The doors of issue 17 on a real database, through the real route handlers where a door is one:
// sign-in throttling and constant-time answers, per-key rate limits shared by every process,
// server-side sessions and password change, source kind and key binding on every write path.
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { makeChannel, receipt, saveRules } from '../support/factories'
import { createPrisma } from '../../server/db'
import { createApiKey } from '../../server/auth/api-keys'
import { authenticateApiKey } from '../../server/auth/authenticate-api-key'
import { verifyCredentials, hashPassword } from '../../server/auth/passwords'
import {
  recordFailedSignIn,
  signInRetryAfter,
  recordSuccessfulSignIn,
  SIGN_IN_ACCOUNT_LIMIT,
  SIGN_IN_ADDRESS_LIMIT,
} from '../../server/auth/sign-in-throttle'
import { activeSessionUser, endSession, startSession } from '../../server/auth/sessions'
import { changePassword } from '../../server/auth/change-password'
import { inviteUser } from '../../server/users/invite-user'
import { createSource } from '../../server/sources/create-source'
import { signWebhook } from '../../server/auth/webhook-signatures'
import { RateLimitedError } from '../../server/errors'
import { renderPrometheus } from '../../server/metrics/render-prometheus'
import { listApiKeys } from '../../server/auth/list-api-keys'
import type { Actor } from '../../server/audit/record-audit'

let t: TestDatabase
let db: PrismaClient
const admin: Actor = { kind: 'system', id: null, label: 'test' }

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  await saveRules(db)
  await makeChannel(db, 'shopify')
  await makeChannel(db, 'amazon')
})
afterAll(async () => {
  await (globalThis as { stocktowerPrisma?: PrismaClient }).stocktowerPrisma?.$disconnect()
  await t.drop()
})

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe('sign-in', () => {
  it('an unknown email costs a bcrypt comparison like a known one (no timing oracle)', async () => {
    await db.user.create({
      data: {
        email: 'known@example.com',
        name: 'k',
        role: 'analyst',
        passwordHash: await hashPassword('right-password-1'),
      },
    })
    await verifyCredentials(db, 'nobody@example.com', 'x') // the dummy hash is made once
    const time = async (email: string) => {
      const s = performance.now()
      await verifyCredentials(db, email, 'wrong-password')
      return performance.now() - s
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 5; i++) {
      known.push(await time('known@example.com'))
      unknown.push(await time(`nobody-${i}@example.com`))
    }
    // bcrypt at cost 10 takes tens of ms; a lookup alone takes a few. Generous under CPU contention.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.4)
    expect(await verifyCredentials(db, 'known@example.com', 'right-password-1')).toMatchObject({
      email: 'known@example.com',
      mustChangePassword: false,
    })
  })

  it('throttles per account and per address, answers 429 with Retry-After before comparing, and a success resets the account', async () => {
    const now = new Date('2026-12-02T10:01:00Z')
    for (let i = 0; i < SIGN_IN_ACCOUNT_LIMIT - 1; i++)
      await recordFailedSignIn(db, 'victim@example.com', '10.0.0.1', now)
    expect(await signInRetryAfter(db, 'victim@example.com', '10.0.0.9', now)).toBeNull()
    await recordFailedSignIn(db, 'Victim@Example.com ', '10.0.0.2', now)
    const wait = await signInRetryAfter(db, 'victim@example.com', '10.0.0.9', now)
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(15 * 60)
    // Another account from a fresh address is not affected; the window ends.
    expect(await signInRetryAfter(db, 'other@example.com', '10.0.0.9', now)).toBeNull()
    expect(
      await signInRetryAfter(db, 'victim@example.com', '10.0.0.9', new Date(now.getTime() + 15 * 60_000)),
    ).toBeNull()
    // Per address: many accounts from one address.
    for (let i = 0; i < SIGN_IN_ADDRESS_LIMIT; i++)
      await recordFailedSignIn(db, `spray-${i}@example.com`, '10.9.9.9', now)
    expect(await signInRetryAfter(db, 'fresh@example.com', '10.9.9.9', now)).toBeGreaterThan(0)
    expect(await signInRetryAfter(db, 'fresh@example.com', '10.9.9.8', now)).toBeNull()
    await recordSuccessfulSignIn(db, 'victim@example.com')
    expect(await signInRetryAfter(db, 'victim@example.com', '10.0.0.9', now)).toBeNull()
  })

  it('the sign-in route answers a throttled attempt 429 with Retry-After, in the contract body', async () => {
    for (let i = 0; i < SIGN_IN_ACCOUNT_LIMIT; i++) await recordFailedSignIn(db, 'locked@example.com', '192.0.2.1')
    const route = await import('../../app/api/auth/[...nextauth]/route')
    const res = await route.POST(
      new Request('http://localhost/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-stocktower-remote-addr': '192.0.2.7' },
        body: new URLSearchParams({ email: 'locked@example.com', password: 'guess', csrfToken: 'x' }).toString(),
      }),
      { params: Promise.resolve({ nextauth: ['callback', 'credentials'] }) },
    )
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await res.json()).toMatchObject({
      error: { code: 'RATE_LIMITED' },
      url: expect.stringContaining('/login?error=RateLimited'),
    })
  })
})

describe('sessions and password change', () => {
  it('a session ends at sign-out and with a deactivated user', async () => {
    const u = await db.user.create({
      data: { email: 'sess@example.com', name: 's', role: 'support', passwordHash: await hashPassword('password-123') },
    })
    const sid = await startSession(db, u.id)
    expect(await activeSessionUser(db, sid, u.id)).toMatchObject({ email: 'sess@example.com', role: 'support' })
    expect(await activeSessionUser(db, sid, crypto.randomUUID())).toBeNull()
    await endSession(db, sid)
    expect(await activeSessionUser(db, sid, u.id)).toBeNull()
    const sid2 = await startSession(db, u.id)
    await db.user.update({ where: { id: u.id }, data: { active: false } })
    expect(await activeSessionUser(db, sid2, u.id)).toBeNull()
  })

  it('an invited user must change the one-time password; the change checks the current one and ends the other sessions', async () => {
    const invited = await inviteUser(db, admin, { email: 'new@example.com', role: 'analyst' })
    expect((await db.user.findUniqueOrThrow({ where: { id: invited.id } })).mustChangePassword).toBe(true)
    expect(await verifyCredentials(db, 'new@example.com', invited.temporaryPassword)).toMatchObject({
      mustChangePassword: true,
    })
    const here = await startSession(db, invited.id)
    const elsewhere = await startSession(db, invited.id)
    const me = { id: invited.id, email: 'new@example.com' }
    await expect(
      changePassword(db, me, here, { currentPassword: 'not-it', newPassword: 'a-new-password-1' }),
    ).rejects.toMatchObject({ code: 'WRONG_PASSWORD' })
    await expect(
      changePassword(db, me, here, { currentPassword: invited.temporaryPassword, newPassword: 'short' }),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' })
    await expect(
      changePassword(db, me, here, {
        currentPassword: invited.temporaryPassword,
        newPassword: invited.temporaryPassword,
      }),
    ).rejects.toMatchObject({ code: 'SAME_PASSWORD' })
    expect(
      await changePassword(db, me, here, {
        currentPassword: invited.temporaryPassword,
        newPassword: 'a-new-password-1',
      }),
    ).toEqual({ changed: true, otherSessionsEnded: 1 })
    expect(await activeSessionUser(db, here, invited.id)).toMatchObject({ mustChangePassword: false })
    expect(await activeSessionUser(db, elsewhere, invited.id)).toBeNull()
    expect(await verifyCredentials(db, 'new@example.com', invited.temporaryPassword)).toBeNull()
    expect(await verifyCredentials(db, 'new@example.com', 'a-new-password-1')).toMatchObject({
      mustChangePassword: false,
    })
    expect(await db.auditLog.count({ where: { action: 'user.password.change', entityId: invited.id } })).toBe(1)
  })
})

describe('per-key rate limits', () => {
  it('hold across processes (separate pools), answer 429 with Retry-After, and show in Settings and /api/metrics', async () => {
    const { key, id } = await createApiKey(db, { name: 'limited "reader"\nx', scopes: ['read'], rateLimitPerMinute: 4 })
    const other = createPrisma(t.url, { max: 2 })
    let minute: Date
    try {
      // Two "web processes" with their own connections share one window.
      minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 1_000)
      const results = await Promise.allSettled(
        [db, other, db, other, db, other].map((c) => authenticateApiKey(c, `Bearer ${key}`, 'read', minute)),
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4)
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason)
      expect(refused).toHaveLength(2)
      for (const e of refused) {
        expect(e).toBeInstanceOf(RateLimitedError)
        expect((e as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0)
      }
    } finally {
      await other.$disconnect()
    }
    // Through a route handler: the contract's 429.
    const route = await import('../../app/api/v1/dead-letters/route')
    const res = await route.GET(
      new Request('http://localhost/api/v1/dead-letters', { headers: { authorization: `Bearer ${key}` } }),
      { params: Promise.resolve({}) },
    )
    if (Math.floor(Date.now() / 60_000) * 60_000 + 1_000 === minute.getTime()) {
      // still the same clock minute
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } })
    }
    const screen = await listApiKeys(db)
    expect(screen.keys.find((k) => k.id === id)).toMatchObject({
      rateLimitPerMinute: 4,
      refusedLastHour: expect.any(Number),
    })
    expect(screen.keys.find((k) => k.id === id)!.refusedLastHour).toBeGreaterThanOrEqual(2)
    const text = await renderPrometheus(db)
    expect(text).toMatch(/stocktower_api_rate_limited_total\{key="limited \\"reader\\"\\nx"\} \d+/)
    // A key without a limit is never counted.
    const free = await createApiKey(db, { name: 'free', scopes: ['read'] })
    for (let i = 0; i < 10; i++) await authenticateApiKey(db, `Bearer ${free.key}`, 'read')
    expect(await db.rateWindow.count({ where: { key: `key:${free.id}` } })).toBe(0)
  })
})

describe('source kind and key binding', () => {
  const events = (source: string) =>
    JSON.stringify({ source, events: [receipt(`${source}:${crypto.randomUUID()}`, 'SKU-D1', 'DC-1', 5)] })
  const orders = () => JSON.stringify({ orders: [] })
  async function post(
    path: string,
    body: string,
    headers: Record<string, string>,
    params: Record<string, string> = {},
  ) {
    const mod = path.startsWith('/api/v1/events')
      ? await import('../../app/api/v1/events/route')
      : await import('../../app/api/v1/channels/[channel]/orders/route')
    const res = await (mod.POST as (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>)(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }),
      { params: Promise.resolve(params) },
    )
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } }
  }
  const signed = (secret: string, body: string) => {
    const ts = Math.floor(Date.now() / 1000)
    return { 'x-stocktower-timestamp': String(ts), 'x-stocktower-signature': signWebhook(secret, ts, body) }
  }

  it("a channel source's signing secret is refused for inventory events, an ERP's for channel orders", async () => {
    const shop = await createSource(db, admin, { code: 'shopify', name: 'Shopify webhooks', kind: 'channel' })
    const erp = await createSource(db, admin, { code: 'erp-signed', name: 'ERP', kind: 'erp' })
    const asChannel = events('shopify')
    expect(await post('/api/v1/events', asChannel, signed(shop.secret, asChannel))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('channel source') } },
    })
    const asErp = events('erp-signed')
    expect((await post('/api/v1/events', asErp, signed(erp.secret, asErp))).status).toBe(202)
    const o = orders()
    const wrongDoor = await post('/api/v1/channels/erp-signed/orders', o, signed(erp.secret, o), {
      channel: 'erp-signed',
    })
    expect(wrongDoor.status).toBe(403)
    // An API key naming a channel source for events is refused too.
    const key = (await createApiKey(db, { name: 'erp key', scopes: ['ingest:erp'] })).key
    expect((await post('/api/v1/events', events('shopify'), { authorization: `Bearer ${key}` })).status).toBe(403)
  })

  it('a key bound to one source may not post orders for another channel, nor send events for another source', async () => {
    const bound = (
      await createApiKey(db, {
        name: 'shopify only',
        scopes: ['ingest:channel:*', 'ingest:erp'],
        boundSource: 'shopify',
      })
    ).key
    const r = await post(
      '/api/v1/channels/amazon/orders',
      orders(),
      { authorization: `Bearer ${bound}` },
      { channel: 'amazon' },
    )
    expect(r).toMatchObject({
      status: 403,
      body: { error: { message: expect.stringContaining('bound to source "shopify"') } },
    })
    expect((await post('/api/v1/events', events('erp-main'), { authorization: `Bearer ${bound}` })).status).toBe(403)
    const wmsKey = (await createApiKey(db, { name: 'wms', scopes: ['ingest:erp'], boundSource: 'wms-east' })).key
    expect((await post('/api/v1/events', events('wms-east'), { authorization: `Bearer ${wmsKey}` })).status).toBe(202)
  })

  it("a bound key may write only its own aliases: not other sources' aliases, not SKUs (renames), not CSV imports", async () => {
    const key = (await createApiKey(db, { name: 'wms catalog', scopes: ['catalog:write'], boundSource: 'wms-east' }))
      .key
    const call = async (path: string, body: string, type = 'application/json') => {
      const mod = path.endsWith('/import')
        ? await import('../../app/api/v1/catalog/skus/import/route')
        : path.includes('sku-aliases')
          ? await import('../../app/api/v1/catalog/sku-aliases/route')
          : await import('../../app/api/v1/catalog/skus/route')
      const res = await mod.POST(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': type },
          body,
        }),
        { params: Promise.resolve({}) },
      )
      return res.status
    }
    await db.sku.create({ data: { code: 'SKU-B1', name: 'Original name' } })
    expect(
      await call('/api/v1/catalog/skus', JSON.stringify({ items: [{ code: 'SKU-B1', name: 'Renamed by a WMS' }] })),
    ).toBe(403)
    expect((await db.sku.findUniqueOrThrow({ where: { code: 'SKU-B1' } })).name).toBe('Original name')
    expect(
      await call(
        '/api/v1/catalog/sku-aliases',
        JSON.stringify({ items: [{ scope: 'erp-main', alias: 'X1', sku: 'SKU-B1' }] }),
      ),
    ).toBe(403)
    expect(
      await call(
        '/api/v1/catalog/sku-aliases',
        JSON.stringify({ items: [{ scope: '*', alias: 'X1', sku: 'SKU-B1' }] }),
      ),
    ).toBe(403)
    expect(await call('/api/v1/catalog/skus/import', 'code,name\nSKU-B1,x\n', 'text/csv')).toBe(403)
    expect(
      await call(
        '/api/v1/catalog/sku-aliases',
        JSON.stringify({ items: [{ scope: 'wms-east', alias: 'W-1', sku: 'SKU-B1' }] }),
      ),
    ).toBe(200)
  })
})
