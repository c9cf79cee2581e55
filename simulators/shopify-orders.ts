// How the Shopify simulator shows its buyers' orders: the REST Order payload its order webhooks
// carry (orders/create, orders/updated, orders/cancelled, orders/fulfilled) and the Admin GraphQL
// Order objects its `orders` query answers. Shapes as Shopify documents them:
// - REST Order resource and webhook payloads: https://shopify.dev/docs/api/admin-rest/latest/resources/order
//   and https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-orders/create
//   (ids are integers, money amounts strings, times ISO-8601 with offset).
// - GraphQL Order / LineItem: the vendored Admin schema (test/fixtures/specs/shopify).
// Cumulative per line, as intake reads it: cancelled = quantity - current_quantity (refunds with
// restock), shipped = quantity - fulfillable_quantity - cancelled.
import { GraphQLError } from 'graphql'
import { z } from 'zod'
import { openQuantity, type SimOrder, type SimOrderChange, type SimOrderLine } from './core/order-book'

export const SHOPIFY_ORDER_TOPICS = ['orders/create', 'orders/updated', 'orders/cancelled', 'orders/fulfilled'] as const
export type ShopifyOrderTopic = (typeof SHOPIFY_ORDER_TOPICS)[number]

/** GraphQL WebhookSubscriptionTopic values for the REST topic names. */
export const TOPIC_ENUMS: Record<ShopifyOrderTopic, string> = {
  'orders/create': 'ORDERS_CREATE',
  'orders/updated': 'ORDERS_UPDATED',
  'orders/cancelled': 'ORDERS_CANCELLED',
  'orders/fulfilled': 'ORDERS_FULFILLED',
}

/** The first order id the simulator gives (Shopify's ids are large integers; these stay safe in JS). */
export const SHOPIFY_ORDER_ID_BASE = 820_982_911_946

/**
 * Topics Shopify sends for a change: every change sends orders/updated; creation, a full
 * cancellation and a full fulfilment also send their own topic.
 */
export function topicsFor(change: SimOrderChange): ShopifyOrderTopic[] {
  switch (change) {
    case 'created':
      return ['orders/create', 'orders/updated']
    case 'cancelled':
      return ['orders/cancelled', 'orders/updated']
    case 'shipped':
      return ['orders/fulfilled', 'orders/updated']
    default:
      return ['orders/updated']
  }
}

export const orderHistorySchema = z.object({
  refunds: z.array(
    z.object({
      id: z.number(),
      createdAt: z.string(),
      lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int() })),
    }),
  ),
  fulfillments: z.array(
    z.object({
      id: z.number(),
      createdAt: z.string(),
      lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int() })),
    }),
  ),
})
/** What happened to an order over time (the order book keeps only cumulative counts). */
export type OrderHistory = z.infer<typeof orderHistorySchema>

/** Records a cancellation (a refund with restock) or a shipment (a fulfilment) in an order's history. */
export function recordHistory(
  history: OrderHistory,
  order: SimOrder,
  change: SimOrderChange,
  moved: Array<{ line: SimOrderLine; quantity: number }>,
): void {
  const lines = moved.map((m) => ({ lineId: m.line.lineId, quantity: m.quantity }))
  if (change === 'cancelled' || change === 'partially_cancelled') {
    history.refunds.push({
      id: Number(order.orderId) * 100 + history.refunds.length + 1,
      createdAt: order.updatedAt,
      lines,
    })
  } else if (change === 'shipped' || change === 'partially_shipped') {
    history.fulfillments.push({
      id: Number(order.orderId) * 100 + 50 + history.fulfillments.length + 1,
      createdAt: order.updatedAt,
      lines,
    })
  }
}

const money = (cents: number) => (cents / 100).toFixed(2)
/** A stable numeric id per SKU for variant and product ids (the simulator has no catalogue). */
function skuNumber(sku: string, salt: number): number {
  let hash = salt
  for (const ch of sku) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return 40_000_000_000 + hash
}

function lineFulfillmentStatus(line: SimOrderLine): string | null {
  const live = line.quantity - line.cancelledQuantity
  if (line.shippedQuantity === 0) return null
  return line.shippedQuantity >= live ? 'fulfilled' : 'partial'
}

function orderFulfillmentStatus(order: SimOrder): string | null {
  const shipped = order.lines.reduce((sum, l) => sum + l.shippedQuantity, 0)
  if (shipped === 0) return null
  return order.lines.every((l) => openQuantity(l) === 0) ? 'fulfilled' : 'partial'
}

/** Shopify's REST Order, as its order webhooks deliver it. */
export function restOrderPayload(order: SimOrder, history: OrderHistory, shopDomain: string): Record<string, unknown> {
  const id = Number(order.orderId)
  const number = id - SHOPIFY_ORDER_ID_BASE
  const currentCents = order.lines.reduce((sum, l) => sum + (l.quantity - l.cancelledQuantity) * l.unitPriceCents, 0)
  const totalCents = order.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0)
  const refunded = order.lines.some((l) => l.cancelledQuantity > 0)
  const lineById = new Map(order.lines.map((l) => [l.lineId, l]))
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${1000 + number}`,
    order_number: 1000 + number,
    number,
    email: `buyer-${number}@example.com`,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    processed_at: order.createdAt,
    cancelled_at: order.cancelledAt,
    cancel_reason: order.cancelledAt ? 'customer' : null,
    closed_at: order.lines.every((l) => openQuantity(l) === 0) ? order.updatedAt : null,
    confirmed: true,
    test: false,
    financial_status: !refunded ? 'paid' : currentCents === 0 ? 'refunded' : 'partially_refunded',
    fulfillment_status: orderFulfillmentStatus(order),
    currency: 'USD',
    presentment_currency: 'USD',
    subtotal_price: money(totalCents),
    total_price: money(totalCents),
    current_subtotal_price: money(currentCents),
    current_total_price: money(currentCents),
    total_tax: '0.00',
    taxes_included: false,
    source_name: 'web',
    tags: '',
    line_items: order.lines.map((line) => ({
      id: Number(line.lineId),
      admin_graphql_api_id: `gid://shopify/LineItem/${line.lineId}`,
      variant_id: skuNumber(line.sku, 7),
      product_id: skuNumber(line.sku, 3),
      sku: line.sku,
      name: line.sku,
      title: line.sku,
      variant_title: null,
      vendor: null,
      quantity: line.quantity,
      current_quantity: line.quantity - line.cancelledQuantity,
      fulfillable_quantity: openQuantity(line),
      fulfillment_service: 'manual',
      fulfillment_status: lineFulfillmentStatus(line),
      requires_shipping: true,
      taxable: true,
      gift_card: false,
      price: money(line.unitPriceCents),
      total_discount: '0.00',
    })),
    refunds: history.refunds.map((refund) => ({
      id: refund.id,
      admin_graphql_api_id: `gid://shopify/Refund/${refund.id}`,
      order_id: id,
      created_at: refund.createdAt,
      processed_at: refund.createdAt,
      note: null,
      restock: true,
      refund_line_items: refund.lines.map((l, i) => ({
        id: refund.id * 10 + i + 1,
        line_item_id: Number(l.lineId),
        quantity: l.quantity,
        restock_type: 'cancel',
        location_id: null,
        subtotal: money(l.quantity * (lineById.get(l.lineId)?.unitPriceCents ?? 0)),
        total_tax: '0.00',
      })),
    })),
    fulfillments: history.fulfillments.map((fulfillment) => ({
      id: fulfillment.id,
      admin_graphql_api_id: `gid://shopify/Fulfillment/${fulfillment.id}`,
      order_id: id,
      created_at: fulfillment.createdAt,
      updated_at: fulfillment.createdAt,
      status: 'success',
      service: 'manual',
      name: `#${1000 + number}.${history.fulfillments.indexOf(fulfillment) + 1}`,
      line_items: fulfillment.lines.map((l) => ({
        id: Number(l.lineId),
        sku: lineById.get(l.lineId)?.sku ?? null,
        quantity: l.quantity,
      })),
    })),
    shipping_lines: [],
    order_status_url: `https://${shopDomain}/orders/${id}/authenticate`,
  }
}

// ---- GraphQL ---------------------------------------------------------------------------------

const MAX_PAGE = 250

interface ConnectionArgs {
  first?: number | null
  last?: number | null
  after?: string | null
  before?: string | null
  reverse?: boolean | null
}

/** A Relay connection over `items` already in order; cursors come from `cursorOf`. */
export function connection<T>(
  items: T[],
  args: ConnectionArgs,
  cursorOf: (item: T) => string,
  toNode: (item: T) => unknown,
) {
  if (args.first == null && args.last == null)
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } })
  const size = (args.first ?? args.last)!
  if (size < 0 || size > MAX_PAGE)
    throw new GraphQLError(`The ${args.first != null ? 'first' : 'last'} argument must be between 0 and ${MAX_PAGE}.`, {
      extensions: { code: 'BAD_REQUEST' },
    })
  let list = args.reverse ? [...items].reverse() : items
  if (args.after) {
    const index = list.findIndex((item) => cursorOf(item) === args.after)
    list = index >= 0 ? list.slice(index + 1) : afterCursor(list, args.after, cursorOf, !!args.reverse)
  }
  if (args.before) {
    const index = list.findIndex((item) => cursorOf(item) === args.before)
    if (index >= 0) list = list.slice(0, index)
  }
  const page = args.first != null ? list.slice(0, size) : list.slice(Math.max(0, list.length - size))
  const hasNext = args.first != null ? list.length > page.length : false
  const hasPrevious = args.last != null ? list.length > page.length : false
  return {
    edges: page.map((item) => ({ cursor: cursorOf(item), node: toNode(item) })),
    nodes: page.map(toNode),
    pageInfo: {
      hasNextPage: hasNext,
      hasPreviousPage: hasPrevious,
      startCursor: page.length ? cursorOf(page[0]!) : null,
      endCursor: page.length ? cursorOf(page[page.length - 1]!) : null,
    },
  }
}

/**
 * An `after` cursor whose item moved (an order updated since) or was never ours: continue after
 * its sort position. Cursors are base64 of a JSON pair whose text sorts like the list.
 */
function afterCursor<T>(list: T[], cursor: string, cursorOf: (item: T) => string, reverse: boolean): T[] {
  const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8')
  const bound = decode(cursor)
  return list.filter((item) => (reverse ? decode(cursorOf(item)) < bound : decode(cursorOf(item)) > bound))
}

/** Cursor for the UPDATED_AT order: sorts like (updatedAt, id), so it also orders as a string. */
export function orderCursor(order: SimOrder, sortKey: string): string {
  const key =
    sortKey === 'UPDATED_AT'
      ? order.updatedAt
      : sortKey === 'CREATED_AT' || sortKey === 'PROCESSED_AT'
        ? order.createdAt
        : ''
  return Buffer.from(JSON.stringify([key, order.orderId.padStart(20, '0')])).toString('base64')
}

/** The `query` filters the simulator understands: updated_at / created_at comparisons (others are ignored, as Shopify ignores unknown terms). */
export function orderFilter(query: string | null | undefined): (order: SimOrder) => boolean {
  const tests: Array<(order: SimOrder) => boolean> = []
  for (const term of (query ?? '').match(/\S+:(?:'[^']*'|"[^"]*"|\S+)/g) ?? []) {
    const match = /^(updated_at|created_at):(>=|<=|>|<)?['"]?([^'"]+)['"]?$/.exec(term)
    if (!match) continue
    const bound = Date.parse(match[3]!)
    if (Number.isNaN(bound))
      throw new GraphQLError(`Invalid date in query term ${term}`, { extensions: { code: 'BAD_REQUEST' } })
    const field = match[1] === 'updated_at' ? 'updatedAt' : 'createdAt'
    const op = match[2] ?? '='
    tests.push((order) => {
      const at = Date.parse(order[field])
      return op === '>'
        ? at > bound
        : op === '>='
          ? at >= bound
          : op === '<'
            ? at < bound
            : op === '<='
              ? at <= bound
              : at === bound
    })
  }
  return (order) => tests.every((test) => test(order))
}

/** An Order as the Admin GraphQL schema sees it (fields with arguments are functions of them). */
export function orderNode(order: SimOrder): Record<string, unknown> {
  const id = Number(order.orderId)
  const number = id - SHOPIFY_ORDER_ID_BASE
  const lineNode = (line: SimOrderLine) => ({
    __typename: 'LineItem',
    id: `gid://shopify/LineItem/${line.lineId}`,
    sku: line.sku,
    name: line.sku,
    title: line.sku,
    quantity: line.quantity,
    currentQuantity: line.quantity - line.cancelledQuantity,
    unfulfilledQuantity: openQuantity(line),
    refundableQuantity: line.quantity - line.cancelledQuantity,
    nonFulfillableQuantity: line.cancelledQuantity,
  })
  return {
    __typename: 'Order',
    id: `gid://shopify/Order/${id}`,
    legacyResourceId: String(id),
    name: `#${1000 + number}`,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    processedAt: order.createdAt,
    cancelledAt: order.cancelledAt,
    cancelReason: order.cancelledAt ? 'CUSTOMER' : null,
    closed: order.lines.every((l) => openQuantity(l) === 0),
    closedAt: order.lines.every((l) => openQuantity(l) === 0) ? order.updatedAt : null,
    displayFulfillmentStatus:
      orderFulfillmentStatus(order) === 'fulfilled'
        ? 'FULFILLED'
        : orderFulfillmentStatus(order) === 'partial'
          ? 'PARTIALLY_FULFILLED'
          : 'UNFULFILLED',
    test: false,
    lineItems: (args: ConnectionArgs) =>
      connection(order.lines, args, (line) => Buffer.from(line.lineId).toString('base64'), lineNode),
  }
}
