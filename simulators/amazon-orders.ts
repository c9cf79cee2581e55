// The Amazon simulator's Orders API v0 (test/fixtures/specs/amazon/ordersV0.json, tests validate the
// answers against its GetOrdersResponse / GetOrderItemsResponse definitions):
//   GET /orders/v0/orders?MarketplaceIds=..&LastUpdatedAfter=.. | CreatedAfter=.. [&..Before][&MaxResultsPerPage][&NextToken]
//   GET /orders/v0/orders/{orderId}/orderItems[?NextToken]
// Request rules as the model documents them: MarketplaceIds is required; exactly one of CreatedAfter
// and LastUpdatedAfter (LastUpdated* cannot be set with CreatedAfter and the other way round); a
// *Before must not be earlier than its *After and at least two minutes before now; MaxResultsPerPage
// 1..100 (default 100); NextToken continues the filters of the call that returned it.
//
// Status is derived from the order book and the clock: Pending for `orderPendingMs` after purchase
// (payment not yet authorised; the units are already held: buyers see them gone), then Unshipped,
// PartiallyShipped, Shipped; Canceled once every unit is cancelled (its items keep QuantityOrdered).
// A partial buyer cancellation shows as QuantityOrdered going down (intake keeps the original). The end of Pending is itself an
// update (LastUpdateDate moves), as on Amazon.
import type { SimOrder, SimOrderLine } from './core/order-book'
import { openQuantity } from './core/order-book'

export type AmazonOrderStatus = 'Pending' | 'Unshipped' | 'PartiallyShipped' | 'Shipped' | 'Canceled'

export interface OrdersQuery {
  marketplaceIds: string[]
  field: 'LastUpdateDate' | 'PurchaseDate'
  after: number
  /** Inclusive upper bound (epoch ms), fixed at the first page so pages stay consistent. */
  before: number
  maxResults: number
}

export type ParsedOrdersRequest =
  { ok: true; query: OrdersQuery; afterKey: string | undefined } | { ok: false; message: string }

const TWO_MINUTES = 120_000

/** Parses getOrders' query string (or its NextToken) into a query, or Amazon's InvalidInput message. */
export function parseGetOrders(params: URLSearchParams, nowMs: number): ParsedOrdersRequest {
  const marketplaceIds = (params.get('MarketplaceIds') ?? '').split(',').filter(Boolean)
  if (marketplaceIds.length === 0) return { ok: false, message: "Missing required 'MarketplaceIds' parameter." }
  if (marketplaceIds.length > 50) return { ok: false, message: 'MarketplaceIds accepts at most 50 values.' }
  const token = params.get('NextToken')
  if (token) {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { q: OrdersQuery; k: string }
      if (!decoded?.q || typeof decoded.k !== 'string') throw new Error('shape')
      return { ok: true, query: decoded.q, afterKey: decoded.k }
    } catch {
      return { ok: false, message: 'Invalid NextToken.' }
    }
  }
  const date = (name: string): number | undefined | null => {
    const value = params.get(name)
    if (value === null || value === '') return undefined
    const parsed = Date.parse(value)
    return /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(parsed) ? parsed : null
  }
  const created = date('CreatedAfter')
  const createdBefore = date('CreatedBefore')
  const updated = date('LastUpdatedAfter')
  const updatedBefore = date('LastUpdatedBefore')
  for (const [name, value] of [
    ['CreatedAfter', created],
    ['CreatedBefore', createdBefore],
    ['LastUpdatedAfter', updated],
    ['LastUpdatedBefore', updatedBefore],
  ] as const) {
    if (value === null) return { ok: false, message: `${name} is not a valid ISO 8601 date.` }
  }
  if (created === undefined && updated === undefined)
    return { ok: false, message: 'Either CreatedAfter or LastUpdatedAfter must be specified.' }
  if (created !== undefined && (updated !== undefined || updatedBefore !== undefined))
    return { ok: false, message: 'LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter is set.' }
  if (updated !== undefined && createdBefore !== undefined)
    return { ok: false, message: 'CreatedAfter and CreatedBefore cannot be set when LastUpdatedAfter is set.' }
  const after = (created ?? updated)!
  const explicitBefore = created !== undefined ? createdBefore : updatedBefore
  const afterName = created !== undefined ? 'CreatedAfter' : 'LastUpdatedAfter'
  const beforeName = created !== undefined ? 'CreatedBefore' : 'LastUpdatedBefore'
  if (after > nowMs) return { ok: false, message: `${afterName} date is in the future.` }
  if (explicitBefore != null) {
    if (explicitBefore < after) return { ok: false, message: `${beforeName} must be equal to or after ${afterName}.` }
    if (explicitBefore > nowMs - TWO_MINUTES)
      return { ok: false, message: `${beforeName} must be at least two minutes before the current time.` }
  }
  const maxRaw = params.get('MaxResultsPerPage')
  const maxResults = maxRaw === null ? 100 : Number(maxRaw)
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)
    return { ok: false, message: 'MaxResultsPerPage must be an integer from 1 to 100.' }
  return {
    ok: true,
    query: {
      marketplaceIds,
      field: created !== undefined ? 'PurchaseDate' : 'LastUpdateDate',
      after,
      before: explicitBefore ?? nowMs,
      maxResults,
    },
    afterKey: undefined,
  }
}

export function nextToken(query: OrdersQuery, lastKey: string): string {
  return Buffer.from(JSON.stringify({ q: query, k: lastKey })).toString('base64')
}

export function amazonOrderStatus(order: SimOrder, nowMs: number, pendingMs: number): AmazonOrderStatus {
  if (order.cancelledAt && order.lines.every((l) => l.cancelledQuantity === l.quantity)) return 'Canceled'
  if (nowMs < Date.parse(order.createdAt) + pendingMs) return 'Pending'
  const shipped = order.lines.reduce((sum, l) => sum + l.shippedQuantity, 0)
  if (shipped === 0) return 'Unshipped'
  return order.lines.every((l) => openQuantity(l) === 0) ? 'Shipped' : 'PartiallyShipped'
}

/** The order's last update: its last change, or the end of Pending when that came later (and has passed). */
export function lastUpdateMs(order: SimOrder, nowMs: number, pendingMs: number): number {
  const changed = Date.parse(order.updatedAt)
  const authorised = Date.parse(order.createdAt) + pendingMs
  return authorised <= nowMs && authorised > changed ? authorised : changed
}

const money = (cents: number) => ({ CurrencyCode: 'USD', Amount: (cents / 100).toFixed(2) })

export function amazonOrder(
  order: SimOrder,
  nowMs: number,
  pendingMs: number,
  marketplaceId: string,
): Record<string, unknown> {
  const status = amazonOrderStatus(order, nowMs, pendingMs)
  const purchase = Date.parse(order.createdAt)
  const shipped = order.lines.reduce((sum, l) => sum + l.shippedQuantity, 0)
  const unshipped = order.lines.reduce((sum, l) => sum + openQuantity(l), 0)
  const totalCents = order.lines.reduce((sum, l) => sum + (l.quantity - l.cancelledQuantity) * l.unitPriceCents, 0)
  return {
    AmazonOrderId: order.orderId,
    PurchaseDate: order.createdAt,
    LastUpdateDate: new Date(lastUpdateMs(order, nowMs, pendingMs)).toISOString(),
    OrderStatus: status,
    FulfillmentChannel: 'MFN',
    SalesChannel: 'Amazon.com',
    ShipServiceLevel: 'Std US D2D Dom',
    // Amazon leaves money out while payment is not authorised.
    ...(status === 'Pending' || status === 'Canceled' ? {} : { OrderTotal: money(totalCents) }),
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: unshipped,
    PaymentMethod: 'Other',
    PaymentMethodDetails: ['Standard'],
    MarketplaceId: marketplaceId,
    ShipmentServiceLevelCategory: 'Standard',
    OrderType: 'StandardOrder',
    EarliestShipDate: new Date(purchase + 86_400_000).toISOString(),
    LatestShipDate: new Date(purchase + 2 * 86_400_000).toISOString(),
    IsBusinessOrder: false,
    IsPrime: false,
    IsPremiumOrder: false,
    IsGlobalExpressEnabled: false,
    IsReplacementOrder: false,
    IsSoldByAB: false,
    IsISPU: false,
    IsAccessPointOrder: false,
    HasRegulatedItems: false,
  }
}

export function amazonOrderItem(
  order: SimOrder,
  line: SimOrderLine,
  asin: string,
  nowMs: number,
  pendingMs: number,
): Record<string, unknown> {
  const status = amazonOrderStatus(order, nowMs, pendingMs)
  const pending = status === 'Pending'
  // A cancelled order keeps what was ordered (its items say what the buyer bought; the status says
  // it is cancelled); a partial buyer cancellation shows as QuantityOrdered going down.
  const ordered = status === 'Canceled' ? line.quantity : line.quantity - line.cancelledQuantity
  return {
    ASIN: asin,
    SellerSKU: line.sku,
    OrderItemId: line.lineId,
    Title: line.sku,
    QuantityOrdered: ordered,
    QuantityShipped: line.shippedQuantity,
    ProductInfo: { NumberOfItems: '1' },
    // Pricing, taxes and gift status are withheld while Pending (the model's getOrderItems note).
    ...(pending
      ? {}
      : {
          ItemPrice: money(ordered * line.unitPriceCents),
          ItemTax: money(0),
          PromotionDiscount: money(0),
          IsGift: 'false',
        }),
    ConditionId: 'New',
    ConditionSubtypeId: 'New',
    IsTransparency: false,
    SerialNumberRequired: false,
  }
}
