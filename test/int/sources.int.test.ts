// Sources and channels as code (CONTRACT.md "Sources and channels") through the real route handlers
// and a real PostgreSQL: scopes, validation, audit, and secrets never returned.
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeApiKey, makeChannel } from '../support/factories'
import { createSource } from '../../server/sources/create-source'

let db: PrismaClient
let readKey: string
let writeKey: string

useTestDatabase(async (created) => {
  db = created
  readKey = await makeApiKey(db, ['read'])
  writeKey = await makeApiKey(db, ['catalog:write'])
  await makeChannel(db, 'shopify', { baseUrl: 'http://127.0.0.1:4101', mode: 'shadow' })
  const amazon = await makeChannel(db, 'amazon', { baseUrl: 'http://127.0.0.1:4102', credentialsEnc: 'secret-blob' })
  await db.channel.update({ where: { id: amazon.id }, data: { status: 'paused' } })
})
afterAll(async () => {
  // The route handlers use the process-wide client (DATABASE_URL points at this test database).
  await (globalThis as { stocktowerPrisma?: PrismaClient }).stocktowerPrisma?.$disconnect()
})

async function call(method: 'GET' | 'PUT', path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  const req = new Request(`http://localhost${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const code = /^\/api\/v1\/sources\/([^/?]+)/.exec(path)?.[1]
  let res: Response
  if (path.startsWith('/api/v1/channels'))
    res = await (await import('../../app/api/v1/channels/route')).GET(req, { params: Promise.resolve({}) })
  else if (code) {
    const m = await import('../../app/api/v1/sources/[code]/route')
    res = await (method === 'PUT' ? m.PUT : m.GET)(req, { params: Promise.resolve({ code: decodeURIComponent(code) }) })
  } else res = await (await import('../../app/api/v1/sources/route')).GET(req, { params: Promise.resolve({}) })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), text }
}

describe('GET /api/v1/channels', () => {
  it('lists code, kind, mode, paused and baseUrl, and nothing secret', async () => {
    expect(await call('GET', '/api/v1/channels', null)).toMatchObject({ status: 401 })
    const r = await call('GET', '/api/v1/channels', readKey)
    expect(r.status).toBe(200)
    expect(r.body.items).toEqual([
      { code: 'amazon', name: 'amazon', kind: 'amazon', mode: 'live', paused: true, baseUrl: 'http://127.0.0.1:4102' },
      {
        code: 'shopify',
        name: 'shopify',
        kind: 'shopify',
        mode: 'shadow',
        paused: false,
        baseUrl: 'http://127.0.0.1:4101',
      },
    ])
    expect(r.text).not.toContain('secret-blob')
  })
})

describe('sources as code', () => {
  const settings = { edi846: { quantityQualifiers: ['33', '17'], defaultLocation: 'DC-EAST' } }

  it('PUT needs catalog:write, GET needs read', async () => {
    expect(await call('PUT', '/api/v1/sources/acme-3pl', null, { name: 'Acme', kind: '3pl' })).toMatchObject({
      status: 401,
    })
    expect(await call('PUT', '/api/v1/sources/acme-3pl', readKey, { name: 'Acme', kind: '3pl' })).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    })
    expect(await call('GET', '/api/v1/sources', writeKey)).toMatchObject({ status: 403 })
  })

  it('creates and replaces a source with its settings, audited before and after, defaults filled', async () => {
    const created = await call('PUT', '/api/v1/sources/acme-3pl', writeKey, { name: 'Acme 3PL', kind: '3pl', settings })
    expect(created.status).toBe(200)
    expect(created.body).toMatchObject({
      code: 'acme-3pl',
      name: 'Acme 3PL',
      kind: '3pl',
      settings: {
        edi846: { quantityQualifiers: ['33', '17'], defaultLocation: 'DC-EAST' },
        csv: { delimiter: ',', decimalSeparator: '.', dateFormat: 'iso' },
      },
      signingSecret: { set: false, previousValidUntil: null },
    })
    const replaced = await call('PUT', '/api/v1/sources/acme-3pl', writeKey, {
      name: 'Acme Logistics',
      kind: 'supplier',
      settings: {
        csv: {
          delimiter: ';',
          decimalSeparator: ',',
          dateFormat: 'DD.MM.YYYY',
          columns: { 'Item Number': 'sku', Warehouse: 'location', 'Qty On Hand': 'quantity' },
          fixed: { type: 'count' },
        },
      },
    })
    expect(replaced).toMatchObject({
      status: 200,
      body: {
        name: 'Acme Logistics',
        kind: 'supplier',
        settings: {
          edi846: { quantityQualifiers: ['17'], defaultLocation: null },
          csv: { delimiter: ';', columns: { 'Item Number': 'sku' }, fixed: { type: 'count' } },
        },
      },
    })
    const audit = await db.auditLog.findMany({
      where: { entity: 'source', entityId: 'acme-3pl' },
      orderBy: { at: 'asc' },
    })
    expect(audit.map((a) => a.action)).toEqual(['source.create', 'source.update'])
    expect(audit[1].before).toMatchObject({
      name: 'Acme 3PL',
      kind: '3pl',
      settings: { edi846: { quantityQualifiers: ['33', '17'] } },
    })
    expect(audit[1].actorLabel).toBe('api key test')
    // What GET returns, PUT accepts unchanged.
    const one = await call('GET', '/api/v1/sources/acme-3pl', readKey)
    const again = await call('PUT', '/api/v1/sources/acme-3pl', writeKey, {
      name: one.body.name,
      kind: one.body.kind,
      settings: one.body.settings,
    })
    expect(again.body.settings).toEqual(one.body.settings)
  })

  it('refuses bad input with a clear code and changes nothing', async () => {
    const before = await db.source.findUniqueOrThrow({ where: { code: 'acme-3pl' } })
    const bad = [
      [{ name: 'x', kind: 'bank' }, /kind/],
      [{ name: '', kind: 'erp' }, /name/],
      [
        { name: 'x', kind: 'erp', settings: { edi846: { quantityQualifiers: [] } } },
        /quantityQualifiers: name at least one/,
      ],
      [{ name: 'x', kind: 'erp', settings: { edi846: { quantityQualifiers: ['17', '17'] } } }, /listed twice/],
      [{ name: 'x', kind: 'erp', settings: { edi846: { quantityQualifiers: ['17*'] } } }, /quantity qualifier/],
      [{ name: 'x', kind: 'erp', settings: { csv: { delimiter: 'x' } } }, /csv\.delimiter/],
      [
        { name: 'x', kind: 'erp', settings: { csv: { columns: { A: 'sku', B: 'sku' } } } },
        /two columns fill the same field/,
      ],
      [{ name: 'x', kind: 'erp', settings: { xml: {} } }, /xml/],
      [{ name: 'x', kind: 'erp', signingSecret: 'mine' }, /signingSecret/],
      [{ name: 'a\u0000b', kind: 'erp' }, /name: a name has no control characters/],
      [{ name: 'x', kind: 'erp', settings: { csv: { columns: { 'A\u0000': 'sku' } } } }, /settings\.csv\.columns/],
      [{ name: 'x', kind: 'erp', settings: { ndjson: { fixed: { type: 'count\u0000' } } } }, /no control characters/],
    ] as const
    for (const [body, message] of bad) {
      const r = await call('PUT', '/api/v1/sources/acme-3pl', writeKey, body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error.code).toBe('INVALID_INPUT')
      expect(r.body.error.message).toMatch(message)
    }
    expect(await call('PUT', '/api/v1/sources/acme-3pl', writeKey, '{"name":')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_JSON' } },
    })
    expect(
      await call('PUT', '/api/v1/sources/acme-3pl', writeKey, '['.repeat(100_000) + ']'.repeat(100_000)),
    ).toMatchObject({ status: 400 })
    expect(
      await call(
        'PUT',
        '/api/v1/sources/acme-3pl',
        writeKey,
        JSON.stringify({ name: 'x'.repeat(300_000), kind: 'erp' }),
      ),
    ).toMatchObject({ status: 413 })
    expect(
      await call('PUT', '/api/v1/sources/acme-3pl', writeKey, {
        name: 'x',
        kind: 'erp',
        settings: { edi846: { quantityQualifiers: ['17'], defaultLocation: 'A\u0000B' } },
      }),
    ).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } })
    expect(
      await call('PUT', `/api/v1/sources/${encodeURIComponent('bad code!')}`, writeKey, { name: 'x', kind: 'erp' }),
    ).toMatchObject({ status: 400, body: { error: { code: 'INVALID_SOURCE_CODE' } } })
    expect(await call('GET', '/api/v1/sources/nope', readKey)).toMatchObject({
      status: 404,
      body: { error: { code: 'UNKNOWN_SOURCE' } },
    })
    expect(await db.source.findUniqueOrThrow({ where: { code: 'acme-3pl' } })).toEqual(before)
  })

  it('never returns a signing secret, and keeps it across a PUT', async () => {
    const issued = await createSource(
      db,
      { kind: 'system', id: null, label: 'test' },
      { code: 'erp-signed', name: 'Signed ERP', kind: 'erp' },
    )
    const enc = (await db.source.findUniqueOrThrow({ where: { code: 'erp-signed' } })).signingSecretEnc
    await call('PUT', '/api/v1/sources/erp-signed', writeKey, { name: 'Signed ERP', kind: 'erp', settings })
    expect((await db.source.findUniqueOrThrow({ where: { code: 'erp-signed' } })).signingSecretEnc).toBe(enc)
    const list = await call('GET', '/api/v1/sources', readKey)
    expect(list.body.items.map((s: { code: string }) => s.code)).toEqual(['acme-3pl', 'erp-signed'])
    expect(list.body.items[1].signingSecret).toEqual({ set: true, previousValidUntil: null })
    expect(list.text).not.toContain(issued.secret)
    expect(list.text).not.toContain(enc)
    expect(list.text).not.toMatch(/signingSecretEnc|previousSecretEnc/)
  })
})
