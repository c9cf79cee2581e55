// The demo's generated business: an ERP streaming stock movements into Stocktower's public API
// (docs/api.md) exactly as a real client would, and buyers shopping on the marketplace simulators.
//
// - ERP events (`POST /api/v1/events`, source erp-demo): mostly receipts and shipments, plus
//   adjustments, allocations, transfers, returns, damage and the odd cycle count. Receipts outweigh
//   shipments so stock stays mostly positive; popular SKUs move more often (skewed picks).
// - Buyers (when `marketplaces` is given): they buy on a marketplace simulator (`POST /_sim/buy`)
//   what it shows in stock (sometimes 2-3 lines, sometimes a kit), and a little later some orders
//   are cancelled (whole, or one unit of one line) through `POST /_sim/cancel` and the rest ship
//   through `POST /_sim/ship`. The orders reach Stocktower only through each marketplace's own
//   path (Shopify and B2B webhooks, Amazon and Walmart orders APIs): the generator never posts to
//   `/api/v1/channels/{channel}/orders`.
// - It never crashes: when the API is down or refusing, it backs off exponentially, logs one line
//   when that starts and one when it recovers, and drops what it could not send (a generator, not
//   a system of record).
// - One loop, one request at a time: a slow API slows the generator instead of piling up requests.
import { z } from 'zod'
import { createPrng, type Prng } from './core/prng'

export const DEMO_TRAFFIC_SOURCE = 'erp-demo'
export const DEMO_TRAFFIC_LOCATIONS = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL'] as const
export const DEMO_TRAFFIC_CHANNELS = ['shopify', 'amazon', 'walmart', 'b2b'] as const
type Channel = (typeof DEMO_TRAFFIC_CHANNELS)[number]

export interface TrafficOptions {
  /** e.g. http://127.0.0.1:3000 */
  apiBaseUrl: string
  apiKey: string
  /** SKUs SKU-00001 .. SKU-<skuCount>. */
  skuCount: number
  /** ERP events per second (default 20). */
  eventsPerSecond?: number
  /** New marketplace orders per second (default 2). */
  ordersPerSecond?: number
  /** Base URLs of the marketplace simulators buyers shop on; none: no orders are generated. */
  marketplaces?: Partial<Record<Channel, string>>
  /** A canonical SKU code as the channel lists it (the demo seed's listing map); default: the same code. */
  channelSku?: (channel: Channel, sku: string) => string
  /** Kits KIT-0001 .. KIT-<kitCount> that buyers sometimes order (default 0: none). */
  kitCount?: number
  /** PRNG seed for the mix of events and orders (default: time-based). */
  seed?: number
  locations?: readonly string[]
  /** How often the loop sends (default 250 ms). */
  tickMs?: number
  /** Backoff after a failed send: first wait and cap (defaults 1 s and 30 s). */
  retryBaseMs?: number
  retryMaxMs?: number
  /** How long after creation an order ships or is cancelled (default 5-30 s). */
  orderFollowUpMs?: { min: number; max: number }
  /** Fraction of orders cancelled (whole or in part) before shipping (default 0.1). */
  cancelRate?: number
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number
  log?: (line: string) => void
}

export interface TrafficStats {
  eventsSent: number
  /** Orders placed on the marketplaces. */
  ordersCreated: number
  /** Orders shipped (the rest of an order after a partial cancel counts here too). */
  ordersShipped: number
  /** Orders cancelled whole. */
  ordersCancelled: number
  /** Orders with one unit of one line cancelled before the rest shipped. */
  ordersPartiallyCancelled: number
  /** Purchases a marketplace refused (it showed fewer units by the time the buyer ordered). */
  ordersRefused: number
  /** Calls to a marketplace simulator that failed (unreachable, 5xx). */
  marketplaceErrors: number
  failedRequests: number
  apiAvailable: boolean
}

export interface RunningTraffic {
  stop(): Promise<void>
  stats(): TrafficStats
}

interface OpenOrder {
  channel: Channel
  orderId: string
  lines: Array<{ lineId: string; sku: string; quantity: number }>
  dueAt: number
  /** What happens when due: ship all, cancel all, or cancel one unit then ship the rest later. */
  next: 'ship' | 'cancel' | 'cancel_part'
}

const simOrderSchema = z
  .object({
    orderId: z.string(),
    lines: z.array(z.object({ lineId: z.string(), sku: z.string(), quantity: z.number() }).loose()),
  })
  .loose()

const MAX_EVENTS_PER_BATCH = 5_000
const MAX_OPEN_ORDERS = 10_000
const availabilitySchema = z
  .object({
    locations: z.array(
      z
        .object({
          location: z.string(),
          onHand: z.number(),
          quarantined: z.number().default(0),
          damaged: z.number().default(0),
          reserved: z.number().default(0),
          allocated: z.number().default(0),
        })
        .loose(),
    ),
  })
  .loose()

export function demoSkuCode(n: number): string {
  return `SKU-${String(n).padStart(5, '0')}`
}

export function startTraffic(options: TrafficOptions): RunningTraffic {
  const eventsPerSecond = options.eventsPerSecond ?? 20
  const ordersPerSecond = options.ordersPerSecond ?? 2
  const tickMs = options.tickMs ?? 250
  const retryBaseMs = options.retryBaseMs ?? 1_000
  const retryMaxMs = options.retryMaxMs ?? 30_000
  const followUp = options.orderFollowUpMs ?? { min: 5_000, max: 30_000 }
  const cancelRate = options.cancelRate ?? 0.1
  const timeoutMs = options.timeoutMs ?? 10_000
  const locations = options.locations ?? DEMO_TRAFFIC_LOCATIONS
  const log = options.log ?? ((line: string) => console.log(line))
  const prng = createPrng(options.seed ?? Date.now())
  const baseUrl = options.apiBaseUrl.replace(/\/+$/, '')
  // Unique per run, so idempotency keys never collide with an earlier run's.
  const runId = Date.now().toString(36)
  // sourceSeq must increase per source across restarts too: start from the clock (microseconds).
  let sourceSeq = Date.now() * 1000
  let keyCounter = 0
  let orderCounter = 0

  const stats: TrafficStats = {
    eventsSent: 0,
    ordersCreated: 0,
    ordersShipped: 0,
    ordersCancelled: 0,
    ordersPartiallyCancelled: 0,
    ordersRefused: 0,
    marketplaceErrors: 0,
    failedRequests: 0,
    apiAvailable: true,
  }
  const marketplaces = options.marketplaces ?? {}
  const channelSku = options.channelSku ?? ((_channel: Channel, sku: string) => sku)
  const kitCount = options.kitCount ?? 0
  const loggedMarketplaceProblems = new Set<string>()
  const openOrders: OpenOrder[] = []
  /** Units we allocated per sku|location, so deallocations never exceed them. */
  const allocatedByUs = new Map<string, number>()
  const pendingTransfers: Array<{ sku: string; to: string; quantity: number; dueAt: number }> = []
  /** Good units per sku|location the events of the batch being built take (hasGoodUnits). */
  const takenInBatch = new Map<string, number>()
  const loggedStatuses = new Set<number>()

  let stopped = false
  let failures = 0
  let resumeAt = 0
  let eventCredit = 0
  let orderCredit = 0
  let lastTick = Date.now()
  const stopController = new AbortController()
  let wake: (() => void) | undefined
  let sleepTimer: NodeJS.Timeout | undefined

  const pickSku = () => demoSkuCode(1 + Math.floor(options.skuCount * prng.next() ** 2))
  const nextKey = (type: string) => `${DEMO_TRAFFIC_SOURCE}:${type}:${runId}:${++keyCounter}`

  function erpEvent(
    type: string,
    sku: string,
    location: string,
    quantity: number,
    extra: Record<string, unknown> = {},
  ) {
    sourceSeq += 1
    return {
      idempotencyKey: nextKey(type),
      type,
      sku,
      location,
      quantity,
      occurredAt: new Date().toISOString(),
      sourceSeq,
      ...extra,
    }
  }

  async function nextErpEvent(): Promise<Record<string, unknown> | undefined> {
    const sku = pickSku()
    const location = prng.pick(locations)
    const key = `${sku}|${location}`
    const type = prng.weighted<string>([
      ['receipt', 38],
      ['ship', 32],
      ['adjustment', 8],
      ['allocate', 6],
      ['deallocate', 4],
      ['transfer_out', 4],
      ['return_received', 4],
      ['damage', 2],
      ['count', 2],
    ])
    switch (type) {
      case 'receipt':
        return erpEvent('receipt', sku, location, prng.int(4, 30), { reference: `PO-${runId}-${keyCounter + 1}` })
      case 'ship': {
        // A warehouse ships only what it has: without stock the event becomes a receipt.
        const quantity = prng.int(1, 3)
        if (!(await hasGoodUnits(sku, location, quantity)))
          return erpEvent('receipt', sku, location, prng.int(4, 30), { reference: `PO-${runId}-${keyCounter + 1}` })
        // A shipment fulfils the location's allocations first: count it against ours now, since a
        // deallocation may go out in the same batch before the position shows the shipment (the
        // 30-minute demo deallocated 3 of an allocation a shipment beside it had taken 1 from:
        // allocated -1, an exception finding).
        const mine = allocatedByUs.get(key) ?? 0
        if (mine > 0) allocatedByUs.set(key, mine - Math.min(quantity, mine))
        return erpEvent('ship', sku, location, quantity, { reference: `SO-${runId}-${keyCounter + 1}` })
      }
      case 'adjustment': {
        // A write-off takes only units that are there (else the demo's on hand would go negative).
        if (prng.chance(0.6))
          return erpEvent('adjustment', sku, location, prng.int(1, 3), { reference: 'cycle adjustment' })
        const quantity = prng.int(1, 2)
        if (!(await hasGoodUnits(sku, location, quantity)))
          return erpEvent('adjustment', sku, location, prng.int(1, 3), { reference: 'cycle adjustment' })
        return erpEvent('adjustment', sku, location, -quantity, { reference: 'cycle adjustment' })
      }
      case 'allocate': {
        const quantity = prng.int(1, 3)
        allocatedByUs.set(key, (allocatedByUs.get(key) ?? 0) + quantity)
        return erpEvent('allocate', sku, location, quantity, { reference: `ALLOC-${runId}-${keyCounter + 1}` })
      }
      case 'deallocate': {
        const held = [...allocatedByUs.entries()].find(([, quantity]) => quantity > 0)
        if (!held) return erpEvent('receipt', sku, location, prng.int(4, 30))
        const [heldKey, quantity] = held
        const [heldSku, heldLocation] = heldKey.split('|') as [string, string]
        allocatedByUs.set(heldKey, 0)
        // Shipments fulfil allocations first, so less may still be allocated than we allocated.
        const still = Math.min(quantity, (await readPosition(heldSku, heldLocation))?.allocated ?? 0)
        if (still <= 0) return erpEvent('receipt', sku, location, prng.int(4, 30))
        return erpEvent('deallocate', heldSku, heldLocation, still)
      }
      case 'transfer_out': {
        const to = prng.pick(locations.filter((candidate) => candidate !== location))
        if (!to) return erpEvent('receipt', sku, location, prng.int(4, 30))
        const quantity = prng.int(1, 5)
        if (!(await hasGoodUnits(sku, location, quantity))) return erpEvent('receipt', sku, location, prng.int(4, 30))
        pendingTransfers.push({ sku, to, quantity, dueAt: Date.now() + prng.int(followUp.min, followUp.max) })
        return erpEvent('transfer_out', sku, location, quantity, { toLocation: to })
      }
      case 'return_received':
        return erpEvent('return_received', sku, location, 1, { reference: `RMA-${runId}-${keyCounter + 1}` })
      case 'damage':
        if (!(await hasGoodUnits(sku, location, 1))) return erpEvent('receipt', sku, location, prng.int(4, 30))
        return erpEvent('damage', sku, location, 1)
      case 'count': {
        // A cycle count finds roughly what the system holds, give or take a unit or two of good
        // stock: quarantined and damaged units are on the shelf too (a count below them took on
        // hand under quarantined + damaged: an exception finding in the 30-minute demo).
        const p = await readPosition(sku, location)
        if (p === undefined) return undefined
        const held = p.quarantined + p.damaged
        return erpEvent('count', sku, location, Math.max(held, p.onHand + prng.int(-2, 1)))
      }
    }
    return undefined
  }

  async function readPosition(sku: string, location: string) {
    const response = await send('GET', `/api/v1/availability/${encodeURIComponent(sku)}`)
    if (!response || response.status !== 200) return undefined
    const body = availabilitySchema.safeParse(await response.json().catch(() => undefined))
    return body.success ? body.data.locations.find((entry) => entry.location === location) : undefined
  }

  /**
   * Units on hand that are neither quarantined nor damaged nor reserved for channel orders (the
   * warehouse ships those to the marketplace's buyers: an ERP shipment of them left on hand at -3
   * when the portal's order shipped, an exception finding in the demo), at least `quantity` of
   * them, less what events of the batch being built already take (the position does not show them
   * yet); when there are, the caller's event takes them.
   */
  async function hasGoodUnits(sku: string, location: string, quantity: number): Promise<boolean> {
    const p = await readPosition(sku, location)
    const key = `${sku}|${location}`
    const taken = takenInBatch.get(key) ?? 0
    if (p === undefined || p.onHand - p.quarantined - p.damaged - p.reserved - taken < quantity) return false
    takenInBatch.set(key, taken + quantity)
    return true
  }

  /** One HTTP call; undefined when the API could not be reached (already logged and counted). */
  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response | undefined> {
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopController.signal]),
      })
      if (response.status === 404 && path.startsWith('/api/v1/availability/')) return response
      if (response.status === 429 || response.status === 404 || response.status >= 500) {
        await response.body?.cancel()
        apiDown(`HTTP ${response.status} from ${path}`)
        return undefined
      }
      apiUp()
      if (response.status >= 400 && !loggedStatuses.has(response.status)) {
        // A refused batch (bad key, contract drift) is logged once per status, not per request.
        loggedStatuses.add(response.status)
        const text = await response
          .clone()
          .text()
          .catch(() => '')
        log(`[traffic] ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`)
      }
      return response
    } catch (error) {
      if (!stopped) apiDown(error instanceof Error ? error.message : String(error))
      return undefined
    }
  }

  let everReached = false
  function apiDown(reason: string) {
    stats.failedRequests += 1
    failures += 1
    // Before the first answer the web process is still starting: waiting for it is not news.
    if (stats.apiAvailable && everReached)
      log(`[traffic] API unavailable at ${baseUrl} (${reason}); retrying with backoff`)
    stats.apiAvailable = false
    const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(failures - 1, 16))
    resumeAt = Date.now() + backoff / 2 + prng.next() * (backoff / 2)
  }

  function apiUp() {
    if (!stats.apiAvailable && everReached) log(`[traffic] API reachable again at ${baseUrl}`)
    stats.apiAvailable = true
    everReached = true
    failures = 0
  }

  async function sendEvents(count: number) {
    const events: Array<Record<string, unknown>> = []
    takenInBatch.clear()
    const now = Date.now()
    for (let index = pendingTransfers.length - 1; index >= 0; index--) {
      const transfer = pendingTransfers[index]!
      if (transfer.dueAt > now) continue
      pendingTransfers.splice(index, 1)
      events.push(erpEvent('transfer_in', transfer.sku, transfer.to, transfer.quantity))
    }
    for (let index = 0; index < count && events.length < MAX_EVENTS_PER_BATCH && !stopped; index++) {
      const event = await nextErpEvent()
      if (event) events.push(event)
    }
    if (events.length === 0) return
    const response = await send('POST', '/api/v1/events', { source: DEMO_TRAFFIC_SOURCE, events })
    if (response?.ok) stats.eventsSent += events.length
    await response?.body?.cancel()
  }

  /** One call to a marketplace simulator's control API; undefined when it failed (counted, logged once per problem). */
  async function simCall(
    channel: Channel,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const base = marketplaces[channel]
    if (!base) return undefined
    try {
      const response = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopController.signal]),
      })
      const parsed = await response.json().catch(() => undefined)
      if (response.status >= 500) throw new Error(`HTTP ${response.status}`)
      return { status: response.status, body: parsed }
    } catch (error) {
      if (stopped) return undefined
      stats.marketplaceErrors += 1
      const problem = `${channel}: ${error instanceof Error ? error.message : String(error)}`
      if (!loggedMarketplaceProblems.has(problem)) {
        loggedMarketplaceProblems.add(problem)
        log(`[traffic] marketplace ${problem}`)
      }
      return undefined
    }
  }

  /** What a marketplace shows buyers for a canonical SKU now (0 when unlisted or unreachable). */
  async function shown(channel: Channel, sku: string): Promise<number> {
    const answer = await simCall(channel, 'GET', `/_sim/quantity?sku=${encodeURIComponent(channelSku(channel, sku))}`)
    const quantity = (answer?.body as { quantity?: unknown } | undefined)?.quantity
    return answer?.status === 200 && typeof quantity === 'number' ? quantity : 0
  }

  /** A buyer picks 1-3 products the marketplace shows in stock and orders them there. */
  async function placeOrder(): Promise<void> {
    const available = DEMO_TRAFFIC_CHANNELS.filter((channel) => marketplaces[channel])
    if (available.length === 0) return
    // Amazon's share stays within what its orders API reads (one getOrderItems per new order at 0.5/s:
    // 0.3 of the default 2 orders/s leaves room to catch up after an outage; README "Known limit").
    const channel = prng.weighted<Channel>(
      (
        [
          ['shopify', 45],
          ['amazon', 15],
          ['walmart', 25],
          ['b2b', 15],
        ] as const
      ).filter(([c]) => available.includes(c)),
    )
    const lineCount = prng.weighted<number>([
      [1, 70],
      [2, 22],
      [3, 8],
    ])
    const wanted = new Map<string, number>()
    for (let attempt = 0; attempt < lineCount * 3 && wanted.size < lineCount && !stopped; attempt++) {
      const sku =
        kitCount > 0 && prng.chance(0.08) ? `KIT-${String(prng.int(1, kitCount)).padStart(4, '0')}` : pickSku()
      if (wanted.has(sku)) continue
      const quantity = Math.min(await shown(channel, sku), channel === 'b2b' ? prng.int(2, 8) : prng.int(1, 2))
      if (quantity > 0) wanted.set(sku, quantity)
    }
    if (wanted.size === 0) return
    const bought = await simCall(channel, 'POST', '/_sim/buy', {
      lines: [...wanted].map(([sku, quantity]) => ({ sku: channelSku(channel, sku), quantity })),
    })
    if (!bought) return
    if (bought.status === 409 || bought.status === 404) {
      // Someone else bought the last units between the look and the order: the buyer leaves.
      stats.ordersRefused += 1
      return
    }
    const order = simOrderSchema.safeParse((bought.body as { order?: unknown } | undefined)?.order)
    if (bought.status !== 201 || !order.success) return
    stats.ordersCreated += 1
    const roll = prng.next()
    // Amazon's buyers cancel whole orders: its Orders API reports an order only as it stands now, so
    // a unit cancelled before Stocktower first polled the order would leave no trace there (the
    // 30-minute demo: a sale absorbed by our number, then one unit of it cancelled on top, read as a
    // merchant edit of +1 that no order of Amazon's could explain).
    const partial = channel === 'amazon' ? 'cancel' : 'cancel_part'
    const next = roll < cancelRate / 2 ? 'cancel' : roll < cancelRate ? partial : 'ship'
    if (openOrders.length < MAX_OPEN_ORDERS)
      openOrders.push({
        channel,
        orderId: order.data.orderId,
        lines: order.data.lines,
        dueAt: Date.now() + prng.int(followUp.min, followUp.max),
        next,
      })
  }

  /** Cancels or ships the orders whose follow-up is due. */
  async function followUpOrders(): Promise<void> {
    const now = Date.now()
    for (const order of openOrders.filter((o) => o.dueAt <= now)) {
      if (stopped) return
      openOrders.splice(openOrders.indexOf(order), 1)
      if (order.next === 'cancel') {
        const answer = await simCall(order.channel, 'POST', '/_sim/cancel', { orderId: order.orderId })
        if (answer?.status === 200) stats.ordersCancelled += 1
      } else if (order.next === 'cancel_part') {
        const line = prng.pick(order.lines)
        const answer = await simCall(order.channel, 'POST', '/_sim/cancel', {
          orderId: order.orderId,
          lines: [{ lineId: line.lineId, quantity: 1 }],
        })
        if (answer?.status === 200) stats.ordersPartiallyCancelled += 1
        // What is left ships a little later (an order cancelled in full by this unit has nothing left: the ship is refused, harmlessly).
        if (order.lines.some((l) => l.quantity > (l === line ? 1 : 0)))
          openOrders.push({ ...order, dueAt: Date.now() + prng.int(followUp.min, followUp.max), next: 'ship' })
      } else {
        const answer = await simCall(order.channel, 'POST', '/_sim/ship', { orderId: order.orderId })
        if (answer?.status === 200) stats.ordersShipped += 1
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wake = resolve
      sleepTimer = setTimeout(resolve, ms)
    })
  }

  async function loop() {
    while (!stopped) {
      const now = Date.now()
      if (now < resumeAt) {
        await sleep(Math.min(resumeAt - now, 1_000))
        lastTick = Date.now()
        continue
      }
      const elapsedSeconds = Math.min(5, (now - lastTick) / 1000)
      lastTick = now
      eventCredit += eventsPerSecond * elapsedSeconds
      orderCredit += ordersPerSecond * elapsedSeconds
      const eventCount = Math.floor(eventCredit)
      const orderCount = Math.floor(orderCredit)
      eventCredit -= eventCount
      orderCredit -= orderCount
      try {
        if (eventCount > 0 || pendingTransfers.length > 0) await sendEvents(eventCount)
        // Buyers shop on the marketplaces (a simulator that is down only costs a logged line).
        for (let index = 0; index < orderCount && !stopped; index++) await placeOrder()
        if (!stopped && openOrders.length > 0) await followUpOrders()
      } catch (error) {
        // Whatever went wrong, the demo keeps going.
        apiDown(`unexpected error: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (!stopped) await sleep(tickMs)
    }
  }

  const running = loop()

  return {
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true
      stopController.abort()
      clearTimeout(sleepTimer)
      wake?.()
      await running
    },
  }
}
