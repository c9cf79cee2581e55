// The Walmart simulator's GET /v3/orders against Walmart's own OpenAPI description
// (test/fixtures/specs/walmart/orders.json): answers validate as PurchaseOrderTypeV3, paging follows
// meta.nextCursor, line statuses carry the cumulative cancelled / shipped units, and the call needs
// Walmart's token and headers. Real HTTP.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv } from 'ajv'
import { afterEach, describe, expect, it } from 'vitest'
import { WalmartSimulator } from '../../../simulators/walmart'
import { fakeClock } from '../channels/support'
import { json } from './support'

const spec = JSON.parse(
  fs.readFileSync(path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'walmart', 'orders.json'), 'utf8'),
)
// The downloaded description points GetOrderResponseRecord.orderLines at RefundLinesType (every line
// would need `refunds`), while its own example of this very response, and Walmart's documentation,
// carry OrderLinesType lines (lineNumber, item, charges, orderLineQuantity, orderLineStatuses).
// Validate against OrderLinesType, and prove the fix by validating the spec's example below.
spec.components.schemas.GetOrderResponseRecord.properties.orderLines = { $ref: '#/components/schemas/OrderLinesType' }
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'wm', components: spec.components })
const check = (name: string, value: unknown) => {
  const validate = ajv.getSchema(`wm#/components/schemas/${name}`)!
  return validate(value) ? 'valid' : ajv.errorsText(validate.errors)
}

const open: WalmartSimulator[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function setup(plan: 'demo' | 'realistic' = 'demo') {
  const clock = fakeClock(Date.UTC(2026, 11, 2, 9, 0, 0))
  const sim = new WalmartSimulator({ plan, seed: 9, latencyMs: 0, now: clock.now })
  open.push(sim)
  await sim.start()
  sim.seed(['WM-SKU-1', 'WM-SKU-2'], 100)
  const token = (
    (await fetch(`${sim.url}/v3/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('id:secret').toString('base64')}`,
        'wm_qos.correlation_id': 'c',
        'wm_svc.name': 'Walmart Marketplace',
      },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json())) as { access_token: string }
  ).access_token
  const get = (pathAndQuery: string) =>
    json(`${sim.url}${pathAndQuery}`, 'GET', undefined, {
      'wm_sec.access_token': token,
      'wm_qos.correlation_id': 'test-1',
      'wm_svc.name': 'Walmart Marketplace',
      accept: 'application/json',
    })
  return { sim, clock, get }
}

describe('Walmart GET /v3/orders', () => {
  it("the schema (with the orderLines fix) accepts Walmart's own example and is not vacuous", () => {
    const example = spec.paths['/v3/orders'].get.responses['200'].content['application/json'].example
    expect(check('PurchaseOrderTypeV3', example)).toBe('valid')
    expect(
      check('PurchaseOrderTypeV3', { list: { meta: {}, elements: { order: [{ purchaseOrderId: '1' }] } } }),
    ).not.toBe('valid')
  })

  it('pages with nextCursor and shows line statuses with cumulative Cancelled and Shipped amounts', async () => {
    const { sim, clock, get } = await setup()
    const since = new Date(clock.now() - 1_000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await json(`${sim.url}/_sim/buy`, 'POST', {
            lines: [
              { sku: 'WM-SKU-1', quantity: 3 },
              { sku: 'WM-SKU-2', quantity: 1 },
            ],
          })
        ).body.orderId,
      )
      clock.advance(1_000)
    }
    expect(ids[0]).toMatch(/^\d{13}$/)
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: ids[0], lines: [{ lineId: '1', quantity: 1 }] })
    await json(`${sim.url}/_sim/ship`, 'POST', { orderId: ids[0], lines: [{ lineId: '1', quantity: 1 }] })
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const response = await get(
        cursor ? `/v3/orders${cursor}` : `/v3/orders?lastModifiedStartDate=${encodeURIComponent(since)}&limit=2`,
      )
      expect(response.status).toBe(200)
      expect(check('PurchaseOrderTypeV3', response.body)).toBe('valid')
      expect(response.body.list.meta).toMatchObject({ totalCount: pages === 0 ? 5 : expect.any(Number), limit: 2 })
      seen.push(...response.body.list.elements.order.map((o: any) => o.purchaseOrderId))
      cursor = response.body.list.meta.nextCursor
      if (cursor) expect(cursor).toMatch(/^\?limit=2&hasMoreElements=true&soIndex=\d+&poIndex=\d+/)
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    // lastModified order: the first order changed last.
    expect(seen).toEqual([...ids.slice(1), ids[0]])

    const one = await get(`/v3/orders?purchaseOrderId=${ids[0]}&createdStartDate=2026-12-01`)
    const line = one.body.list.elements.order[0].orderLines.orderLine[0]
    expect(line.orderLineQuantity).toEqual({ unitOfMeasurement: 'EACH', amount: '3' })
    const byStatus = Object.fromEntries(
      line.orderLineStatuses.orderLineStatus.map((s: any) => [s.status, Number(s.statusQuantity.amount)]),
    )
    expect(byStatus).toEqual({ Created: 1, Shipped: 1, Cancelled: 1 })
    expect(sim.quantity('WM-SKU-1')).toBe(100 - 15 + 1)
  })

  it("needs Walmart's token and headers, refuses bad parameters, and has its own rate limit", async () => {
    const { sim, get } = await setup('realistic')
    expect((await json(`${sim.url}/v3/orders`)).status).toBe(401)
    for (const query of ['limit=201', 'createdStartDate=yesterday', 'status=Lost', 'hasMoreElements=true&soIndex=x']) {
      const response = await get(`/v3/orders?${query}`)
      expect(response.status, query).toBe(400)
      expect(response.body.errors[0].code).toBe('INVALID_REQUEST_PARAM.GMP_ORDER_API')
    }
    const ok = await get('/v3/orders?createdStartDate=2026-12-01')
    expect(ok.status).toBe(200)
    expect(Number(ok.headers.get('x-current-token-count'))).toBeGreaterThan(4_000)
    sim.configure({ throttle: { ordersBurst: 2, ordersRatePerSecond: 0.001 } })
    expect((await get('/v3/orders?createdStartDate=2026-12-01')).status).toBe(200)
    expect((await get('/v3/orders?createdStartDate=2026-12-01')).status).toBe(200)
    const throttled = await get('/v3/orders?createdStartDate=2026-12-01')
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})
