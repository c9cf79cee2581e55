// Each marketplace's orders poller: its cadence, its call budgets and how it fetches one page
// (Amazon's getOrders with getOrderItems per order, Walmart's getAllOrders, Shopify's orders query
// as a reconciliation poll). poll-orders.ts runs them: the cursor, the budget, storing each page.
import { take } from '../channels/rate-budget'
import { decryptCredentials } from '../channels/credentials'
import { channelBaseUrl } from '../channels/connector-for-channel'
import { classifyHttpStatus, retryAfterMsFrom } from '../channels/channel-http'
import {
  AMAZON_MAX_RESULTS_PER_PAGE,
  AMAZON_ORDERS_RATE,
  createAmazonOrdersClient,
  type AmazonOrdersClient,
  type OrdersApiResponse,
} from '../channels/amazon/orders-client'
import {
  createWalmartOrdersClient,
  WALMART_ORDERS_PAGE_LIMIT,
  WALMART_ORDERS_RATE,
  type WalmartOrdersClient,
} from '../channels/walmart/orders-client'
import {
  createShopifyOrdersClient,
  SHOPIFY_ORDERS_PAGE_SIZE,
  SHOPIFY_ORDERS_RATE,
  type ShopifyOrdersClient,
} from '../channels/shopify/orders-client'
import {
  getOrderItemsResponseSchema,
  getOrdersResponseSchema,
  itemsFromOrderCounts,
  type KnownAmazonLine,
} from './amazon-orders'
import { walmartOrderSchema, walmartOrdersPageSchema } from './walmart-orders'
import { SHOPIFY_ORDERS_QUERY, shopifyOrdersPageSchema } from './shopify-orders'
import { type IntakePath } from './intake-health'
import { type NativeKind } from './native-message'

/** Longest a run waits for its item budget before leaving the page for the next run. */
const MAX_BUDGET_WAIT_MS = 15_000

export interface Budget {
  ratePerSecond: number
  burst: number
}
export interface Page {
  body: string
  next: string | null
  newest: string | null
  /** Only the orders before the item budget ran out: the next run reads this page again (same token). */
  again?: boolean
}
export type Fetched =
  | { ok: true; page: Page }
  | { ok: false; kind: 'failure'; message: string; retryAfterMs?: number; throttled?: boolean }
  | { ok: false; kind: 'budget'; waitMs: number }
  | { ok: false; kind: 'stale_token' }

export interface PollContext {
  /** Takes up to `wanted` list/item calls from the budget (0 when none is left). */
  spend(which: 'list' | 'item', wanted: number): Promise<{ granted: number; waitMs: number }>
  /** Gives back item calls taken and not used. */
  giveBack(n: number): Promise<void>
  /** Orders we applied already: the oldest marketplace update applied of their lines, and the lines. */
  known(orderIds: string[]): Promise<Map<string, { updatedAt: Date; lines: KnownAmazonLine[] }>>
  sleep(ms: number): Promise<void>
}

export interface Poller {
  path: IntakePath
  kind: NativeKind
  intervalMs: number
  overlapMs: number
  list: Budget
  item?: Budget
  /** One page from `since` (or the page token `next`); its list call's budget is already spent. */
  fetchPage(since: string, next: string | null, ctx: PollContext): Promise<Fetched>
}

export interface OrdersClients {
  amazon?: AmazonOrdersClient
  walmart?: WalmartOrdersClient
  shopify?: ShopifyOrdersClient
}

const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d)

/** A poller's cadence and look-back overlap from the channel's settings (seconds), or its defaults. */
const pollTiming = (settings: Record<string, unknown>, intervalKey: string, intervalS: number, overlapS: number) => ({
  intervalMs: num(settings[intervalKey], intervalS) * 1000,
  overlapMs: num(settings.ordersOverlapSeconds, overlapS) * 1000,
})
export const later = (a: string | null, b: string | null) => (!a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b)

/** What went wrong with an orders API call, or null when it answered 2xx. */
function callProblem(r: OrdersApiResponse, what: string): Extract<Fetched, { kind: 'failure' }> | null {
  if (r.kind === 'auth-failed')
    return { ok: false, kind: 'failure', message: `${what}: ${r.failure.code}: ${r.failure.message}` }
  if (r.kind === 'no-response') return { ok: false, kind: 'failure', message: `${what}: ${r.code}: ${r.message}` }
  if (r.status >= 200 && r.status < 300) return null
  const f = classifyHttpStatus(r.status, r.headers, r.text.slice(0, 300))
  return {
    ok: false,
    kind: 'failure',
    message: `${what}: ${f.message}`,
    throttled: r.status === 429,
    retryAfterMs: retryAfterMsFrom(r.headers),
  }
}

function amazonPoller(client: AmazonOrdersClient, settings: Record<string, unknown>): Poller {
  return {
    path: 'poll',
    kind: 'amazon_orders',
    ...pollTiming(settings, 'ordersPollIntervalSeconds', 60, 300),
    list: AMAZON_ORDERS_RATE.getOrders,
    item: AMAZON_ORDERS_RATE.getOrderItems,
    fetchPage: (since, next, ctx) => fetchAmazonPage(client, since, next, ctx),
  }
}

/**
 * One getOrders page (Amazon's largest, 100 orders) with the items of the orders in it that need
 * them. Most of a page is orders we know (the overlap window re-reads minutes of them, and every
 * status change brings an order back), which cost no item call. A page used to be only as long as
 * the item calls we could afford: with the item budget (0.5/s) spent it shrank to an order or two,
 * the list budget (one call a minute) could not keep up, and Amazon's orders reached us minutes late
 * (the 30-minute demo: intake lag p50 2 min and growing). When the item budget runs out mid-page,
 * the orders before it are applied and the next run reads the page again (`again`): every run moves
 * on by what it could afford, and nothing after the first order without its items is skipped.
 */
async function fetchAmazonPage(
  client: AmazonOrdersClient,
  since: string,
  next: string | null,
  ctx: PollContext,
): Promise<Fetched> {
  const r = await client.getOrders({
    lastUpdatedAfter: since,
    nextToken: next,
    maxResultsPerPage: AMAZON_MAX_RESULTS_PER_PAGE,
  })
  const problem = callProblem(r, 'getOrders')
  // An expired or refused NextToken: the run starts again from its `since`.
  if (problem) return next && r.kind === 'response' && r.status === 400 ? { ok: false, kind: 'stale_token' } : problem
  const parsed = getOrdersResponseSchema.safeParse((r as { json: unknown }).json)
  if (!parsed.success) return { ok: false, kind: 'failure', message: 'getOrders: the response is not an orders list' }
  const raw = (r as { json: { payload: { Orders: unknown[] } } }).json.payload.Orders
  const orders = parsed.data.payload.Orders
  const known = await ctx.known(orders.map((o) => o.AmazonOrderId))
  const budget = itemBudget(ctx)
  const orderItems: Record<string, unknown[]> = {}
  const fromCounts: Record<string, unknown[]> = {}
  let taken = orders.length
  try {
    for (let i = 0; i < orders.length && taken === orders.length; i++) {
      const o = orders[i]
      const seen = known.get(o.AmazonOrderId)
      if (o.FulfillmentChannel === 'AFN' || (seen && seen.updatedAt.getTime() >= Date.parse(o.LastUpdateDate))) continue // nothing new in it
      const derived = seen ? itemsFromOrderCounts(o, seen.lines) : null
      if (derived) fromCounts[o.AmazonOrderId] = derived
      else {
        const items = await fetchOrderItems(client, o.AmazonOrderId, budget)
        if (!items.ok && (items.kind !== 'budget' || i === 0)) return items
        if (items.ok) orderItems[o.AmazonOrderId] = items.items
        else taken = i
      }
    }
  } finally {
    await budget.giveBack()
  }
  const newest = orders.slice(0, taken).reduce<string | null>((n, o) => later(n, o.LastUpdateDate), null)
  const body = {
    orders: raw.slice(0, taken),
    orderItems,
    ...(Object.keys(fromCounts).length > 0 ? { itemsFromOrderCounts: fromCounts } : {}),
  }
  const again = taken < orders.length
  return {
    ok: true,
    page: { body: JSON.stringify(body), next: again ? next : (parsed.data.payload.NextToken ?? null), newest, again },
  }
}

/** Item calls taken from the orders API's item budget as they are needed (waiting a little when it is empty); what is not used goes back. */
function itemBudget(ctx: PollContext) {
  let tokens = 0
  let waited = 0
  return {
    async take(): Promise<{ ok: true } | { ok: false; kind: 'budget'; waitMs: number }> {
      while (tokens === 0) {
        const more = await ctx.spend('item', AMAZON_MAX_RESULTS_PER_PAGE)
        tokens += more.granted
        if (more.granted > 0) break
        if (waited + more.waitMs > MAX_BUDGET_WAIT_MS) return { ok: false, kind: 'budget', waitMs: more.waitMs }
        waited += more.waitMs
        await ctx.sleep(more.waitMs)
      }
      tokens -= 1
      return { ok: true }
    },
    giveBack: () => ctx.giveBack(tokens),
  }
}

/** Every page of one order's items, each call out of the item budget. */
async function fetchOrderItems(
  client: AmazonOrdersClient,
  orderId: string,
  budget: ReturnType<typeof itemBudget>,
): Promise<{ ok: true; items: unknown[] } | Exclude<Fetched, { ok: true }>> {
  let token: string | null = null
  const all: unknown[] = []
  do {
    const taken = await budget.take()
    if (!taken.ok) return taken
    const ir = await client.getOrderItems(orderId, token)
    const problem = callProblem(ir, `getOrderItems ${orderId}`)
    if (problem) return problem
    const page = getOrderItemsResponseSchema.safeParse((ir as { json: unknown }).json)
    if (!page.success)
      return {
        ok: false,
        kind: 'failure',
        message: `getOrderItems ${orderId}: the response is not an order items list`,
      }
    all.push(...page.data.payload.OrderItems)
    token = page.data.payload.NextToken ?? null
  } while (token)
  return { ok: true, items: all }
}

function walmartPoller(client: WalmartOrdersClient, settings: Record<string, unknown>): Poller {
  return {
    path: 'poll',
    kind: 'walmart_orders',
    ...pollTiming(settings, 'ordersPollIntervalSeconds', 60, 120),
    list: WALMART_ORDERS_RATE.getAllOrders,
    async fetchPage(since, next, ctx) {
      const r = await client.getOrders({
        lastModifiedStartDate: since,
        nextCursor: next,
        limit: WALMART_ORDERS_PAGE_LIMIT,
      })
      // Walmart answers 404 when no order matches the filter.
      if (r.kind === 'response' && r.status === 404)
        return {
          ok: true,
          page: {
            body: JSON.stringify({ list: { meta: { totalCount: 0 }, elements: { order: [] } } }),
            next: null,
            newest: null,
          },
        }
      const problem = callProblem(r, 'getAllOrders')
      if (problem)
        return next && r.kind === 'response' && r.status === 400 ? { ok: false, kind: 'stale_token' } : problem
      const text = (r as { text: string }).text
      const parsed = walmartOrdersPageSchema.safeParse((r as { json: unknown }).json)
      if (!parsed.success)
        return { ok: false, kind: 'failure', message: 'getAllOrders: the response is not an orders list' }
      const orders = parsed.data.list.elements.order ?? []
      let newest: string | null = null
      for (const raw of orders) {
        const o = walmartOrderSchema.safeParse(raw)
        if (!o.success) continue
        newest = later(newest, o.data.orderDate)
        for (const l of o.data.orderLines.orderLine) if (l.statusDate) newest = later(newest, l.statusDate)
      }
      const cursor = parsed.data.list.meta.nextCursor
      return { ok: true, page: { body: text, next: orders.length > 0 && cursor ? cursor : null, newest } }
    },
  }
}

function shopifyReconcilePoller(client: ShopifyOrdersClient, settings: Record<string, unknown>): Poller {
  return {
    path: 'reconcile_poll',
    kind: 'shopify_orders_query',
    ...pollTiming(settings, 'ordersReconcileIntervalSeconds', 300, 300),
    list: SHOPIFY_ORDERS_RATE.ordersQuery,
    async fetchPage(since, next, ctx) {
      const r = await client.ordersUpdatedSince(
        { updatedSince: since, after: next, first: SHOPIFY_ORDERS_PAGE_SIZE },
        SHOPIFY_ORDERS_QUERY,
      )
      const problem = callProblem(r, 'orders query')
      if (problem) return problem
      const json = (r as { json: unknown }).json as { errors?: Array<{ extensions?: { code?: string } }> } | undefined
      if (Array.isArray(json?.errors) && json.errors.some((e) => e.extensions?.code === 'THROTTLED'))
        return { ok: false, kind: 'failure', message: 'orders query: THROTTLED', throttled: true }
      const parsed = shopifyOrdersPageSchema.safeParse(json)
      if (!parsed.success)
        return { ok: false, kind: 'failure', message: 'orders query: the response is not an orders page' }
      const o = parsed.data.data.orders
      const newest = o.nodes.reduce<string | null>((n, x) => later(n, x.updatedAt), null)
      return {
        ok: true,
        page: {
          body: (r as { text: string }).text,
          next: o.pageInfo.hasNextPage && o.pageInfo.endCursor ? o.pageInfo.endCursor : null,
          newest,
        },
      }
    },
  }
}

export function pollerFor(
  channel: { kind: string; settings: unknown; credentialsEnc: string | null },
  clients: OrdersClients,
): Poller | null {
  const settings = (channel.settings ?? {}) as Record<string, unknown>
  const config = () => ({
    baseUrl: channelBaseUrl(channel),
    settings,
    credentials: decryptCredentials(channel.credentialsEnc),
  })
  if (channel.kind === 'amazon') return amazonPoller(clients.amazon ?? createAmazonOrdersClient(config()), settings)
  if (channel.kind === 'walmart') return walmartPoller(clients.walmart ?? createWalmartOrdersClient(config()), settings)
  if (channel.kind === 'shopify')
    return shopifyReconcilePoller(clients.shopify ?? createShopifyOrdersClient(config()), settings)
  return null
}
