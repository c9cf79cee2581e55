// Native order intake through marketplace webhooks, over real HTTP against the real route handler
// and a real PostgreSQL: Shopify's REST order payloads signed with X-Shopify-Hmac-Sha256 over the
// raw bytes, the B2B portal's signed order webhook. The test plays the marketplace (allowed: a
// test may fake a remote marketplace); the stored message is processed by the job's own function.
import crypto from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { startRouteServer, type RouteServer } from './helpers/route-server'
import { makeChannel, makeListing, makeLocation, makeSku, receipt, saveRules } from '../support/factories'
import { RuleSetSchema } from '../../server/rules/rules.schema'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { encryptCredentials } from '../../server/channels/credentials'
import { signatureHeaders } from '../../server/channels/b2b/signature'
import { processNativeMessage } from '../../server/orders/native-message'
import { replayIngestDeadLetters } from '../../server/dead-letters/replay-ingest'
import { SYSTEM_ACTOR } from '../../server/audit/record-audit'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parse, validate, getOperationAST, getVariableValues } from 'graphql'
import { shopifyAdminSchema } from '../../simulators/core/shopify-admin-schema'
import { pollChannelOrders } from '../../server/orders/poll-orders'

let t: TestDatabase
let db: PrismaClient
let server: RouteServer
const SECRET = 'shpss_test_app_secret'
const B2B_SECRET = 'b2b-portal-secret'

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  await saveRules(
    db,
    RuleSetSchema.parse({
      defaults: { safetyStock: { units: 0 } },
      channels: {
        shopify: { priority: 1, share: { type: 'shared' } },
        b2b: { priority: 2, share: { type: 'shared' } },
      },
    }),
  )
  await makeLocation(db, 'DC-EAST')
  const shop = await makeChannel(db, 'shopify', {
    credentialsEnc: encryptCredentials({ accessToken: 'shpat_x', webhookSecret: SECRET }),
  })
  const b2b = await makeChannel(db, 'b2b', { credentialsEnc: encryptCredentials({ signingSecret: B2B_SECRET }) })
  for (const code of ['SKU-A', 'SKU-B']) {
    const s = await makeSku(db, code, { priceCents: 1000 })
    await makeListing(db, shop.id, s.id, `SH-${code}`)
    await makeListing(db, b2b.id, s.id, `B2B-${code}`)
  }
  const kit = await makeSku(db, 'KIT-1', { isKit: true })
  const [a, b] = await Promise.all(['SKU-A', 'SKU-B'].map((c) => db.sku.findUniqueOrThrow({ where: { code: c } })))
  await db.kitComponent.createMany({
    data: [
      { kitSkuId: kit.id, componentSkuId: a.id, quantity: 2 },
      { kitSkuId: kit.id, componentSkuId: b.id, quantity: 1 },
    ],
  })
  await makeListing(db, shop.id, kit.id, 'SH-KIT-1')
  await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp',
      events: [receipt('r1', 'SKU-A', 'DC-EAST', 50), receipt('r2', 'SKU-B', 'DC-EAST', 50)],
    }),
  })
  server = await startRouteServer(path.resolve(__dirname, '..', '..', 'app'), ['v1'])
}, 120_000)
afterAll(async () => {
  await server?.close()
  await t?.drop()
})

const position = async (sku: string) =>
  db.position.findFirstOrThrow({ where: { sku: { code: sku }, location: { code: 'DC-EAST' } } })

/** Shopify's REST Order, as its order webhooks carry it. */
function shopifyOrder(
  id: number,
  updatedAt: string,
  lines: Array<{ id: number; sku: string; quantity: number; current?: number; fulfillable?: number }>,
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    created_at: '2026-12-02T10:00:00Z',
    updated_at: updatedAt,
    cancelled_at: null,
    cancel_reason: null,
    financial_status: 'paid',
    fulfillment_status: null,
    currency: 'USD',
    line_items: lines.map((l) => ({
      id: l.id,
      variant_id: l.id + 1000,
      product_id: l.id + 2000,
      sku: l.sku,
      quantity: l.quantity,
      current_quantity: l.current ?? l.quantity,
      fulfillable_quantity: l.fulfillable ?? l.current ?? l.quantity,
      fulfillment_status: null,
      price: '10.00',
    })),
    refunds: [],
    fulfillments: [],
    ...extra,
  }
}

let deliveries = 0
async function deliverShopify(topic: string, order: unknown, opts: { webhookId?: string; secret?: string } = {}) {
  const body = JSON.stringify(order)
  const webhookId = opts.webhookId ?? `wh-${++deliveries}`
  const res = await fetch(`${server.url}/api/v1/channels/shopify/webhooks`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-event-id': `ev-${webhookId}`,
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-shop-domain': 'demo.myshopify.com',
      'x-shopify-api-version': '2026-04',
      'x-shopify-hmac-sha256': crypto
        .createHmac('sha256', opts.secret ?? SECRET)
        .update(Buffer.from(body))
        .digest('base64'),
    },
  })
  return {
    status: res.status,
    body: (await res.json()) as { messageId?: string; duplicate?: boolean; error?: { code: string } },
  }
}
const runJob = async (messageId: string | undefined) => processNativeMessage(db, messageId!)

describe('Shopify order webhooks', () => {
  it('a delivery retried and news out of order: reserved exactly once, the final state right', async () => {
    const created = shopifyOrder(5001, '2026-12-02T10:00:00Z', [{ id: 1, sku: 'SH-SKU-A', quantity: 3 }])
    const partlyCancelled = shopifyOrder(5001, '2026-12-02T10:05:00Z', [
      { id: 1, sku: 'SH-SKU-A', quantity: 3, current: 2 },
    ])
    // The update (1 unit cancelled) arrives first; the creation arrives late and twice (a retry with the same id).
    const u = await deliverShopify('orders/updated', partlyCancelled)
    expect(u.status).toBe(200)
    const c1 = await deliverShopify('orders/create', created, { webhookId: 'wh-create-5001' })
    const c2 = await deliverShopify('orders/create', created, { webhookId: 'wh-create-5001' })
    expect(c2.body.duplicate).toBe(true)
    await runJob(u.body.messageId)
    await runJob(c1.body.messageId)
    expect(await runJob(c2.body.messageId)).toBeNull() // a retry is stored, acknowledged, never processed
    expect((await position('SKU-A')).reserved).toBe(2)
    // The sale moved Shopify's own number: reconciliation is asked to read the listing first.
    const listed = await db.channelListing.findFirstOrThrow({ where: { externalSku: 'SH-SKU-A' } })
    expect(listed.readBackDueAt).not.toBeNull()
    const line = await db.nativeOrderLine.findUniqueOrThrow({
      where: {
        channelId_orderId_lineId: {
          channelId: (await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })).id,
          orderId: '5001',
          lineId: '1',
        },
      },
    })
    expect(line).toMatchObject({ quantity: 3, cancelledQuantity: 1, shippedQuantity: 0 })
    expect(line.orderedAt.toISOString()).toBe('2026-12-02T10:00:00.000Z')
    // The order event carries the marketplace's time.
    const ev = await db.channelOrderEvent.findFirstOrThrow({ where: { orderId: '5001', status: 'created' } })
    expect(ev.occurredAt.toISOString()).toBe('2026-12-02T10:00:00.000Z')
    expect(ev.idempotencyKey).toBe('evt:native:5001:1:created')
    // A full cancel later, then fulfilled news that is older: the cancel releases the rest, nothing ships.
    const cancelled = shopifyOrder(
      5001,
      '2026-12-02T10:10:00Z',
      [{ id: 1, sku: 'SH-SKU-A', quantity: 3, current: 0, fulfillable: 0 }],
      { cancelled_at: '2026-12-02T10:10:00Z' },
    )
    await runJob((await deliverShopify('orders/cancelled', cancelled)).body.messageId)
    await runJob((await deliverShopify('orders/updated', partlyCancelled)).body.messageId)
    expect((await position('SKU-A')).reserved).toBe(0)
    expect((await position('SKU-A')).onHand).toBe(50)
    const intake = await db.channelOrderIntake.findFirstOrThrow({
      where: { path: 'webhook', channelId: line.channelId },
    })
    expect(intake.deliveries).toBeGreaterThanOrEqual(5)
    expect(intake.lastSuccessAt).not.toBeNull()
  })

  it('a partial fulfilment ships what was fulfilled; a kit reserves its components', async () => {
    const before = await position('SKU-A')
    const order = shopifyOrder(5002, '2026-12-02T11:00:00Z', [
      { id: 7, sku: 'SH-SKU-A', quantity: 4 },
      { id: 8, sku: 'SH-KIT-1', quantity: 2 },
    ])
    await runJob((await deliverShopify('orders/create', order)).body.messageId)
    expect((await position('SKU-A')).reserved).toBe(before.reserved + 4 + 4)
    expect((await position('SKU-B')).reserved).toBe(2)
    const fulfilled = shopifyOrder(5002, '2026-12-02T11:30:00Z', [
      { id: 7, sku: 'SH-SKU-A', quantity: 4, fulfillable: 1 },
      { id: 8, sku: 'SH-KIT-1', quantity: 2 },
    ])
    await runJob((await deliverShopify('orders/fulfilled', fulfilled)).body.messageId)
    const a = await position('SKU-A')
    expect(a.onHand).toBe(before.onHand - 3)
    expect(a.reserved).toBe(before.reserved + 1 + 4)
  })

  it('a bad signature: 401, and the delivery kept as a dead letter with its reason', async () => {
    const r = await deliverShopify(
      'orders/create',
      shopifyOrder(5003, '2026-12-02T12:00:00Z', [{ id: 9, sku: 'SH-SKU-A', quantity: 1 }]),
      { secret: 'not-the-secret' },
    )
    expect(r.status).toBe(401)
    expect(r.body.error?.code).toBe('BAD_WEBHOOK_SIGNATURE')
    const letter = await db.deadLetter.findFirstOrThrow({
      where: { source: 'native:shopify', code: 'BAD_WEBHOOK_SIGNATURE' },
    })
    expect(letter.reason).toMatch(/X-Shopify-Hmac-Sha256/)
    const message = await db.inboundMessage.findUniqueOrThrow({ where: { id: letter.inboundMessageId! } })
    expect(message.body).toContain('"id":5003')
    expect(await db.nativeOrderLine.count({ where: { orderId: '5003' } })).toBe(0)
    const replay = await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)
    expect(replay.notReplayable).toHaveLength(1)
  })

  it('an unknown channel is 404; a poison payload is 200, a dead letter, and replays once fixed', async () => {
    const unknown = await fetch(`${server.url}/api/v1/channels/nope/webhooks`, { method: 'POST', body: '{}' })
    expect(unknown.status).toBe(404)
    const notJson = await deliverShopify('orders/create', 'not an order')
    expect(notJson.status).toBe(200)
    const r1 = await runJob(notJson.body.messageId)
    expect(r1!.rejected[0].code).toBe('UNPARSEABLE')
    expect(
      await db.deadLetter.count({ where: { inboundMessageId: notJson.body.messageId, code: 'UNPARSEABLE' } }),
    ).toBe(1)
    // An order for a SKU the channel does not map yet.
    const order = shopifyOrder(5004, '2026-12-02T13:00:00Z', [{ id: 11, sku: 'SH-NEW', quantity: 2 }])
    const r = await deliverShopify('orders/create', order)
    expect(r.status).toBe(200)
    const processed = await runJob(r.body.messageId)
    expect(processed!.rejected).toMatchObject([{ code: 'UNKNOWN_SKU' }])
    const letter = await db.deadLetter.findFirstOrThrow({ where: { source: 'native:shopify', code: 'UNKNOWN_SKU' } })
    expect(letter.sku).toBe('SH-NEW')
    const still = await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)
    expect(still.stillRejected).toHaveLength(1)
    // The operator maps the SKU; the replay reserves it, once.
    const shop = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const newSku = await makeSku(db, 'SKU-NEW', { priceCents: 100 })
    await makeListing(db, shop.id, newSku.id, 'SH-NEW')
    await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp', events: [receipt('r3', 'SKU-NEW', 'DC-EAST', 5)] }),
    })
    const replay = await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)
    expect(replay.replayed).toMatchObject([{ id: letter.id, outcome: 'applied' }])
    expect((await position('SKU-NEW')).reserved).toBe(2)
    expect((await db.deadLetter.findUniqueOrThrow({ where: { id: letter.id } })).status).toBe('replayed')
    await runJob(r.body.messageId) // the job running again later moves nothing
    expect((await position('SKU-NEW')).reserved).toBe(2)
  })
})

describe('B2B portal order webhook', () => {
  let n = 0
  async function deliverB2b(event: string, order: unknown, secret = B2B_SECRET, deliveryId = `d-${++n}`) {
    const body = JSON.stringify({ deliveryId, event, occurredAt: new Date().toISOString(), order })
    const res = await fetch(`${server.url}/api/v1/channels/b2b/webhooks`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-portal-delivery-id': deliveryId,
        ...signatureHeaders(secret, body),
      },
    })
    return { status: res.status, body: (await res.json()) as { messageId?: string; duplicate?: boolean } }
  }
  const order = (cancelled: number, shipped: number, updatedAt: string) => ({
    orderId: 'PO-1',
    createdAt: '2026-12-02T09:00:00Z',
    updatedAt,
    lines: [{ lineId: '1', sku: 'B2B-SKU-B', quantity: 5, cancelledQuantity: cancelled, shippedQuantity: shipped }],
  })

  it('created, partial cancel, shipped; a bad signature is refused', async () => {
    const before = await position('SKU-B')
    const bad = await deliverB2b('order.created', order(0, 0, '2026-12-02T09:00:00Z'), 'wrong')
    expect(bad.status).toBe(401)
    const c = await deliverB2b('order.created', order(0, 0, '2026-12-02T09:00:00Z'))
    await runJob(c.body.messageId)
    expect((await position('SKU-B')).reserved).toBe(before.reserved + 5)
    await runJob((await deliverB2b('order.cancelled', order(2, 0, '2026-12-02T09:10:00Z'))).body.messageId)
    await runJob((await deliverB2b('order.shipped', order(2, 3, '2026-12-02T09:20:00Z'))).body.messageId)
    const after = await position('SKU-B')
    expect(after.reserved).toBe(before.reserved)
    expect(after.onHand).toBe(before.onHand - 3)
  })
})

describe('Shopify reconciliation poll', () => {
  it('catches an order whose webhooks never came, and meets the webhook path in one order line', async () => {
    const problems: string[] = []
    const orders = [
      // Order 5001 was seen by webhooks (cancelled in full): the poll brings nothing new.
      {
        id: 'gid://shopify/Order/5001',
        createdAt: '2026-12-02T10:00:00Z',
        updatedAt: '2026-12-02T10:10:00Z',
        cancelledAt: '2026-12-02T10:10:00Z',
        lineItems: {
          nodes: [
            {
              id: 'gid://shopify/LineItem/1',
              sku: 'SH-SKU-A',
              quantity: 3,
              currentQuantity: 0,
              unfulfilledQuantity: 0,
            },
          ],
        },
      },
      // Order 6001's webhooks were lost.
      {
        id: 'gid://shopify/Order/6001',
        createdAt: '2026-12-02T14:00:00Z',
        updatedAt: '2026-12-02T14:00:00Z',
        cancelledAt: null,
        lineItems: {
          nodes: [
            {
              id: 'gid://shopify/LineItem/61',
              sku: 'SH-SKU-B',
              quantity: 2,
              currentQuantity: 2,
              unfulfilledQuantity: 2,
            },
          ],
        },
      },
    ]
    const shopify = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        const version = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(req.url ?? '')?.[1]
        if (!version || req.headers['x-shopify-access-token'] !== 'shpat_x') problems.push(`bad request ${req.url}`)
        const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> }
        const schema = shopifyAdminSchema(version ?? '2026-04')
        const doc = parse(query)
        problems.push(
          ...validate(schema, doc).map((e) => e.message),
          ...(getVariableValues(schema, getOperationAST(doc)!.variableDefinitions ?? [], variables).errors ?? []).map(
            (e) => e.message,
          ),
        )
        if (!/^updated_at:>'[^']+'$/.test(String(variables.query))) problems.push(`query ${String(variables.query)}`)
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            data: { orders: { nodes: orders, pageInfo: { hasNextPage: false, endCursor: null } } },
            extensions: {
              cost: {
                requestedQueryCost: 10,
                actualQueryCost: 5,
                throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1995, restoreRate: 100 },
              },
            },
          }),
        )
      })
    })
    await new Promise<void>((r) => shopify.listen(0, '127.0.0.1', () => r()))
    try {
      const channel = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
      await db.channel.update({
        where: { id: channel.id },
        data: {
          settings: {
            ...(channel.settings as object),
            baseUrl: `http://127.0.0.1:${(shopify.address() as AddressInfo).port}`,
          },
          createdAt: new Date('2026-12-02T09:00:00Z'),
        },
      })
      const b = (await position('SKU-B')).reserved
      const a = (await position('SKU-A')).reserved
      // The poll's clock is the day of these orders: a first poll looks back at most 24 hours, so on
      // the real clock this test began to fail a day after it was written.
      const r = await pollChannelOrders(db, channel.id, { force: true, now: () => new Date('2026-12-02T15:00:00Z') })
      expect(r.outcome).toBe('caught_up')
      expect((await position('SKU-B')).reserved).toBe(b + 2)
      expect((await position('SKU-A')).reserved).toBe(a)
      expect(await db.nativeOrderLine.count({ where: { channelId: channel.id, orderId: '5001' } })).toBe(1)
      const intake = await db.channelOrderIntake.findUniqueOrThrow({
        where: { channelId_path: { channelId: channel.id, path: 'reconcile_poll' } },
      })
      expect(intake.cursorAt!.toISOString()).toBe('2026-12-02T14:00:00.000Z')
      // The late webhook of the same order moves nothing.
      const late = shopifyOrder(6001, '2026-12-02T14:00:00Z', [{ id: 61, sku: 'SH-SKU-B', quantity: 2 }])
      await runJob((await deliverShopify('orders/create', late)).body.messageId)
      expect((await position('SKU-B')).reserved).toBe(b + 2)
      expect(problems).toEqual([])
    } finally {
      shopify.close()
    }
  })
})

describe('a message the order use case refuses whole', () => {
  it('becomes a dead letter (never a job failing forever) and replays once the cause is fixed', async () => {
    const rules = (c: string[] | undefined) =>
      RuleSetSchema.parse({
        defaults: { safetyStock: { units: 0 } },
        channels: {
          shopify: { priority: 1, share: { type: 'shared' }, ...(c ? { locations: c } : {}) },
          b2b: { priority: 2, share: { type: 'shared' } },
        },
      })
    await saveRules(db, rules(['NOWHERE']), 2) // the Shopify channel fulfils from no location we have
    const before = (await position('SKU-A')).reserved
    const r = await deliverShopify(
      'orders/create',
      shopifyOrder(7001, '2026-12-02T15:00:00Z', [{ id: 71, sku: 'SH-SKU-A', quantity: 1 }]),
    )
    const processed = await runJob(r.body.messageId)
    expect(processed!.rejected).toMatchObject([{ code: 'NO_ELIGIBLE_LOCATION' }])
    const letter = await db.deadLetter.findFirstOrThrow({ where: { inboundMessageId: r.body.messageId } })
    expect((await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)).stillRejected).toHaveLength(1)
    await saveRules(db, rules(undefined), 3)
    expect((await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)).replayed).toMatchObject([
      { id: letter.id, outcome: 'applied' },
    ])
    expect((await position('SKU-A')).reserved).toBe(before + 1)
  })
})

describe('two messages of one order applied at the same time', () => {
  it("reserve once: the order lines are locked, the second sees the first's counts", async () => {
    const before = (await position('SKU-B')).reserved
    const order = shopifyOrder(8001, '2026-12-02T16:00:00Z', [
      { id: 81, sku: 'SH-SKU-B', quantity: 4 },
      { id: 82, sku: 'SH-SKU-A', quantity: 1 },
    ])
    const updated = shopifyOrder(8001, '2026-12-02T16:00:01Z', [
      { id: 81, sku: 'SH-SKU-B', quantity: 4, current: 3 },
      { id: 82, sku: 'SH-SKU-A', quantity: 1 },
    ])
    const a = await deliverShopify('orders/create', order)
    const b = await deliverShopify('orders/updated', updated)
    const c = await deliverShopify('orders/updated', updated)
    await Promise.all([runJob(a.body.messageId), runJob(b.body.messageId), runJob(c.body.messageId)])
    expect((await position('SKU-B')).reserved).toBe(before + 3)
    expect(await db.channelOrderEvent.count({ where: { orderId: '8001', status: 'created' } })).toBe(2)
    expect(await db.channelOrderEvent.count({ where: { orderId: '8001', status: 'cancelled' } })).toBe(1)
  })
})
