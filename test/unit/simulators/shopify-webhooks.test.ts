// The Shopify simulator tells its subscribers about orders the way Shopify does
// (shopify.dev/docs/apps/build/webhooks; "Updates to webhook retry mechanism", 2024-09-10):
// orders/create, orders/updated (on every change), orders/cancelled, orders/fulfilled with the REST
// Order payload; X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body with the app's
// secret; a delivery without a 2xx is retried with the same X-Shopify-Webhook-Id and payload;
// duplicates and out-of-order deliveries happen (here on seeded knobs). Over real HTTP to a real
// receiving server.
import { createHmac, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ShopifySimulator } from '../../../simulators/shopify'
import { fakeClock, waitFor } from '../channels/support'
import { json, startReceiver, type Receiver } from './support'

const SECRET = 'shpss_test_app_secret'
const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function setup(options: ConstructorParameters<typeof ShopifySimulator>[0] = {}, receiver?: Receiver) {
  const seller = receiver ?? (await startReceiver())
  if (!receiver) open.push(seller)
  const sim = new ShopifySimulator({
    plan: 'demo',
    seed: 11,
    latencyMs: 0,
    ...options,
    webhookKnobs: { webhookRetryUnitMs: 20, webhookRetryScale: 1, webhookConcurrency: 1, ...options.webhookKnobs },
  })
  open.push(sim)
  await sim.start()
  sim.seed(['SKU-A', 'SKU-B'], 50)
  return { sim, seller }
}

const topicsOf = (r: Receiver) => r.received.map((d) => d.headers['x-shopify-topic'])
const verifies = (rawBody: string, hmac: string | string[] | undefined, secret = SECRET) => {
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest()
  const given = Buffer.from(String(hmac), 'base64')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

// The REST Order fields Shopify documents for order webhooks (shopify.dev/docs/api/admin-rest/latest/resources/order,
// "The Order resource"), limited to what a stock integration reads, and per line item / refund / fulfillment.
const ORDER_FIELDS = [
  'id',
  'admin_graphql_api_id',
  'name',
  'created_at',
  'updated_at',
  'cancelled_at',
  'cancel_reason',
  'financial_status',
  'fulfillment_status',
  'currency',
  'line_items',
  'refunds',
  'fulfillments',
]
const LINE_ITEM_FIELDS = [
  'id',
  'variant_id',
  'product_id',
  'sku',
  'quantity',
  'current_quantity',
  'fulfillable_quantity',
  'fulfillment_status',
  'price',
]
const REFUND_FIELDS = ['id', 'created_at', 'refund_line_items']
const REFUND_LINE_FIELDS = ['id', 'line_item_id', 'quantity', 'restock_type']
const FULFILLMENT_FIELDS = ['id', 'created_at', 'status', 'line_items']
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

describe('Shopify order webhooks', () => {
  it('sends each topic with Shopify headers, an HMAC over the raw body, and the REST Order payload', async () => {
    const { sim, seller } = await setup()
    sim.subscribe({ url: `${(await Promise.resolve(seller)).url}/hooks`, secret: SECRET })
    const { body: bought } = await json(`${sim.url}/_sim/buy`, 'POST', {
      lines: [
        { sku: 'SKU-A', quantity: 3 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    })
    await waitFor(() => seller.received.length === 2, { what: 'orders/create + orders/updated' })
    expect(topicsOf(seller)).toEqual(['orders/create', 'orders/updated'])
    const first = seller.received[0]!
    expect(first.headers['x-shopify-shop-domain']).toBe('stocktower-demo.myshopify.com')
    expect(first.headers['x-shopify-api-version']).toMatch(/^\d{4}-\d{2}$/)
    expect(first.headers['x-shopify-webhook-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(first.headers['x-shopify-event-id']).toBe(seller.received[1]!.headers['x-shopify-event-id'])
    expect(first.headers['x-shopify-webhook-id']).not.toBe(seller.received[1]!.headers['x-shopify-webhook-id'])
    expect(first.headers['x-shopify-triggered-at']).toMatch(ISO)
    expect(verifies(first.rawBody, first.headers['x-shopify-hmac-sha256'])).toBe(true)
    // A body changed by one byte does not verify (the check is not vacuous).
    expect(
      verifies(first.rawBody.replace('"quantity":3', '"quantity":4'), first.headers['x-shopify-hmac-sha256']),
    ).toBe(false)

    const order = JSON.parse(first.rawBody)
    for (const field of ORDER_FIELDS) expect(order, field).toHaveProperty(field)
    for (const field of LINE_ITEM_FIELDS) expect(order.line_items[0], field).toHaveProperty(field)
    expect(String(order.id)).toBe(bought.orderId)
    expect(order.admin_graphql_api_id).toBe(`gid://shopify/Order/${order.id}`)
    expect(order.created_at).toMatch(ISO)
    expect(typeof order.line_items[0].price).toBe('string')
    expect(order.line_items.map((l: any) => [l.sku, l.quantity, l.current_quantity, l.fulfillable_quantity])).toEqual([
      ['SKU-A', 3, 3, 3],
      ['SKU-B', 1, 1, 1],
    ])

    // Cancel one unit of line 1 (partial: orders/updated only), ship the rest, then nothing is open.
    const lineA = String(order.line_items[0].id)
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: bought.orderId, lines: [{ lineId: lineA, quantity: 1 }] })
    await waitFor(() => seller.received.length === 3, { what: 'orders/updated after a partial cancel' })
    expect(topicsOf(seller)[2]).toBe('orders/updated')
    const afterCancel = JSON.parse(seller.received[2]!.rawBody)
    for (const field of REFUND_FIELDS) expect(afterCancel.refunds[0], field).toHaveProperty(field)
    for (const field of REFUND_LINE_FIELDS)
      expect(afterCancel.refunds[0].refund_line_items[0], field).toHaveProperty(field)
    expect(afterCancel.line_items[0]).toMatchObject({ quantity: 3, current_quantity: 2, fulfillable_quantity: 2 })
    expect(afterCancel.financial_status).toBe('partially_refunded')

    await json(`${sim.url}/_sim/ship`, 'POST', { orderId: bought.orderId })
    await waitFor(() => seller.received.length === 5, { what: 'orders/fulfilled + orders/updated' })
    expect(topicsOf(seller).slice(3)).toEqual(['orders/fulfilled', 'orders/updated'])
    const shipped = JSON.parse(seller.received[4]!.rawBody)
    for (const field of FULFILLMENT_FIELDS) expect(shipped.fulfillments[0], field).toHaveProperty(field)
    expect(shipped.fulfillment_status).toBe('fulfilled')
    // Intake's cumulative reading: cancelled = quantity - current_quantity, shipped = quantity - fulfillable - cancelled.
    const l = shipped.line_items[0]
    expect([
      l.quantity - l.current_quantity,
      l.quantity - l.fulfillable_quantity - (l.quantity - l.current_quantity),
    ]).toEqual([1, 2])
  })

  it('sends orders/cancelled when the whole order is cancelled', async () => {
    const { sim, seller } = await setup()
    sim.subscribe({ url: seller.url, secret: SECRET, topics: ['orders/cancelled'] })
    const { body } = await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-A', quantity: 2 })
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: body.orderId })
    await waitFor(() => seller.received.length === 1, { what: 'orders/cancelled' })
    const order = JSON.parse(seller.received[0]!.rawBody)
    expect(order.cancelled_at).toMatch(ISO)
    expect(order.cancel_reason).toBe('customer')
    expect(order.line_items[0]).toMatchObject({ quantity: 2, current_quantity: 0, fulfillable_quantity: 0 })
  })

  it('retries after a 500 and a refused connection with the same webhook id and body, and never after a 2xx', async () => {
    const { sim, seller } = await setup()
    sim.subscribe({ url: seller.url, secret: SECRET, topics: ['orders/create'] })
    seller.answers.push(500, 503)
    await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-A', quantity: 1 })
    await waitFor(() => seller.received.length === 3, { what: 'two failures then a success' })
    expect(seller.received.map((d) => d.status)).toEqual([500, 503, 200])
    expect(new Set(seller.received.map((d) => d.headers['x-shopify-webhook-id'])).size).toBe(1)
    expect(new Set(seller.received.map((d) => d.rawBody)).size).toBe(1)
    expect(new Set(seller.received.map((d) => d.headers['x-shopify-triggered-at'])).size).toBe(1)
    await waitFor(() => sim.webhooks.pending().length === 0, { what: 'the queue to empty' })
    const state = (await json(`${sim.url}/_sim/state`)).body
    expect(state.webhooks).toMatchObject({ delivered: 1, retries: 2, failedAttempts: 2, pending: 0 })
    // A later order is delivered once: the delivered one is not sent again.
    await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-B', quantity: 1 })
    await waitFor(() => seller.received.length === 4, { what: 'the next order' })
    expect(seller.received.filter((d) => d.rawBody === seller.received[0]!.rawBody)).toHaveLength(3)
    expect(sim.webhooks.counters.delivered).toBe(2)
  })

  it('follows an 8-retry exponential schedule over about four hours at scale 1', () => {
    const sim = new ShopifySimulator({ plan: 'realistic' })
    const delays = Array.from({ length: 8 }, (_, i) => sim.webhooks.retryDelayMs(i + 1))
    expect(delays[1]! / delays[0]!).toBe(2)
    const totalHours = delays.reduce((a, b) => a + b, 0) / 3_600_000
    expect(totalHours).toBeGreaterThan(3.5)
    expect(totalHours).toBeLessThan(4.5)
    expect(sim.webhooks.config.webhookMaxRetries).toBe(8)
    expect(sim.webhooks.config.webhookTimeoutMs).toBe(5_000)
    // A shop's deliveries go out several at a time (Shopify promises no order).
    expect(sim.webhooks.config.webhookConcurrency).toBeGreaterThan(1)
  })

  it('gives up after the last retry and counts it', async () => {
    const { sim, seller } = await setup({ webhookKnobs: { webhookMaxRetries: 2 } })
    sim.subscribe({ url: seller.url, secret: SECRET, topics: ['orders/create'] })
    seller.answers.push(500, 500, 500, 500)
    await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-A', quantity: 1 })
    await waitFor(() => sim.webhooks.counters.abandoned === 1, { what: 'abandonment' })
    expect(seller.received).toHaveLength(3)
    expect(sim.webhooks.pending()).toHaveLength(0)
  })

  it('injects duplicates (same webhook id) and out-of-order deliveries from a fixed seed, identically on every run', async () => {
    const run = async () => {
      // The outbox runs on the simulator's clock: advancing it step by step makes the sequence exact.
      const clock = fakeClock()
      const { sim, seller } = await setup({
        seed: 5,
        now: clock.now,
        webhookKnobs: {
          webhookDelayMs: 10,
          webhookDuplicateRate: 0.5,
          webhookReorderRate: 0.4,
          webhookReorderDelayMs: 60,
        },
      })
      sim.subscribe({ url: seller.url, secret: SECRET, topics: ['orders/create'] })
      const ids: string[] = []
      for (let i = 0; i < 8; i++)
        ids.push((await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-A', quantity: 1 })).body.orderId)
      while (sim.webhooks.pending().length > 0) {
        clock.advance(10)
        await waitFor(
          () => sim.webhooks.status().inFlight === 0 && sim.webhooks.pending().every((d) => d.dueAt > clock.now()),
          { what: 'the due deliveries' },
        )
      }
      return {
        ids,
        sequence: seller.received.map((d) => `${JSON.parse(d.rawBody).id}:${d.headers['x-shopify-webhook-id']}`),
        counters: { ...sim.webhooks.counters },
      }
    }
    const a = await run()
    expect(a.counters.duplicatesInjected).toBeGreaterThan(0)
    expect(a.counters.reordered).toBeGreaterThan(0)
    const orderIds = a.sequence.map((entry) => entry.split(':')[0]!)
    const webhookIds = a.sequence.map((entry) => entry.split(':')[1]!)
    // Every order arrived; some twice with the same webhook id; not in the order they were placed.
    expect(new Set(orderIds)).toEqual(new Set(a.ids))
    expect(webhookIds.length - new Set(webhookIds).size).toBe(a.counters.duplicatesInjected)
    expect([...new Set(orderIds)]).not.toEqual(a.ids)
    const b = await run()
    expect(b.counters).toEqual(a.counters)
    expect(b.sequence.map((entry) => entry.split(':')[0])).toEqual(orderIds)
  })

  it('keeps pending deliveries in the state file and resumes them after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopify-webhooks-'))
    const stateFile = path.join(dir, 'shopify.json')
    const seller = await startReceiver()
    open.push(seller)
    const port = Number(new URL(seller.url).port)
    await seller.close()
    open.pop()
    // The seller is down: the delivery fails (connection refused) and waits for its retry.
    const first = new ShopifySimulator({
      plan: 'demo',
      seed: 2,
      latencyMs: 0,
      stateFile,
      webhookKnobs: { webhookRetryUnitMs: 200, webhookRetryScale: 1, webhookConcurrency: 1 },
    })
    await first.start()
    first.seed(['SKU-A'], 5)
    first.subscribe({ url: seller.url, secret: SECRET, topics: ['orders/create'] })
    const { body } = await json(`${first.url}/_sim/buy`, 'POST', { sku: 'SKU-A', quantity: 1 })
    await waitFor(() => first.webhooks.counters.failedAttempts >= 1, { what: 'a refused attempt' })
    expect(first.webhooks.attemptLog[0]!.outcome).toBe('ECONNREFUSED')
    await first.close()

    const back = await startReceiver(port)
    open.push(back)
    const second = new ShopifySimulator({
      plan: 'demo',
      seed: 2,
      latencyMs: 0,
      stateFile,
      webhookKnobs: { webhookConcurrency: 1 },
    })
    open.push(second)
    await second.start()
    expect(second.webhooks.pending()).toHaveLength(1)
    await waitFor(() => back.received.length === 1, { what: 'the resumed delivery', timeoutMs: 5_000 })
    expect(String(JSON.parse(back.received[0]!.rawBody).id)).toBe(body.orderId)
    expect(second.webhookSubscriptions()).toHaveLength(1)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('subscribes through POST /_sim/webhooks and lists subscriptions without secrets', async () => {
    const { sim, seller } = await setup()
    const made = await json(`${sim.url}/_sim/webhooks`, 'POST', {
      url: `${seller.url}/api/v1/channels/shopify/webhooks`,
      secret: SECRET,
    })
    expect(made.status).toBe(201)
    expect(made.body.subscriptions.map((s: any) => s.topic)).toEqual([
      'orders/create',
      'orders/updated',
      'orders/cancelled',
      'orders/fulfilled',
    ])
    expect(JSON.stringify((await json(`${sim.url}/_sim/webhooks`)).body)).not.toContain(SECRET)
    expect((await json(`${sim.url}/_sim/webhooks`, 'POST', { url: 'not a url' })).status).toBe(400)
    // The same subscription again is not doubled.
    await json(`${sim.url}/_sim/webhooks`, 'POST', {
      url: `${seller.url}/api/v1/channels/shopify/webhooks`,
      secret: SECRET,
    })
    expect(sim.webhookSubscriptions()).toHaveLength(4)
  })
})
