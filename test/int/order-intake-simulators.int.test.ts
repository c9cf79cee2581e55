// Order intake against the real marketplace simulators (simulators/**): buyers buy on Shopify,
// Amazon, Walmart and the B2B portal; Shopify and the portal push their signed webhooks (with
// duplicates and reordering switched on) to the real route handler over HTTP; Amazon and Walmart are
// polled through their orders APIs. Each order is reserved exactly once; a partial cancel, a whole
// cancel and a kit sale reach the right positions. The job's and the poller's own functions run
// here instead of a worker (a worker would call the same ones).
import crypto from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { startRouteServer, type RouteServer } from './helpers/route-server'
import { startSimulators, type RunningSimulators } from '../../simulators'
import { demoExternalSkus, externalSkuFor, seedDemo } from '../../server/demo/seed-demo'
import { clearAccessTokens } from '../../server/channels/access-token'
import { processNativeMessage, NATIVE_KINDS } from '../../server/orders/native-message'
import { pollChannelOrders } from '../../server/orders/poll-orders'

const SKUS = 5
const SHOPIFY_SECRET = 'shopify-intake-sims'
const B2B_SECRET = 'b2b-intake-sims'
let t: TestDatabase
let db: PrismaClient
let server: RouteServer
let sims: RunningSimulators

beforeAll(async () => {
  clearAccessTokens()
  t = await createTestDatabase()
  db = t.db
  server = await startRouteServer(path.resolve(__dirname, '..', '..', 'app'), ['v1'])
  sims = await startSimulators({
    plan: 'demo',
    b2bSecret: B2B_SECRET,
    seed: 23,
    orderWebhooks: { apiBaseUrl: server.url, shopifySecret: SHOPIFY_SECRET },
    overrides: {
      shopify: {
        webhookKnobs: {
          webhookDuplicateRate: 0.5,
          webhookReorderRate: 0.3,
          webhookReorderDelayMs: 300,
          webhookDelayMs: 0,
          webhookRetryScale: 0.001,
        },
      },
      amazon: { orderPendingMs: 60_000 }, // Pending the whole test: a Pending order already holds units
    },
  })
  for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const)
    sims.sims[kind].seed(demoExternalSkus(kind, SKUS), 20)
  await seedDemo(db, {
    skuCount: SKUS,
    simulatorUrls: sims.urls,
    demoApiKey: `st_demo_${crypto.randomBytes(8).toString('hex')}`,
    b2bSigningSecret: B2B_SECRET,
    shopifyWebhookSecret: SHOPIFY_SECRET,
  })
  // Orders placed from now on: the pollers' first run starts at the channel's creation.
  await db.channel.updateMany({ data: { createdAt: new Date(Date.now() - 60_000) } })
}, 180_000)
afterAll(async () => {
  await sims?.close()
  await server?.close()
  await t?.drop()
})

async function buy(kind: 'shopify' | 'amazon' | 'walmart' | 'b2b', lines: Array<[string, number]>) {
  const res = await fetch(`${sims.urls[kind]}/_sim/buy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lines: lines.map(([sku, quantity]) => ({ sku: externalSkuFor(kind, sku), quantity })) }),
  })
  expect(res.status).toBe(201)
  return (await res.json()) as {
    orderId: string
    order: { lines: Array<{ lineId: string; sku: string; quantity: number }> }
  }
}
async function cancel(
  kind: 'shopify' | 'amazon' | 'walmart' | 'b2b',
  orderId: string,
  lines?: Array<{ lineId: string; quantity: number }>,
) {
  const res = await fetch(`${sims.urls[kind]}/_sim/cancel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId, ...(lines ? { lines } : {}) }),
  })
  expect(res.status).toBe(200)
}

/** Units reserved for a SKU by a channel (open reservations). */
const reservedBy = async (channel: string, sku: string) =>
  (
    await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT COALESCE(sum(r.quantity), 0)::int AS n FROM "Reservation" r JOIN "Channel" c ON c.id = r."channelId" JOIN "Sku" s ON s.id = r."skuId" WHERE c.code = $1 AND s.code = $2 AND r.status = 'open'`,
      channel,
      sku,
    )
  )[0].n

/** One intake round: process stored webhook messages, run both pollers. */
async function intakeRound() {
  const waiting = await db.inboundMessage.findMany({
    where: { status: 'received', kind: { in: Object.keys(NATIVE_KINDS) }, transport: 'webhook' },
    orderBy: { receivedAt: 'asc' },
    select: { id: true },
  })
  for (const m of waiting) await processNativeMessage(db, m.id)
  for (const code of ['amazon', 'walmart']) {
    const c = await db.channel.findUniqueOrThrow({ where: { code } })
    await pollChannelOrders(db, c.id, { force: true })
  }
}
async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms
  for (;;) {
    await intakeRound()
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('order intake on the real simulators', () => {
  it('an order on each marketplace is reserved exactly once; partial and whole cancels release', async () => {
    const orders = {
      shopify: await buy('shopify', [
        ['SKU-00001', 2],
        ['SKU-00002', 3],
      ]),
      amazon: await buy('amazon', [['SKU-00001', 2]]),
      walmart: await buy('walmart', [['SKU-00001', 2]]),
      b2b: await buy('b2b', [['SKU-00001', 2]]),
    }
    await until(
      'every order reserved',
      async () =>
        (await Promise.all(['shopify', 'amazon', 'walmart', 'b2b'].map((c) => reservedBy(c, 'SKU-00001')))).every(
          (n) => n === 2,
        ) && (await reservedBy('shopify', 'SKU-00002')) === 3,
    )
    // Duplicated and reordered webhooks settle: one created event per line, never more.
    await until(
      'webhook outbox drained',
      async () => (await db.inboundMessage.count({ where: { status: 'received', transport: 'webhook' } })) === 0,
      10_000,
    )
    const created = await db.$queryRawUnsafe<Array<{ code: string; n: number }>>(
      `SELECT c.code, count(*)::int AS n FROM "ChannelOrderEvent" e JOIN "Channel" c ON c.id = e."channelId" WHERE e.status = 'created' GROUP BY 1 ORDER BY 1`,
    )
    expect(created).toEqual([
      { code: 'amazon', n: 1 },
      { code: 'b2b', n: 1 },
      { code: 'shopify', n: 2 },
      { code: 'walmart', n: 1 },
    ])
    // The seeded simulator did send retries of a delivery: each was stored and acknowledged, not applied.
    expect(
      await db.inboundMessage.count({ where: { transport: 'webhook', duplicates: 1, source: 'channel:shopify' } }),
    ).toBeGreaterThan(0)

    // Shopify: one unit of the second line cancelled; Amazon and Walmart: whole orders cancelled.
    const line2 = orders.shopify.order.lines.find((l) => l.sku === externalSkuFor('shopify', 'SKU-00002'))!
    await cancel('shopify', orders.shopify.orderId, [{ lineId: line2.lineId, quantity: 1 }])
    await cancel('amazon', orders.amazon.orderId)
    await cancel('walmart', orders.walmart.orderId)
    await until(
      'cancels released',
      async () =>
        (await reservedBy('shopify', 'SKU-00002')) === 2 &&
        (await reservedBy('amazon', 'SKU-00001')) === 0 &&
        (await reservedBy('walmart', 'SKU-00001')) === 0,
    )
    expect(await reservedBy('shopify', 'SKU-00001')).toBe(2)
    expect(await reservedBy('b2b', 'SKU-00001')).toBe(2)
  }, 120_000)

  it('a kit sold on a marketplace reserves its components', async () => {
    const kit = await db.sku.findFirstOrThrow({
      where: { isKit: true, code: { startsWith: 'KIT-' } },
      orderBy: { code: 'asc' },
    })
    const components = await db.kitComponent.findMany({ where: { kitSkuId: kit.id }, include: { component: true } })
    const before = await Promise.all(components.map((c) => reservedBy('walmart', c.component.code)))
    await buy('walmart', [[kit.code, 1]])
    await until('kit components reserved', async () =>
      (await Promise.all(components.map((c) => reservedBy('walmart', c.component.code)))).every(
        (n, i) => n === before[i] + components[i].quantity,
      ),
    )
  }, 60_000)
})
