// Order intake faults on the real marketplace simulators (simulators/**), for both polled
// marketplaces: Amazon (Orders API v0: getOrders by LastUpdatedAfter + NextToken, getOrderItems) and
// Walmart (GET /v3/orders by lastModifiedStartDate + nextCursor). A poller killed between two pages
// resumes at the page it had not applied; a 10-minute orders API outage is caught up once it ends.
// Either way every order line the simulator holds is received exactly once. The versions against a
// marketplace the test plays itself are in order-intake-pollers.int.test.ts; here the simulators'
// own paging, request validation, Pending window, rate limits and outage answer.
//
// The pollers and the simulators share one fake clock: minutes pass at once, and the poller's own
// orders API budget (spent and refilled by the clock it is given) and the simulators' throttles,
// Pending window and outage window follow the same time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Channel, PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { seedDemoOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { lastUpdateMs } from '../../simulators/amazon-orders'
import type { SimOrder } from '../../simulators/core/order-book'
import { demoSkuCode, externalSkuFor } from '../../server/demo/seed-demo'
import { clearAccessTokens } from '../../server/channels/access-token'
import { channelBaseUrl } from '../../server/channels/connector-for-channel'
import { decryptCredentials } from '../../server/channels/credentials'
import { AMAZON_MAX_RESULTS_PER_PAGE, createAmazonOrdersClient } from '../../server/channels/amazon/orders-client'
import { createWalmartOrdersClient, WALMART_ORDERS_PAGE_LIMIT } from '../../server/channels/walmart/orders-client'
import { pollChannelOrders, type PollOptions } from '../../server/orders/poll-orders'
import type { OrdersClients } from '../../server/orders/order-pollers'

type Kind = 'amazon' | 'walmart'
const KINDS: Kind[] = ['amazon', 'walmart']
const SKUS = 5
const MINUTE = 60_000

/** One clock for the pollers (Date) and the simulators (epoch ms). */
const clock = (() => {
  let current = Math.floor(Date.now() / 1000) * 1000
  return { ms: () => current, date: () => new Date(current), advance: (ms: number) => void (current += ms) }
})()

let t: TestDatabase
let db: PrismaClient
let sims: RunningSimulators

beforeAll(async () => {
  clearAccessTokens()
  t = await createTestDatabase()
  db = t.db
  // The access token cache expires tokens by the real clock while the simulators check them by the
  // fake one, which runs ahead: tokens live a day here so no poll meets a 401 the fake clock made.
  const onClock = { now: clock.ms, tokenLifetimeSeconds: 86_400, requestLogLimit: 100_000 }
  sims = await seedDemoOnSimulators(db, {
    skuCount: SKUS,
    seed: 29,
    listedOn: KINDS,
    listedQuantity: 100_000,
    overrides: { amazon: onClock, walmart: onClock },
  })
  // Orders placed from now on: the pollers' first run starts at the channel's creation.
  await db.channel.updateMany({ data: { createdAt: new Date(clock.ms() - MINUTE) } })
}, 180_000)
afterAll(async () => {
  await sims?.close()
  await t?.drop()
})

const channelOf = (kind: Kind) => db.channel.findUniqueOrThrow({ where: { code: kind } })
const intakeRow = (channelId: string) =>
  db.channelOrderIntake.findUniqueOrThrow({ where: { channelId_path: { channelId, path: 'poll' } } })

/** A buyer orders on the marketplace (demo SKU codes, the marketplace's seller SKUs). */
const buy = (kind: Kind, lines: Array<[string, number]>): SimOrder =>
  sims.sims[kind].buy({ lines: lines.map(([sku, quantity]) => ({ sku: externalSkuFor(kind, sku), quantity })) })
const skuFor = (i: number) => demoSkuCode(1 + (i % SKUS))

/** One poller run on the shared clock; a wait for the orders API budget passes fake time. */
const poll = async (kind: Kind, opts: Pick<PollOptions, 'force' | 'clients'> = {}) =>
  pollChannelOrders(db, (await channelOf(kind)).id, {
    ...opts,
    now: clock.date,
    sleep: async (ms) => clock.advance(ms),
  })

/** The channel's real orders client whose second list call dies (the worker killed between two pages). */
function dyingClient(kind: Kind, channel: Channel): OrdersClients {
  const config = {
    baseUrl: channelBaseUrl(channel),
    settings: channel.settings,
    credentials: decryptCredentials(channel.credentialsEnc),
  }
  let listCalls = 0
  const orDie = <T>(call: () => Promise<T>) => {
    if (++listCalls === 2) throw new Error('worker killed')
    return call()
  }
  if (kind === 'amazon') {
    const real = createAmazonOrdersClient(config)
    return { amazon: { ...real, getOrders: async (q) => orDie(() => real.getOrders(q)) } }
  }
  const real = createWalmartOrdersClient(config)
  return { walmart: { getOrders: async (q) => orDie(() => real.getOrders(q)) } }
}

const lineKey = (orderId: string, lineId: string) => `${orderId}|${lineId}`

/** The marketplace's order book, as its control plane shows it (every order, oldest first). */
async function ordersOnSimulator(kind: Kind): Promise<SimOrder[]> {
  const res = await fetch(`${sims.urls[kind]}/_sim/orders?limit=1000000`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { orders: SimOrder[] }).orders
}

/** What the marketplace's order book says is still open, per order line (every line, 0 included). */
async function openOnSimulator(kind: Kind): Promise<Map<string, number>> {
  const open = new Map<string, number>()
  for (const o of await ordersOnSimulator(kind))
    for (const l of o.lines)
      open.set(lineKey(o.orderId, l.lineId), l.quantity - l.cancelledQuantity - l.shippedQuantity)
  return open
}

/** The newest update the marketplace reports of its orders (what a caught-up cursor stands at). */
async function newestUpdateOnSimulator(kind: Kind): Promise<number> {
  const pendingMs = sims.sims.amazon.orderPendingMs
  return Math.max(
    ...(await ordersOnSimulator(kind)).map((o) =>
      kind === 'amazon' ? lastUpdateMs(o, clock.ms(), pendingMs) : Date.parse(o.updatedAt),
    ),
  )
}

/**
 * What Stocktower holds of a channel's orders, per order line, three ways: the native line's open
 * units, the order events' net units (created - cancelled - shipped) and how many created events it
 * has, and the units its open reservation holds.
 */
async function heldByStocktower(kind: Kind) {
  const { id } = await channelOf(kind)
  const native = new Map(
    (await db.nativeOrderLine.findMany({ where: { channelId: id } })).map((n) => [
      lineKey(n.orderId, n.lineId),
      n.quantity - n.cancelledQuantity - n.shippedQuantity,
    ]),
  )
  const net = new Map<string, number>()
  const created = new Map<string, number>()
  for (const e of await db.channelOrderEvent.findMany({ where: { channelId: id } })) {
    for (const l of e.lines as Array<{ lineId: string; quantity: number }>) {
      const k = lineKey(e.orderId, l.lineId)
      net.set(k, (net.get(k) ?? 0) + (e.status === 'created' ? l.quantity : -l.quantity))
      if (e.status === 'created') created.set(k, (created.get(k) ?? 0) + 1)
    }
  }
  const reserved = new Map(
    (await db.reservation.findMany({ where: { channelId: id, status: 'open' } })).map((r) => [
      lineKey(r.orderId, r.lineId),
      r.quantity,
    ]),
  )
  return { native, net, created, reserved }
}

/** Every order line on the simulator received exactly once: nothing lost, nothing doubled. */
async function expectEveryLineOnce(kind: Kind) {
  const open = await openOnSimulator(kind)
  const held = await heldByStocktower(kind)
  expect(held.native).toEqual(open)
  expect(held.net).toEqual(open)
  expect(held.created).toEqual(new Map([...open.keys()].map((k) => [k, 1])))
  expect(held.reserved).toEqual(new Map([...open].filter(([, units]) => units > 0)))
  await expectPositionsReserveOpenUnits()
}

/** Each SKU's reserved units (its positions: what availability subtracts) = its units open on both marketplaces. */
async function expectPositionsReserveOpenUnits() {
  const open = new Map<string, number>()
  for (const kind of KINDS)
    for (const o of await ordersOnSimulator(kind))
      for (const l of o.lines) {
        const sku = l.sku.replace(/^(AMZ|WM)-/, '')
        open.set(sku, (open.get(sku) ?? 0) + l.quantity - l.cancelledQuantity - l.shippedQuantity)
      }
  const reserved = await db.$queryRawUnsafe<Array<{ code: string; n: number }>>(
    `SELECT s.code, sum(p.reserved)::int AS n FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" GROUP BY 1`,
  )
  expect(new Map(reserved.filter((r) => r.n !== 0).map((r) => [r.code, r.n]))).toEqual(
    new Map([...open].filter(([, n]) => n !== 0)),
  )
}

/** The orders API calls a simulator answered from `fromMs` (getOrders, getOrderItems; GET /v3/orders), oldest first. */
const ordersCalls = (kind: Kind, fromMs: number, toMs = Number.POSITIVE_INFINITY) =>
  sims.sims[kind].requests.filter(
    (r) =>
      r.path.startsWith(kind === 'amazon' ? '/orders/v0/orders' : '/v3/orders') &&
      Date.parse(r.at) >= fromMs &&
      Date.parse(r.at) < toMs,
  )

// The longest page a poller asks for: Amazon's getOrders 100, Walmart's the limit the poller asks (100).
const PAGE: Record<Kind, number> = { amazon: AMAZON_MAX_RESULTS_PER_PAGE, walmart: WALMART_ORDERS_PAGE_LIMIT }

describe('order intake faults on the real simulators', () => {
  it.each(KINDS)(
    '%s: a poller killed between two pages resumes at the page it had not finished, without loss or duplicates',
    async (kind) => {
      const channel = await channelOf(kind)
      const from = clock.ms()
      // More orders than one page holds, one buyer a second.
      const total = PAGE[kind] + 15
      for (let i = 0; i < total; i++) {
        buy(kind, [[skuFor(i), 1 + (i % 3)]])
        clock.advance(1_000)
      }
      clock.advance(10_000) // Amazon's Pending (2 s on the demo plan) is over for every order

      // The worker dies at its second list call. Walmart's first run reads a whole page first; on
      // Amazon every new order costs a getOrderItems call (30 at once, 0.5/s after), so its first run
      // applies the orders it could afford and leaves the page to the next run, which dies.
      const dying = dyingClient(kind, channel)
      let runs = 0
      let killed: unknown = null
      while (!killed && runs++ < 3) {
        killed = await poll(kind, { force: true, clients: dying }).then(
          () => null,
          (e: unknown) => e,
        )
        if (!killed) clock.advance(MINUTE)
      }
      expect((killed as Error).message).toBe('worker killed')
      // What was applied is kept, with the page to read next; the run's start stays.
      const mid = await intakeRow(channel.id)
      expect(mid.cursor).not.toBeNull()
      expect(mid.cursorAt).toEqual(channel.createdAt)
      const applied = await db.nativeOrderLine.count({ where: { channelId: channel.id } })
      expect(applied).toBeGreaterThan(0)
      expect(applied).toBeLessThan(total)

      // The worker comes back a minute later and runs every minute until it has caught up.
      let outcome = ''
      for (let i = 0; i < 10 && outcome !== 'caught_up'; i++) {
        clock.advance(MINUTE)
        outcome = (await poll(kind, { force: true })).outcome
      }
      expect(outcome).toBe('caught_up')
      await expectEveryLineOnce(kind)
      const done = await intakeRow(channel.id)
      expect(done.cursor).toBeNull()
      expect(done.cursorAt!.getTime()).toBe(await newestUpdateOnSimulator(kind))

      // Running again re-reads the overlap window and moves nothing.
      const held = await heldByStocktower(kind)
      clock.advance(MINUTE)
      expect(await poll(kind, { force: true })).toMatchObject({ outcome: 'caught_up' })
      expect(await heldByStocktower(kind)).toEqual(held)
      // Every call the pollers sent passed the simulator's validation and throttles.
      const calls = ordersCalls(kind, from)
      expect(calls.length).toBeGreaterThan(0)
      expect(calls.filter((c) => c.status !== 200)).toEqual([])
    },
    120_000,
  )

  it.each(KINDS)(
    '%s: a 10-minute orders API outage: every poll fails and keeps the cursor; the first poll after it catches up',
    async (kind) => {
      const channel = await channelOf(kind)
      // Two orders Stocktower has before the outage: one is cancelled whole during it, one in part.
      const whole = buy(kind, [[skuFor(0), 2]])
      const part = buy(kind, [
        [skuFor(1), 3],
        [skuFor(2), 1],
      ])
      clock.advance(MINUTE)
      expect(await poll(kind)).toMatchObject({ outcome: 'caught_up' })
      await expectEveryLineOnce(kind)
      const before = await intakeRow(channel.id)
      const heldBefore = await heldByStocktower(kind)

      clock.advance(MINUTE / 2)
      const outageFrom = clock.ms()
      const outageUntil = outageFrom + 10 * MINUTE
      sims.sims[kind].configure({ outage: outageUntil }) // down until then: the window ends by the clock
      const sold: SimOrder[] = []
      for (let minute = 1; minute <= 10; minute++) {
        clock.advance(MINUTE / 4)
        // Buyers keep buying; some cancel, whole or in part, orders Stocktower has or has never seen.
        sold.push(buy(kind, [[skuFor(minute), 1 + (minute % 3)]]))
        if (minute === 3) sims.sims[kind].cancel({ orderId: whole.orderId })
        if (minute === 4)
          sims.sims[kind].cancel({ orderId: part.orderId, lines: [{ lineId: part.lines[0].lineId, quantity: 1 }] })
        if (minute === 6) sims.sims[kind].cancel({ orderId: sold[1].orderId })
        if (minute === 8)
          sims.sims[kind].cancel({
            orderId: sold[4].orderId,
            lines: [{ lineId: sold[4].lines[0].lineId, quantity: 1 }],
          })
        clock.advance(MINUTE / 4)
        // The minute's poll (not forced: a failed path is due again at once).
        expect(await poll(kind)).toMatchObject({ outcome: 'failed' })
        const row = await intakeRow(channel.id)
        expect(row.consecutiveFailures).toBe(minute)
        expect(row.lastError).toMatch(/HTTP 503/)
        expect(row.lastFailureAt).toEqual(clock.date())
        expect([row.cursor, row.cursorAt]).toEqual([before.cursor, before.cursorAt])
        clock.advance(MINUTE / 2)
      }
      // Nothing moved while the API was down: Stocktower still holds what it held before.
      expect(await heldByStocktower(kind)).toEqual(heldBefore)
      // One orders call per poll reached the marketplace, each refused by the outage.
      expect(ordersCalls(kind, outageFrom, outageUntil).map((c) => c.status)).toEqual(Array(10).fill(503))

      expect(clock.ms()).toBe(outageUntil)
      expect(await poll(kind)).toMatchObject({ outcome: 'caught_up' })
      await expectEveryLineOnce(kind)
      // The cancellations of orders Stocktower had released their units.
      const held = await heldByStocktower(kind)
      expect(held.reserved.has(lineKey(whole.orderId, whole.lines[0].lineId))).toBe(false)
      expect(held.reserved.get(lineKey(part.orderId, part.lines[0].lineId))).toBe(2)
      expect(held.reserved.get(lineKey(part.orderId, part.lines[1].lineId))).toBe(1)
      const row = await intakeRow(channel.id)
      expect(row).toMatchObject({ consecutiveFailures: 0, lastError: null, cursor: null, lastSuccessAt: clock.date() })
      expect(row.cursorAt!.getTime()).toBe(await newestUpdateOnSimulator(kind))
      expect(ordersCalls(kind, outageUntil).filter((c) => c.status !== 200)).toEqual([])
    },
    120_000,
  )
})
