// The Amazon simulator's Orders API v0 against Amazon's own model (test/fixtures/specs/amazon/ordersV0.json,
// a copy of ../shared/specs): every answer validates as GetOrdersResponse / GetOrderItemsResponse;
// request rules, paging with NextToken, the Pending -> Unshipped -> Shipped lifecycle, LWA token
// checks and the usage plans (429 beyond the burst with x-amzn-RateLimit-Limit). Real HTTP.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv } from 'ajv'
import { afterEach, describe, expect, it } from 'vitest'
import { AmazonSimulator, type AmazonSimulatorOptions } from '../../../simulators/amazon'
import { fakeClock } from '../channels/support'
import { json } from './support'

const spec = JSON.parse(
  fs.readFileSync(path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'amazon', 'ordersV0.json'), 'utf8'),
) as { definitions: Record<string, unknown> }
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'orders', definitions: spec.definitions })
const check = (definition: string, value: unknown) => {
  const validate = ajv.getSchema(`orders#/definitions/${definition}`)!
  return validate(value) ? 'valid' : ajv.errorsText(validate.errors)
}

const MARKETPLACE = 'ATVPDKIKX0DER'
const open: AmazonSimulator[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function setup(options: AmazonSimulatorOptions = {}) {
  const clock = fakeClock(Date.UTC(2026, 11, 2, 9, 0, 0))
  const sim = new AmazonSimulator({
    plan: 'demo',
    seed: 9,
    latencyMs: 0,
    now: clock.now,
    orderPendingMs: 60_000,
    ...options,
  })
  open.push(sim)
  await sim.start()
  sim.seed(['AMZ-SKU-1', 'AMZ-SKU-2'], 100)
  const token = (
    (await fetch(`${sim.url}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s',
    }).then((r) => r.json())) as { access_token: string }
  ).access_token
  const get = (pathAndQuery: string) =>
    json(`${sim.url}${pathAndQuery}`, 'GET', undefined, { 'x-amz-access-token': token })
  return { sim, clock, get }
}

describe('Amazon Orders API v0', () => {
  it('the model loads and the check is not vacuous', () => {
    expect(check('GetOrdersResponse', { payload: { Orders: [{ AmazonOrderId: 'x' }] } })).not.toBe('valid')
  })

  it('getOrders pages with NextToken, answers GetOrdersResponse, and orders age from Pending to Unshipped (an update)', async () => {
    const { sim, clock, get } = await setup()
    const since = new Date(clock.now() - 1_000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'AMZ-SKU-1', quantity: 1 })).body.orderId)
      clock.advance(1_000)
    }
    expect(ids[0]).toMatch(/^\d{3}-\d{7}-\d{7}$/)
    const seen: string[] = []
    let next: string | undefined
    let pages = 0
    do {
      const query = next
        ? `NextToken=${encodeURIComponent(next)}&MarketplaceIds=${MARKETPLACE}`
        : `MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=${since}&MaxResultsPerPage=2`
      const response = await get(`/orders/v0/orders?${query}`)
      expect(response.status).toBe(200)
      expect(check('GetOrdersResponse', response.body)).toBe('valid')
      expect(response.headers.get('x-amzn-ratelimit-limit')).toBe('1')
      expect(response.body.payload.LastUpdatedBefore).toBe(new Date(clock.now()).toISOString())
      for (const order of response.body.payload.Orders) {
        expect(order.OrderStatus).toBe('Pending')
        expect(order.OrderTotal).toBeUndefined()
        seen.push(order.AmazonOrderId)
      }
      next = response.body.payload.NextToken
      pages++
    } while (next)
    expect(pages).toBe(3)
    expect(seen).toEqual(ids)

    // A minute later payment is authorised: the orders are Unshipped and count as updated then.
    clock.advance(60_000)
    const later = new Date(clock.now() - 5_000).toISOString()
    const aged = await get(
      `/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=${encodeURIComponent(later)}`,
    )
    expect(check('GetOrdersResponse', aged.body)).toBe('valid')
    expect(aged.body.payload.Orders.map((o: any) => o.OrderStatus)).toEqual([
      'Unshipped',
      'Unshipped',
      'Unshipped',
      'Unshipped',
      'Unshipped',
    ])
    expect(aged.body.payload.Orders[0].OrderTotal).toMatchObject({ CurrencyCode: 'USD' })
  })

  it('getOrderItems shows QuantityOrdered going down on a partial cancel, QuantityShipped, and pages with NextToken', async () => {
    const { sim, clock, get } = await setup({ orderItemsPageSize: 1 })
    const orderId = (
      await json(`${sim.url}/_sim/buy`, 'POST', {
        lines: [
          { sku: 'AMZ-SKU-1', quantity: 3 },
          { sku: 'AMZ-SKU-2', quantity: 2 },
        ],
      })
    ).body.orderId
    clock.advance(61_000)
    const first = await get(`/orders/v0/orders/${orderId}/orderItems`)
    expect(check('GetOrderItemsResponse', first.body)).toBe('valid')
    expect(first.headers.get('x-amzn-ratelimit-limit')).toBe('10')
    const [item] = first.body.payload.OrderItems
    expect(item).toMatchObject({ SellerSKU: 'AMZ-SKU-1', QuantityOrdered: 3, QuantityShipped: 0 })
    expect(item.OrderItemId).toMatch(/^\d{14}$/)
    const second = await get(
      `/orders/v0/orders/${orderId}/orderItems?NextToken=${encodeURIComponent(first.body.payload.NextToken)}`,
    )
    expect(check('GetOrderItemsResponse', second.body)).toBe('valid')
    expect(second.body.payload.OrderItems[0]).toMatchObject({ SellerSKU: 'AMZ-SKU-2', QuantityOrdered: 2 })
    expect(second.body.payload.NextToken).toBeUndefined()

    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId, lines: [{ lineId: item.OrderItemId, quantity: 1 }] })
    await json(`${sim.url}/_sim/ship`, 'POST', { orderId, lines: [{ lineId: item.OrderItemId, quantity: 2 }] })
    const after = await get(`/orders/v0/orders/${orderId}/orderItems`)
    expect(after.body.payload.OrderItems[0]).toMatchObject({ QuantityOrdered: 2, QuantityShipped: 2 })
    const orders = await get(`/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`)
    expect(orders.body.payload.Orders[0].OrderStatus).toBe('PartiallyShipped')
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId })
    const cancelled = await get(`/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`)
    // Shipped units cannot be cancelled: the rest is, and the order counts as shipped.
    expect(cancelled.body.payload.Orders[0].OrderStatus).toBe('Shipped')
    const whole = (await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'AMZ-SKU-2', quantity: 1 })).body.orderId
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: whole })
    const all = await get(`/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`)
    expect(check('GetOrdersResponse', all.body)).toBe('valid')
    expect(all.body.payload.Orders.find((o: any) => o.AmazonOrderId === whole).OrderStatus).toBe('Canceled')
    // A cancelled order's items keep what was ordered: polled first after the cancel, the sale and
    // its cancellation are both still there for intake to see.
    const wholeItems = await get(`/orders/v0/orders/${whole}/orderItems`)
    expect(check('GetOrderItemsResponse', wholeItems.body)).toBe('valid')
    expect(wholeItems.body.payload.OrderItems[0]).toMatchObject({ QuantityOrdered: 1, QuantityShipped: 0 })
    expect((await get('/orders/v0/orders/111-0000000-0000000/orderItems')).status).toBe(404)
  })

  it("refuses bad requests in Amazon's error shape", async () => {
    const { clock, get } = await setup()
    const cases: Array<[string, RegExp]> = [
      [`LastUpdatedAfter=2026-12-01T00:00:00Z`, /MarketplaceIds/],
      [`MarketplaceIds=${MARKETPLACE}`, /Either CreatedAfter or LastUpdatedAfter/],
      [
        `MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z&LastUpdatedAfter=2026-12-01T00:00:00Z`,
        /cannot be set/,
      ],
      [`MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=${new Date(clock.now() + 3_600_000).toISOString()}`, /future/],
      [`MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=yesterday`, /ISO 8601/],
      [
        `MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=2026-12-01T00:00:00Z&LastUpdatedBefore=${new Date(clock.now() - 60_000).toISOString()}`,
        /two minutes/,
      ],
      [
        `MarketplaceIds=${MARKETPLACE}&LastUpdatedAfter=2026-12-01T00:00:00Z&MaxResultsPerPage=101`,
        /MaxResultsPerPage/,
      ],
      [`MarketplaceIds=${MARKETPLACE}&NextToken=garbage`, /NextToken/],
    ]
    for (const [query, message] of cases) {
      const response = await get(`/orders/v0/orders?${query}`)
      expect(response.status, query).toBe(400)
      expect(check('GetOrdersResponse', response.body), query).toBe('valid')
      expect(response.body.errors[0].code).toBe('InvalidInput')
      expect(response.body.errors[0].message, query).toMatch(message)
    }
  })

  it('needs a valid LWA access token and throttles getOrders beyond its burst with 429 and x-amzn-RateLimit-Limit', async () => {
    const { sim, get } = await setup({ plan: 'realistic', latencyMs: 0 })
    const noToken = await json(
      `${sim.url}/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`,
    )
    expect(noToken.status).toBe(403)
    expect(check('GetOrdersResponse', noToken.body)).toBe('valid')
    const statuses: number[] = []
    for (let i = 0; i < 21; i++)
      statuses.push(
        (await get(`/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`)).status,
      )
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200))
    const throttled = await get(`/orders/v0/orders?MarketplaceIds=${MARKETPLACE}&CreatedAfter=2026-12-01T00:00:00Z`)
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('x-amzn-ratelimit-limit')).toBe('0.0167')
    expect(check('GetOrdersResponse', throttled.body)).toBe('valid')
    expect(throttled.body.errors[0].code).toBe('QuotaExceeded')
    // getOrderItems has its own plan (burst 30), untouched by getOrders.
    expect((await get('/orders/v0/orders/111-0000000-0000000/orderItems')).headers.get('x-amzn-ratelimit-limit')).toBe(
      '0.5',
    )
  })
})
