// Pure parts of the doors (issue 17): redirects, the sign-in body cap, security headers, room
// authorisation, key binding on catalog writes, metric label escaping, restart backoff.
import { describe, expect, it } from 'vitest'
import { safeRedirectPath } from '../../../server/auth/safe-redirect'
import { AUTH_BODY_LIMIT_BYTES, checkAuthBody } from '../../../server/auth/body-cap'
import { contentSecurityPolicy, isHttps, securityHeaders } from '../../../server/auth/security-headers'
import { authoriseRooms, mayJoinRoom, ROOM_KINDS, roomAction } from '../../../server/realtime/room-access'
import { assertBoundTo, assertCatalogWriteAllowed, ingestDoorOf } from '../../../server/auth/source-binding'
import { labelsOf } from '../../../server/metrics/render-prometheus'
import { restartDelayMs } from '../../../server/runtime/supervisor'
import { ROLES, can } from '../../../server/auth/permissions'
import type { ApiPrincipal } from '../../../server/auth/authenticate-api-key'

describe('safeRedirectPath', () => {
  it.each([
    ['/..//evil.example', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['https://evil.example/x', '/'],
    ['javascript:alert(1)', '/'],
    ['/%2e%2e//evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['evil.example', '/'],
    ['', '/'],
    ['/./..//evil.example/a', '/'],
    ['/a/../..//evil.example', '/'],
  ])('%j stays on this site', (raw, expected) => {
    expect(safeRedirectPath(raw)).toBe(expected)
  })
  it.each([
    ['/skus/SKU-1?tab=ledger#x', '/skus/SKU-1?tab=ledger#x'],
    ['/', '/'],
    ['/a/../b', '/b'],
    ['/dead-letters', '/dead-letters'],
  ])('%j is kept as a same-origin path', (raw, expected) => {
    expect(safeRedirectPath(raw)).toBe(expected)
  })
  it('an absolute URL counts only on our own origin', () => {
    expect(safeRedirectPath('http://localhost:3000/skus', { ownOrigin: 'http://localhost:3000' })).toBe('/skus')
    expect(safeRedirectPath('http://localhost:3001/skus', { ownOrigin: 'http://localhost:3000' })).toBe('/')
    expect(safeRedirectPath('http://localhost:3000//evil.example', { ownOrigin: 'http://localhost:3000' })).toBe('/')
  })
})

describe('checkAuthBody (before next-auth reads anything)', () => {
  it('refuses a declared 200 MiB sign-in body and a chunked one, from the headers alone', () => {
    expect(
      checkAuthBody('POST', '/api/auth/callback/credentials', { 'content-length': String(200 * 1024 * 1024) }),
    ).toMatchObject({ ok: false, status: 413 })
    expect(checkAuthBody('POST', '/api/auth/callback/credentials', { 'transfer-encoding': 'chunked' })).toMatchObject({
      ok: false,
      status: 411,
    })
    expect(checkAuthBody('POST', '/api/auth/callback/credentials', { 'content-length': 'abc' })).toMatchObject({
      ok: false,
      status: 411,
    })
  })
  it('lets a normal sign-in, GETs and other paths through', () => {
    expect(checkAuthBody('POST', '/api/auth/callback/credentials', { 'content-length': '120' }).ok).toBe(true)
    expect(
      checkAuthBody('POST', '/api/auth/callback/credentials', { 'content-length': String(AUTH_BODY_LIMIT_BYTES) }).ok,
    ).toBe(true)
    expect(checkAuthBody('GET', '/api/auth/session', {}).ok).toBe(true)
    expect(checkAuthBody('POST', '/api/v1/events', { 'content-length': String(200 * 1024 * 1024) }).ok).toBe(true)
  })
})

describe('security headers', () => {
  it('every response: CSP with a nonce and frame-ancestors none, nosniff, referrer policy; HSTS only behind TLS', () => {
    const plain = securityHeaders({ nonce: 'abc', https: false, dev: false })
    expect(plain['Content-Security-Policy']).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'")
    expect(plain['Content-Security-Policy']).toContain("frame-ancestors 'none'")
    expect(plain['Content-Security-Policy']).not.toContain('unsafe-eval')
    expect(plain['X-Content-Type-Options']).toBe('nosniff')
    expect(plain['Referrer-Policy']).toBe('strict-origin-when-cross-origin')
    expect(plain['Strict-Transport-Security']).toBeUndefined()
    expect(securityHeaders({ nonce: 'abc', https: true, dev: false })['Strict-Transport-Security']).toMatch(
      /^max-age=\d+/,
    )
    expect(contentSecurityPolicy('n', { dev: true })).toContain("'unsafe-eval'")
  })
  it('TLS is the socket or the proxy saying https', () => {
    expect(isHttps({ 'x-forwarded-proto': 'https' }, false)).toBe(true)
    expect(isHttps({ 'x-forwarded-proto': 'https, http' }, false)).toBe(true)
    expect(isHttps({ 'x-forwarded-proto': 'http' }, false)).toBe(false)
    expect(isHttps({}, true)).toBe(true)
  })
})

describe('socket rooms by role', () => {
  it('each room needs the permission of its screen; unknown rooms are refused to everyone', () => {
    for (const role of ROLES)
      for (const room of ROOM_KINDS)
        expect(mayJoinRoom(role, room), `${role} ${room}`).toBe(can(role, roomAction(room)!))
    expect(mayJoinRoom('executive', 'dead-letters')).toBe(false)
    expect(mayJoinRoom('support', 'dead-letters')).toBe(true)
    expect(mayJoinRoom('admin', 'admin-secrets')).toBe(false)
    expect(mayJoinRoom(null, 'dashboard')).toBe(false)
    expect(authoriseRooms('executive', ['dashboard', 'dead-letters', 'sku:A'])).toEqual({
      allowed: ['dashboard', 'sku:A'],
      refused: ['dead-letters'],
    })
  })
})

describe('key binding', () => {
  const bound: ApiPrincipal = {
    kind: 'api_key',
    keyId: 'k',
    name: 'wms',
    scopes: ['catalog:write'],
    boundSource: 'wms-east',
    rateLimitPerMinute: null,
  }
  const free: ApiPrincipal = { ...bound, boundSource: null }
  it('a bound key writes only aliases scoped to its own source, and no shared catalog entity', () => {
    expect(() =>
      assertCatalogWriteAllowed(bound, 'sku-aliases', [{ scope: 'wms-east', alias: 'a', sku: 'S' }]),
    ).not.toThrow()
    expect(() =>
      assertCatalogWriteAllowed(bound, 'sku-aliases', [{ scope: 'erp-main', alias: 'a', sku: 'S' }]),
    ).toThrow(/bound to source "wms-east"/)
    expect(() =>
      assertCatalogWriteAllowed(bound, 'location-aliases', [{ scope: '*', alias: 'a', location: 'L' }]),
    ).toThrow()
    expect(() => assertCatalogWriteAllowed(bound, 'skus', [{ code: 'S', name: 'renamed' }])).toThrow(/not skus/)
    expect(() => assertCatalogWriteAllowed(bound, 'sku-aliases', null)).toThrow(/CSV/)
    expect(() => assertCatalogWriteAllowed(free, 'skus', [{ code: 'S', name: 'renamed' }])).not.toThrow()
  })
  it('a bound key posts only for its own source or channel', () => {
    expect(() => assertBoundTo(bound, 'wms-east', 'send events')).not.toThrow()
    expect(() => assertBoundTo(bound, 'shopify', 'post channel orders')).toThrow(
      /may not post channel orders for "shopify"/,
    )
    expect(() => assertBoundTo(free, 'shopify', 'post channel orders')).not.toThrow()
    expect(ingestDoorOf('ingest:erp')).toBe('inventory')
    expect(ingestDoorOf('ingest:channel:shopify')).toBe('channel')
  })
})

describe('Prometheus labels', () => {
  it('escapes quotes, backslashes and newlines, and a value holding ",name=" cannot add a label', () => {
    expect(labelsOf('source=erp-main,type=receipt')).toBe('source="erp-main",type="receipt"')
    expect(labelsOf('source=a"b\\c\nd,type=receipt')).toBe('source="a\\"b\\\\c\\nd",type="receipt"')
    expect(labelsOf('source=x,type=evil,type=receipt')).toBe('source="x,type=evil",type="receipt"')
    expect(labelsOf('source=a,b} 1\nfake_metric{x=1,type=ship')).toBe('source="a,b} 1\\nfake_metric{x=1",type="ship"')
  })
})

describe('restart backoff', () => {
  it('doubles from 1 s to a 30 s ceiling', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })
})

describe('client address', () => {
  it('is the socket unless a trusted proxy appended the last X-Forwarded-For hop', async () => {
    const { clientAddressOf } = await import('../../../server/auth/security-headers')
    expect(clientAddressOf('127.0.0.1', '6.6.6.6, 203.0.113.9', false)).toBe('127.0.0.1')
    expect(clientAddressOf('127.0.0.1', '6.6.6.6, 203.0.113.9', true)).toBe('203.0.113.9')
    expect(clientAddressOf('127.0.0.1', undefined, true)).toBe('127.0.0.1')
  })
})
