// Issue 17's measured failures, one by one, over HTTP against the real route handlers and a real
// database: each answered 500 (or lost a dead letter) before. The fuzz suite
// (fuzz-http.int.test.ts) generates thousands more; these pin the exact answers.
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { startHttpTarget, type MockedSession } from './helpers/http-target'
import type { RouteServer } from './helpers/route-server'
import { makeChannel, makeListing, makeLocation, makeSku } from '../support/factories'

const session: MockedSession = {}
vi.mock('next-auth', async (orig) => ({
  ...(await orig<typeof import('next-auth')>()),
  getServerSession: async () => session,
}))

let db: PrismaClient
let server: RouteServer
let key: string
useTestDatabase(
  async (created) => {
    db = created
    await makeLocation(db, 'DC-EAST')
    const ch = await makeChannel(db, 'amazon')
    const sku = await makeSku(db, 'SKU-1')
    await makeListing(db, ch.id, sku.id, 'AMZ-SKU-1')
    const target = await startHttpTarget(db, 'hostile', session)
    server = target.server
    key = target.key
  },
  { timeoutMs: 120_000 },
)
afterAll(async () => {
  await server?.close()
})

async function call(method: string, url: string, body?: string | Buffer, type = 'application/json') {
  const res = await fetch(server.url + url, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
    body: body as BodyInit | undefined,
  })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) as Record<string, any> }
}
const receipt = (k: string, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: k,
  type: 'receipt',
  sku: 'SKU-1',
  location: 'DC-EAST',
  quantity: 5,
  occurredAt: '2026-11-22T10:00:00Z',
  ...extra,
})
const onHand = async () => (await db.position.findFirst({ where: { sku: { code: 'SKU-1' } } }))?.onHand ?? 0

describe('events: every event accounted for in one transaction', () => {
  it('a batch with a NUL in one event applies the others, answers 202 and keeps the bad one as a dead letter', async () => {
    const before = await onHand()
    const r = await call(
      'POST',
      '/api/v1/events',
      JSON.stringify({
        source: 'erp',
        events: [
          receipt('nul-1'),
          receipt('nul-2', { reference: 'PO\u00001' }),
          receipt('nul-3', { sku: 'SKU\u0000-1' }),
        ],
      }),
    )
    expect(r.status).toBe(202)
    expect(r.body).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 1, code: 'INVALID_TEXT' },
        { index: 2, code: 'INVALID_TEXT' },
      ],
    })
    expect(r.body.rejected[0].message).toContain('"reference" contains a NUL character')
    expect(await onHand()).toBe(before + 5)
    const dead = await db.deadLetter.findMany({
      where: { inboundMessageId: r.body.messageId },
      orderBy: { code: 'asc' },
    })
    expect(dead).toHaveLength(2)
    // The dead letter holds a storable copy; the raw message holds exactly what was sent.
    expect(dead.map((d) => (d.payload as { event: { reference?: string } }).event.reference).sort()).toEqual([
      'PO\uFFFD1',
      undefined,
    ])
    // Marked as altered, so nobody replays the copy as if it were what the sender sent.
    expect(dead.every((d) => (d.payload as { altered?: boolean }).altered === true)).toBe(true)
    const raw = await db.inboundMessage.findUniqueOrThrow({ where: { id: r.body.messageId } })
    expect(JSON.parse(raw.body).events[1].reference).toBe('PO\u00001')
    expect(raw).toMatchObject({ status: 'partially_rejected', accepted: 1, rejected: 2 })
  })

  it('lone surrogates, blank keys and over-long codes are rejected per event with a code', async () => {
    const r = await call(
      'POST',
      '/api/v1/events',
      JSON.stringify({
        source: 'erp',
        events: [
          receipt('sur-1', { sku: 'SKU-\ud800' }),
          receipt('   '),
          receipt('long-1', { sku: 'S'.repeat(5000) }),
          receipt('long-2', { reference: 'R'.repeat(300) }),
          receipt('date-1', { occurredAt: '0000-01-01T00:00:00Z' }),
          receipt('date-2', { occurredAt: '9999-12-31T23:59:59-14:00' }),
          receipt('ok-1'),
        ],
      }),
    )
    expect(r.status).toBe(202)
    expect(r.body.accepted).toBe(1)
    expect(r.body.rejected.map((x: { code: string }) => x.code)).toEqual([
      'INVALID_TEXT',
      'MISSING_FIELD',
      'VALUE_TOO_LONG',
      'VALUE_TOO_LONG',
      'INVALID_DATE',
      'INVALID_DATE',
    ])
    expect(await db.deadLetter.count({ where: { inboundMessageId: r.body.messageId } })).toBe(6)
  })

  it('a body refused whole changes nothing and is still kept raw with one dead letter', async () => {
    const before = await db.ledgerEvent.count()
    for (const [body, code] of [
      [`{"source":"erp","events":[${'['.repeat(5000)}${']'.repeat(5000)}]}`, 'INVALID_JSON'],
      [JSON.stringify({ source: 'E'.repeat(3000), events: [receipt('src-1')] }), 'INVALID_SOURCE'],
      [JSON.stringify({ source: 'erp\u0000', events: [receipt('src-2')] }), 'INVALID_SOURCE'],
      ['{"source":"erp","events":[\u0000]}', 'INVALID_JSON'],
    ] as const) {
      const deadBefore = await db.deadLetter.count()
      const r = await call('POST', '/api/v1/events', body)
      expect(r).toMatchObject({
        status: 400,
        body: { error: { code, message: expect.any(String), ref: expect.any(String) } },
      })
      expect(await db.deadLetter.count()).toBe(deadBefore + 1)
    }
    expect(await db.ledgerEvent.count()).toBe(before)
    const nul = await db.inboundMessage.findFirstOrThrow({ where: { body: { contains: '[\uFFFD]' } } })
    expect(nul).toMatchObject({ status: 'rejected', error: expect.stringContaining('NUL') })
    expect(Buffer.from(nul.bodyBytes!).equals(Buffer.from('{"source":"erp","events":[\u0000]}'))).toBe(true)
  })

  it('a body with invalid UTF-8 is applied as its text says, and its exact bytes are kept', async () => {
    const sent = Buffer.concat([
      Buffer.from(
        JSON.stringify({ source: 'erp', events: [receipt('utf8-1', { reference: 'PO-' })] }).replace(
          '"PO-"',
          '"PO-XX"',
        ),
      ),
      Buffer.alloc(0),
    ])
    const at = sent.indexOf('XX')
    sent[at] = 0xc3
    sent[at + 1] = 0x28 // an invalid two-byte sequence
    const r = await call('POST', '/api/v1/events', sent)
    expect(r).toMatchObject({ status: 202, body: { accepted: 1 } })
    const raw = await db.inboundMessage.findUniqueOrThrow({ where: { id: r.body.messageId } })
    expect(Buffer.from(raw.bodyBytes!).equals(sent)).toBe(true)
    expect(raw.sizeBytes).toBe(sent.length)
    expect(JSON.parse(raw.body).events[0].reference).toBe('PO-\uFFFD(')
  })
})

describe('orders', () => {
  it('an order with a NUL is rejected alone; an impossible channel is a 404 kept as a dead letter', async () => {
    const order = (id: string, extra: Record<string, unknown> = {}) => ({
      orderId: id,
      status: 'created',
      occurredAt: '2026-11-22T10:01:00Z',
      lines: [{ lineId: '1', sku: 'AMZ-SKU-1', quantity: 1 }],
      ...extra,
    })
    const r = await call(
      'POST',
      '/api/v1/channels/amazon/orders',
      JSON.stringify({
        orders: [order('O-1'), order('O-\u00002'), order('O-3', { occurredAt: '9999-12-31T23:59:59-14:00' })],
      }),
    )
    expect(r.status).toBe(202)
    expect(r.body).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 1, code: 'INVALID_TEXT' },
        { index: 2, code: 'INVALID_ORDER' },
      ],
    })
    expect(await db.deadLetter.count({ where: { inboundMessageId: r.body.messageId } })).toBe(2)
    expect(
      await call('POST', `/api/v1/channels/${'c'.repeat(300)}/orders`, JSON.stringify({ orders: [order('O-4')] })),
    ).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_CHANNEL' } } })
    const many = {
      orders: [
        order('O-5', {
          lines: Array.from({ length: 1000 }, (_, i) => ({ lineId: `line-${i}`, sku: 'AMZ-SKU-1', quantity: 1 })),
        }),
      ],
    }
    // 1,000 lines make an idempotency key far beyond an index entry: it is hashed.
    expect(await call('POST', '/api/v1/channels/amazon/orders', JSON.stringify(many))).toMatchObject({
      status: 202,
      body: { accepted: 1 },
    })
  })
})

describe('read endpoints and URL inputs', () => {
  it('an oversell window named after an Object property is no window (was an invalid date, a 500)', async () => {
    const r = await call('GET', '/api/ui/oversells?window=constructor')
    expect(r.status).toBe(200)
    expect(r.body.items).toBeInstanceOf(Array)
  })
  const cursor = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  it.each([
    ['GET', '/api/v1/availability/%2500', 'INVALID_PARAMETER'],
    ['GET', `/api/v1/availability/SKU-1/explain?channel=amazon&at=0000-01-01T00:00:00Z`, 'INVALID_DATE'],
    ['GET', `/api/v1/findings?channel=%00`, 'INVALID_QUERY'],
    ['GET', `/api/v1/findings?sku=${'x'.repeat(1001)}`, 'INVALID_QUERY'],
    [
      'GET',
      `/api/v1/dead-letters?cursor=${cursor({ at: '0000-01-01T00:00:00Z', id: '00000000-0000-0000-0000-000000000000' })}`,
      'INVALID_CURSOR',
    ],
    ['GET', `/api/v1/findings?cursor=${cursor({ at: '2026-01-01T00:00:00Z', id: 'not-a-uuid' })}`, 'INVALID_CURSOR'],
    [
      'GET',
      `/api/ui/dead-letters?cursor=${cursor({ at: '2026-01-01T00:00:00Z', id: '00000000-0000-0000-0000-000000000000', score: 1e308 })}`,
      'INVALID_CURSOR',
    ],
    [
      'GET',
      `/api/ui/findings?cursor=${cursor({ at: '+275760-09-13T00:00:00Z', id: '00000000-0000-0000-0000-000000000000' })}`,
      'INVALID_CURSOR',
    ],
    ['GET', `/api/ui/audit?cursor=${cursor({ at: '2026-01-01T00:00:00Z', id: 'x' })}`, 'INVALID_CURSOR'],
    ['GET', '/api/ui/audit?from=0000-01-01', 'INVALID_FILTER'],
    ['GET', '/api/v1/kpis?window=constructor', 'INVALID_WINDOW'],
    ['GET', '/api/ui/kpis?window=__proto__', 'INVALID_WINDOW'],
    ['GET', '/api/ui/kpis/export?window=toString', 'INVALID_WINDOW'],
    ['GET', '/api/ui/dashboard?range=constructor', 'INVALID_RANGE'],
    ['GET', '/api/ui/skus/SKU-1/events?before=99999999999999999999', 'INVALID_CURSOR'],
    ['POST', '/api/v1/snapshots?asOf=%2B275760-09-13T00:00:00Z', 'INVALID_AS_OF'],
    ['POST', `/api/v1/snapshots?source=${'s'.repeat(200)}`, 'INVALID_SOURCE'],
    ['POST', '/api/v1/rules/rollback', 'INVALID_TEXT', JSON.stringify({ version: 'rs\u00001' })],
    ['POST', '/api/v1/rules', 'INVALID_BODY', JSON.stringify({ rules: {}, effectiveFrom: '0000-01-01T00:00:00Z' })],
    ['POST', '/api/v1/catalog/skus', 'INVALID_ITEMS', JSON.stringify({ items: [{ code: 'A\ud800', name: 'x' }] })],
    ['POST', '/api/v1/catalog/skus', 'INVALID_JSON', `{"items":${'['.repeat(3000)}${']'.repeat(3000)}}`],
  ])('%s %s answers 400 %s', async (method, url, code, body?: string) => {
    const r = await call(
      method,
      url,
      body ?? (method === 'POST' ? 'sku,location,on_hand\nSKU-1,DC-EAST,1\n' : undefined),
      body ? 'application/json' : 'text/csv',
    )
    expect(r).toMatchObject({
      status: 400,
      body: { error: { code, message: expect.any(String), ref: expect.any(String) } },
    })
  })
})
