// Durable order pollers against marketplaces played by the test over real HTTP (allowed: a test may
// fake a remote marketplace), on a real PostgreSQL: Amazon's Orders API v0 (LWA token, getOrders by
// LastUpdatedAfter paged by NextToken, getOrderItems) and Walmart's GET /v3/orders (token,
// lastModifiedStartDate, nextCursor). Every request the pollers send is checked against the
// operation's parameters in the vendored specs (ordersV0.json, orders.json).
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeLocation, makeSku, receipt, saveRules } from '../support/factories'
import { RuleSetSchema } from '../../server/rules/rules.schema'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { encryptCredentials } from '../../server/channels/credentials'
import { clearAccessTokens } from '../../server/channels/access-token'
import { createAmazonOrdersClient } from '../../server/channels/amazon/orders-client'
import { pollChannelOrders } from '../../server/orders/poll-orders'

const SPECS = path.resolve(__dirname, '..', 'fixtures', 'specs')
const amazonSpec = JSON.parse(fs.readFileSync(path.join(SPECS, 'amazon', 'ordersV0.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters: Array<{
          name: string
          in: string
          required?: boolean
          type?: string
          maximum?: number
          minimum?: number
        }>
      }
    >
  >
}
const walmartSpec = JSON.parse(fs.readFileSync(path.join(SPECS, 'walmart', 'orders.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<string, { parameters: Array<{ name?: string; in?: string; required?: boolean; $ref?: string }> }>
  >
  components: { parameters: Record<string, { name: string; in: string; required?: boolean }> }
}

/** Problems of a request's query against an OpenAPI operation's query parameters (names, required, integer bounds). */
function queryProblems(
  params: Array<{ name: string; in: string; required?: boolean; type?: string; maximum?: number; minimum?: number }>,
  query: URLSearchParams,
  headers: http.IncomingHttpHeaders,
): string[] {
  const problems: string[] = []
  const q = params.filter((p) => p.in === 'query')
  for (const name of query.keys()) if (!q.some((p) => p.name === name)) problems.push(`unknown query parameter ${name}`)
  for (const p of params) {
    if (p.in === 'query' && p.required && !query.has(p.name)) problems.push(`missing ${p.name}`)
    if (p.in === 'header' && p.required && !headers[p.name.toLowerCase()]) problems.push(`missing header ${p.name}`)
    const v = query.get(p.name)
    if (
      v !== null &&
      p.type === 'integer' &&
      (!/^\d+$/.test(v) ||
        (p.maximum !== undefined && Number(v) > p.maximum) ||
        (p.minimum !== undefined && Number(v) < p.minimum))
    )
      problems.push(`${p.name}=${v} out of range`)
  }
  return problems
}

interface AmazonOrder {
  AmazonOrderId: string
  PurchaseDate: string
  LastUpdateDate: string
  OrderStatus: string
  FulfillmentChannel: 'MFN' | 'AFN'
  items: Array<{ OrderItemId: string; SellerSKU: string; QuantityOrdered: number; QuantityShipped: number }>
}

/** Amazon as the pollers meet it: LWA, getOrders (pages of at most 2 here), getOrderItems. */
function fakeAmazon() {
  const orders: AmazonOrder[] = []
  const problems: string[] = []
  const calls: string[] = []
  let outage = false
  let throttle = false
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RateLimit-Limit': '0.0167', ...headers })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && url.pathname === '/auth/o2/token')
      return send(200, { access_token: 'Atza|test', token_type: 'bearer', expires_in: 3600 })
    calls.push(`${req.method} ${url.pathname}${url.search}`)
    if (req.headers['x-amz-access-token'] !== 'Atza|test') problems.push(`${url.pathname} without the access token`)
    if (outage) return send(503, { errors: [{ code: 'ServiceUnavailable', message: 'try later' }] })
    if (throttle && url.pathname === '/orders/v0/orders') {
      throttle = false
      return send(
        429,
        { errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] },
        { 'retry-after': '120' },
      )
    }
    if (req.method === 'GET' && url.pathname === '/orders/v0/orders') {
      problems.push(
        ...queryProblems(amazonSpec.paths['/orders/v0/orders'].get.parameters, url.searchParams, req.headers),
      )
      const after = Date.parse(url.searchParams.get('LastUpdatedAfter')!)
      const size = Math.min(2, Number(url.searchParams.get('MaxResultsPerPage') ?? 100))
      const offset = url.searchParams.has('NextToken')
        ? Number(Buffer.from(url.searchParams.get('NextToken')!, 'base64').toString())
        : 0
      const matching = orders
        .filter(
          (o) =>
            Date.parse(o.LastUpdateDate) >= after &&
            url.searchParams.getAll('FulfillmentChannels').every((f) => f.split(',').includes(o.FulfillmentChannel)),
        )
        .sort((a, b) => Date.parse(a.LastUpdateDate) - Date.parse(b.LastUpdateDate))
      const page = matching.slice(offset, offset + size)
      const next = offset + size < matching.length ? Buffer.from(String(offset + size)).toString('base64') : undefined
      return send(200, {
        payload: {
          Orders: page.map(({ items: _items, ...o }) => ({ ...o, MarketplaceId: 'ATVPDKIKX0DER' })),
          ...(next ? { NextToken: next } : {}),
        },
      })
    }
    const m = /^\/orders\/v0\/orders\/([^/]+)\/orderItems$/.exec(url.pathname)
    if (req.method === 'GET' && m) {
      problems.push(
        ...queryProblems(
          amazonSpec.paths['/orders/v0/orders/{orderId}/orderItems'].get.parameters.filter((p) => p.in !== 'path'),
          url.searchParams,
          req.headers,
        ),
      )
      const o = orders.find((x) => x.AmazonOrderId === decodeURIComponent(m[1]))
      if (!o) return send(404, { errors: [{ code: 'NotFound', message: 'no such order' }] })
      return send(200, {
        payload: { AmazonOrderId: o.AmazonOrderId, OrderItems: o.items.map((i) => ({ ASIN: 'B000TEST', ...i })) },
      })
    }
    send(404, { errors: [{ code: 'NotFound', message: req.url }] })
  })
  return {
    server,
    orders,
    problems,
    calls,
    setOutage: (v: boolean) => {
      outage = v
    },
    throttleOnce: () => {
      throttle = true
    },
  }
}

function fakeWalmart() {
  const orders: Array<{
    purchaseOrderId: string
    orderDate: number
    lines: Array<{
      lineNumber: string
      sku: string
      amount: number
      statuses: Array<[string, number]>
      statusDate: number
    }>
  }> = []
  const problems: string[] = []
  const specParams = walmartSpec.paths['/v3/orders'].get.parameters.map(
    (p) =>
      (p.$ref ? walmartSpec.components.parameters[p.$ref.split('/').pop()!] : p) as {
        name: string
        in: string
        required?: boolean
      },
  )
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && url.pathname === '/v3/token')
      return send(200, { access_token: 'wm-token', token_type: 'Bearer', expires_in: 900 })
    if (req.method === 'GET' && url.pathname === '/v3/orders') {
      problems.push(...queryProblems(specParams, url.searchParams, req.headers))
      if (req.headers['wm_sec.access_token'] !== 'wm-token') problems.push('no WM_SEC.ACCESS_TOKEN')
      const since = Date.parse(url.searchParams.get('lastModifiedStartDate')!)
      const offset = Number(url.searchParams.get('soIndex') ?? 0)
      const matching = orders.filter((o) => Math.max(o.orderDate, ...o.lines.map((l) => l.statusDate)) >= since)
      const page = matching.slice(offset, offset + 1)
      if (matching.length === 0)
        return send(404, { errors: { error: [{ code: 'CONTENT_NOT_FOUND.GMP_ORDER_API', description: 'No orders' }] } })
      const more = offset + 1 < matching.length
      return send(200, {
        list: {
          meta: {
            totalCount: matching.length,
            limit: 1,
            nextCursor: more
              ? `?limit=1&hasMoreElements=true&soIndex=${offset + 1}&poIndex=1&lastModifiedStartDate=${encodeURIComponent(url.searchParams.get('lastModifiedStartDate')!)}`
              : null,
          },
          elements: {
            order: page.map((o) => ({
              purchaseOrderId: o.purchaseOrderId,
              customerOrderId: `C${o.purchaseOrderId}`,
              orderDate: o.orderDate,
              orderLines: {
                orderLine: o.lines.map((l) => ({
                  lineNumber: l.lineNumber,
                  item: { productName: l.sku, sku: l.sku },
                  orderLineQuantity: { unitOfMeasurement: 'EACH', amount: String(l.amount) },
                  statusDate: l.statusDate,
                  orderLineStatuses: {
                    orderLineStatus: l.statuses.map(([status, n]) => ({
                      status,
                      statusQuantity: { unitOfMeasurement: 'EACH', amount: String(n) },
                    })),
                  },
                })),
              },
            })),
          },
        },
      })
    }
    send(404, { error: req.url })
  })
  return { server, orders, problems }
}

const listen = async (s: http.Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

let t: TestDatabase
let db: PrismaClient
const amazon = fakeAmazon()
const walmart = fakeWalmart()
let amazonId = ''
let walmartId = ''
let amazonUrl = ''
const T0 = Date.now() - 10 * 60_000
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

beforeAll(async () => {
  clearAccessTokens()
  t = await createTestDatabase()
  db = t.db
  amazonUrl = await listen(amazon.server)
  const walmartUrl = await listen(walmart.server)
  await saveRules(
    db,
    RuleSetSchema.parse({
      defaults: { safetyStock: { units: 0 } },
      channels: {
        amazon: { priority: 1, share: { type: 'shared' } },
        walmart: { priority: 2, share: { type: 'shared' } },
      },
    }),
  )
  await makeLocation(db, 'DC-EAST')
  const a = await makeChannel(db, 'amazon', {
    baseUrl: amazonUrl,
    settings: { sellerId: 'S1', marketplaceId: 'ATVPDKIKX0DER', lwaTokenUrl: `${amazonUrl}/auth/o2/token` },
    credentialsEnc: encryptCredentials({ clientId: 'c', clientSecret: 's', refreshToken: 'Atzr|r' }),
  })
  const w = await makeChannel(db, 'walmart', {
    baseUrl: walmartUrl,
    credentialsEnc: encryptCredentials({ clientId: 'c', clientSecret: 's' }),
  })
  amazonId = a.id
  walmartId = w.id
  // The channels were added before the orders below were placed.
  await db.channel.updateMany({ data: { createdAt: new Date(T0 - 60_000) } })
  for (const code of ['SKU-A', 'SKU-B']) {
    const s = await makeSku(db, code, { priceCents: 500 })
    await makeListing(db, a.id, s.id, `AMZ-${code}`)
    await makeListing(db, w.id, s.id, `WM-${code}`)
  }
  await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp',
      events: [receipt('r1', 'SKU-A', 'DC-EAST', 100), receipt('r2', 'SKU-B', 'DC-EAST', 100)],
    }),
  })
}, 120_000)
afterAll(async () => {
  amazon.server.close()
  walmart.server.close()
  await t?.drop()
})

const reserved = async (sku: string) =>
  (await db.position.findFirstOrThrow({ where: { sku: { code: sku }, location: { code: 'DC-EAST' } } })).reserved
const onHand = async (sku: string) =>
  (await db.position.findFirstOrThrow({ where: { sku: { code: sku }, location: { code: 'DC-EAST' } } })).onHand
const intake = (channelId: string) =>
  db.channelOrderIntake.findUniqueOrThrow({ where: { channelId_path: { channelId, path: 'poll' } } })
const amazonOrder = (
  id: string,
  minutes: number,
  status: string,
  lines: Array<[string, string, number, number?]>,
  fulfillment: 'MFN' | 'AFN' = 'MFN',
): AmazonOrder => ({
  AmazonOrderId: id,
  PurchaseDate: iso(minutes),
  LastUpdateDate: iso(minutes),
  OrderStatus: status,
  FulfillmentChannel: fulfillment,
  items: lines.map(([OrderItemId, SellerSKU, QuantityOrdered, QuantityShipped]) => ({
    OrderItemId,
    SellerSKU,
    QuantityOrdered,
    QuantityShipped: QuantityShipped ?? 0,
  })),
})

describe('Amazon orders poller', () => {
  it('a poller killed mid-run resumes at the page it had not applied, without loss or duplicates; Pending holds units', async () => {
    amazon.orders.push(
      amazonOrder('111-0000001-0000001', 1, 'Pending', [['i1', 'AMZ-SKU-A', 2]]),
      amazonOrder('111-0000001-0000002', 2, 'Unshipped', [
        ['i2', 'AMZ-SKU-A', 1],
        ['i3', 'AMZ-SKU-B', 3],
      ]),
      amazonOrder('111-0000001-0000003', 3, 'Unshipped', [['i4', 'AMZ-SKU-B', 1]]),
      amazonOrder('111-0000001-0000004', 4, 'Unshipped', [['i5', 'AMZ-SKU-A', 5]], 'AFN'), // Amazon's own stock: never ours
    )
    const channel = await db.channel.findUniqueOrThrow({ where: { id: amazonId } })
    const real = createAmazonOrdersClient({
      baseUrl: amazonUrl,
      settings: channel.settings,
      credentials: { clientId: 'c', clientSecret: 's', refreshToken: 'Atzr|r' },
    })
    let listCalls = 0
    const dying = {
      ...real,
      getOrders: async (q: Parameters<typeof real.getOrders>[0]) => {
        if (++listCalls === 2) throw new Error('worker killed')
        return real.getOrders(q)
      },
    }
    await expect(pollChannelOrders(db, amazonId, { force: true, clients: { amazon: dying } })).rejects.toThrow(
      'worker killed',
    )
    // The first page (two orders) is applied and its NextToken committed with it.
    expect(await reserved('SKU-A')).toBe(3)
    expect(await reserved('SKU-B')).toBe(3)
    const mid = await intake(amazonId)
    expect(JSON.parse(mid.cursor!).next).toBeTruthy()
    const r = await pollChannelOrders(db, amazonId, { force: true })
    expect(r.outcome).toBe('caught_up')
    expect(await reserved('SKU-A')).toBe(3)
    expect(await reserved('SKU-B')).toBe(4)
    const done = await intake(amazonId)
    expect(done.cursor).toBeNull()
    expect(done.cursorAt!.toISOString()).toBe(iso(3))
    expect(done.lastSuccessAt).not.toBeNull()
    // Running again re-reads the overlap window and moves nothing.
    await pollChannelOrders(db, amazonId, { force: true })
    expect(await reserved('SKU-A')).toBe(3)
    expect(await reserved('SKU-B')).toBe(4)
    expect(await db.channelOrderEvent.count({ where: { channelId: amazonId, status: 'created' } })).toBe(4)
    expect(amazon.problems).toEqual([])
  })

  it('a partial buyer cancel (QuantityOrdered going down), a cancel and a shipment', async () => {
    const o2 = amazon.orders.find((o) => o.AmazonOrderId === '111-0000001-0000002')!
    o2.items[1].QuantityOrdered = 1 // 3 -> 1: two units cancelled
    o2.LastUpdateDate = iso(5)
    const o1 = amazon.orders.find((o) => o.AmazonOrderId === '111-0000001-0000001')!
    Object.assign(o1, { OrderStatus: 'Canceled', LastUpdateDate: iso(6) })
    const o3 = amazon.orders.find((o) => o.AmazonOrderId === '111-0000001-0000003')!
    Object.assign(o3, { OrderStatus: 'Shipped', LastUpdateDate: iso(7) })
    o3.items[0].QuantityShipped = 1
    const b = await onHand('SKU-B')
    await pollChannelOrders(db, amazonId, { force: true })
    expect(await reserved('SKU-A')).toBe(1)
    expect(await reserved('SKU-B')).toBe(1)
    expect(await onHand('SKU-B')).toBe(b - 1)
    const line = await db.nativeOrderLine.findUniqueOrThrow({
      where: { channelId_orderId_lineId: { channelId: amazonId, orderId: '111-0000001-0000002', lineId: 'i3' } },
    })
    expect(line).toMatchObject({ quantity: 3, cancelledQuantity: 2 })
    expect(amazon.problems).toEqual([])
  })

  it('an orders API outage: failures recorded, the cursor kept; the next run catches up', async () => {
    amazon.setOutage(true)
    amazon.orders.push(amazonOrder('111-0000001-0000005', 8, 'Unshipped', [['i6', 'AMZ-SKU-A', 4]]))
    const before = await intake(amazonId)
    const r = await pollChannelOrders(db, amazonId, { force: true })
    expect(r.outcome).toBe('failed')
    const failed = await intake(amazonId)
    expect(failed.consecutiveFailures).toBe(1)
    expect(failed.lastError).toMatch(/503/)
    expect(failed.cursorAt).toEqual(before.cursorAt)
    expect(await reserved('SKU-A')).toBe(1)
    amazon.setOutage(false)
    expect((await pollChannelOrders(db, amazonId)).outcome).toBe('caught_up') // a failed path is due at once
    expect(await reserved('SKU-A')).toBe(5)
    expect((await intake(amazonId)).consecutiveFailures).toBe(0)
  })

  it('a 429 empties the orders budget until its Retry-After', async () => {
    amazon.throttleOnce()
    const r = await pollChannelOrders(db, amazonId, { force: true })
    expect(r.outcome).toBe('failed')
    const row = await intake(amazonId)
    expect(row.rateTokens).toBe(0)
    expect(row.rateRefilledAt.getTime()).toBeGreaterThan(Date.now() + 60_000)
    const calls = amazon.calls.length
    expect((await pollChannelOrders(db, amazonId, { force: true })).outcome).toBe('budget')
    expect(amazon.calls.length).toBe(calls)
  })

  it('spends the orders API budget: no getOrders call without a token', async () => {
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { rateTokens: 0, rateRefilledAt: new Date() },
    })
    const calls = amazon.calls.length
    const r = await pollChannelOrders(db, amazonId, { force: true })
    expect(r.outcome).toBe('budget')
    expect(amazon.calls.length).toBe(calls)
  })
  it('an update its order counts explain is read without getOrderItems; a partial cancel they cannot explain is fetched', async () => {
    const now = new Date()
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { rateTokens: 20, itemRateTokens: 30, rateRefilledAt: now, itemRateRefilledAt: now },
    })
    const counted = (o: AmazonOrder) =>
      Object.assign(o, {
        NumberOfItemsShipped: o.items.reduce((n, i) => n + i.QuantityShipped, 0),
        NumberOfItemsUnshipped: o.items.reduce((n, i) => n + i.QuantityOrdered - i.QuantityShipped, 0),
      })
    const itemCalls = (id: string) => amazon.calls.filter((c) => c.includes(`/orders/${id}/orderItems`)).length
    const o6 = counted(
      amazonOrder('111-0000001-0000006', 9, 'Unshipped', [
        ['i7', 'AMZ-SKU-B', 2],
        ['i8', 'AMZ-SKU-A', 1],
      ]),
    )
    const o7 = counted(amazonOrder('111-0000001-0000007', 9, 'Unshipped', [['i9', 'AMZ-SKU-A', 2]]))
    amazon.orders.push(o6, o7)
    const [a, b] = [await reserved('SKU-A'), await reserved('SKU-B')]
    expect((await pollChannelOrders(db, amazonId, { force: true })).outcome).toBe('caught_up')
    expect([await reserved('SKU-A'), await reserved('SKU-B')]).toEqual([a + 3, b + 2])
    expect([itemCalls(o6.AmazonOrderId), itemCalls(o7.AmazonOrderId)]).toEqual([1, 1])

    // o6 ships whole: its counts say so. o7 loses one unit to a buyer cancel: only its items say which line.
    o6.items.forEach((i) => {
      i.QuantityShipped = i.QuantityOrdered
    })
    Object.assign(counted(o6), { OrderStatus: 'Shipped', LastUpdateDate: iso(9.5) })
    o7.items[0].QuantityOrdered = 1
    Object.assign(counted(o7), { LastUpdateDate: iso(9.5) })
    const onHandB = await onHand('SKU-B')
    expect((await pollChannelOrders(db, amazonId, { force: true })).outcome).toBe('caught_up')
    expect([itemCalls(o6.AmazonOrderId), itemCalls(o7.AmazonOrderId)]).toEqual([1, 2])
    expect([await reserved('SKU-A'), await reserved('SKU-B')]).toEqual([a + 1, b])
    expect(await onHand('SKU-B')).toBe(onHandB - 2)
    // The page says which items were ours: the stored raw message keeps Amazon's words apart.
    const page = await db.inboundMessage.findFirstOrThrow({
      where: { kind: 'amazon_orders', body: { contains: 'itemsFromOrderCounts' } },
      orderBy: { receivedAt: 'desc' },
    })
    expect(Object.keys(JSON.parse(page.body).itemsFromOrderCounts)).toEqual([o6.AmazonOrderId])
    expect(amazon.problems).toEqual([])
  })

  it("asks for Amazon's longest pages whatever is left of the item budget; when it runs out mid-page the orders before it are applied and the next run reads the page again", async () => {
    const now = new Date()
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { rateTokens: 20, itemRateTokens: 1, rateRefilledAt: now, itemRateRefilledAt: now },
    })
    const fresh = [
      amazonOrder('111-0000001-0000008', 9.6, 'Unshipped', [['i10', 'AMZ-SKU-A', 1]]),
      amazonOrder('111-0000001-0000009', 9.7, 'Unshipped', [['i11', 'AMZ-SKU-B', 1]]),
      amazonOrder('111-0000001-0000010', 9.8, 'Unshipped', [['i12', 'AMZ-SKU-A', 2]]),
    ]
    amazon.orders.push(...fresh)
    const [a, b] = [await reserved('SKU-A'), await reserved('SKU-B')]
    const from = amazon.calls.length
    // One item call left and a clock that stands still: the second new order's items cannot be had.
    const r = await pollChannelOrders(db, amazonId, { force: true, now: () => now, sleep: async () => {} })
    expect(r.outcome).toBe('budget')
    expect([await reserved('SKU-A'), await reserved('SKU-B')]).toEqual([a + 1, b])
    const lists = amazon.calls.slice(from).filter((c) => c.startsWith('GET /orders/v0/orders?'))
    expect(lists.length).toBeGreaterThan(0)
    expect(lists.filter((c) => !c.includes('MaxResultsPerPage=100'))).toEqual([])
    const mid = await intake(amazonId)
    expect(mid.cursor).not.toBeNull() // the run goes on from the page it could not finish
    // The raw page kept is what was applied: the orders before the one whose items could not be had.
    const partial = await db.inboundMessage.findFirstOrThrow({
      where: { kind: 'amazon_orders', body: { contains: fresh[0].AmazonOrderId } },
      orderBy: { receivedAt: 'asc' },
    })
    expect((JSON.parse(partial.body) as { orders: AmazonOrder[] }).orders.map((o) => o.AmazonOrderId)).toEqual([
      fresh[0].AmazonOrderId,
    ])
    // The item budget refills: the page is read again, the rest applied, nothing twice.
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { itemRateTokens: 30, itemRateRefilledAt: new Date() },
    })
    expect((await pollChannelOrders(db, amazonId)).outcome).toBe('caught_up') // a run in progress is due at once
    expect([await reserved('SKU-A'), await reserved('SKU-B')]).toEqual([a + 3, b + 1])
    const itemCalls = (id: string) => amazon.calls.filter((c) => c.includes(`/orders/${id}/orderItems`)).length
    expect(fresh.map((o) => itemCalls(o.AmazonOrderId))).toEqual([1, 1, 1])
    expect((await intake(amazonId)).cursor).toBeNull()
    expect(amazon.problems).toEqual([])
  })

  it('polls every interval from start to start, a tick a little early included: a poll that waited for its item budget does not skip the next tick', async () => {
    let clock = Date.now() + 3_600_000
    const now = () => new Date(clock)
    await db.channelOrderIntake.update({
      where: { channelId_path: { channelId: amazonId, path: 'poll' } },
      data: { rateTokens: 20, itemRateTokens: 0, rateRefilledAt: now(), itemRateRefilledAt: now() },
    })
    amazon.orders.push(amazonOrder('111-0000001-0000011', 10, 'Unshipped', [['i13', 'AMZ-SKU-B', 1]]))
    const b = await reserved('SKU-B')
    const start = clock
    // The item budget is empty: the poll waits for an item call (its sleep moves the clock).
    const first = await pollChannelOrders(db, amazonId, { now, sleep: async (ms) => void (clock += ms) })
    expect(first.outcome).toBe('caught_up')
    expect(await reserved('SKU-B')).toBe(b + 1)
    expect(clock).toBeGreaterThan(start)
    expect((await intake(amazonId)).lastPollAt!.getTime()).toBe(start)
    // The crontab's next minute, a little early: due, however long the last poll took.
    clock = start + 59_700
    expect((await pollChannelOrders(db, amazonId, { now })).outcome).toBe('caught_up')
    clock = start + 59_700 + 30_000
    expect((await pollChannelOrders(db, amazonId, { now })).outcome).toBe('not_due')
  })
})

describe('Walmart orders poller', () => {
  it('pages by nextCursor; Cancelled and Shipped line statuses release and ship', async () => {
    walmart.orders.push(
      {
        purchaseOrderId: 'PO-1',
        orderDate: T0 + 60_000,
        lines: [{ lineNumber: '1', sku: 'WM-SKU-A', amount: 2, statuses: [['Created', 2]], statusDate: T0 + 60_000 }],
      },
      {
        purchaseOrderId: 'PO-2',
        orderDate: T0 + 120_000,
        lines: [
          {
            lineNumber: '1',
            sku: 'WM-SKU-B',
            amount: 3,
            statuses: [
              ['Acknowledged', 2],
              ['Cancelled', 1],
            ],
            statusDate: T0 + 130_000,
          },
        ],
      },
    )
    const a = await reserved('SKU-A')
    const b = await reserved('SKU-B')
    const r = await pollChannelOrders(db, walmartId, { force: true })
    expect(r).toMatchObject({ outcome: 'caught_up', pages: 2 })
    expect(await reserved('SKU-A')).toBe(a + 2)
    expect(await reserved('SKU-B')).toBe(b + 2)
    const line = walmart.orders[1].lines[0]
    line.statuses = [
      ['Shipped', 2],
      ['Cancelled', 1],
    ]
    line.statusDate = T0 + 180_000
    const hand = await onHand('SKU-B')
    await pollChannelOrders(db, walmartId, { force: true })
    expect(await reserved('SKU-B')).toBe(b)
    expect(await onHand('SKU-B')).toBe(hand - 2)
    expect(walmart.problems).toEqual([])
  })
})
