// The Walmart simulator's orders: GET /v3/orders as test/fixtures/specs/walmart/orders.json describes it
// (tests validate the answers against its PurchaseOrderTypeV3 schema):
//   ?createdStartDate | lastModifiedStartDate [&createdEndDate | lastModifiedEndDate][&limit <= 200]
//   [&status][&sku][&purchaseOrderId][&customerOrderId]
// -> { list: { meta: { totalCount, limit, nextCursor }, elements: { order: [...] } } }
// `nextCursor` is a query string ("?limit=..&hasMoreElements=true&soIndex=..&poIndex=..&...") the
// client appends to /v3/orders for the next page, as Walmart does. Without a start date Walmart
// uses createdStartDate = now - 7 days. Times in answers are epoch milliseconds.
//
// Per order line, `orderLineStatuses.orderLineStatus[]` splits the line's units by status, each
// with `statusQuantity.amount` (a string, as in the spec): Created (open), Shipped, Cancelled.
// Intake reads cumulative cancelled = sum of Cancelled amounts, shipped = sum of Shipped amounts.
import { openQuantity, type SimOrder, type SimOrderLine } from './core/order-book'

export interface WalmartOrdersQuery {
  field: 'created' | 'lastModified'
  start: number
  /** Inclusive end, frozen at the first page so later pages stay consistent. */
  end: number
  limit: number
  status?: string
  sku?: string
  purchaseOrderId?: string
  customerOrderId?: string
}

export type ParsedWalmartOrders =
  { ok: true; query: WalmartOrdersQuery; afterKey: string | undefined } | { ok: false; field: string; message: string }

const SEVEN_DAYS = 7 * 86_400_000
const STATUSES = new Set(['Created', 'Acknowledged', 'Shipped', 'Delivered', 'Cancelled'])

function parseDate(value: string | null): number | undefined | null {
  if (value === null || value === '') return undefined
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return null
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? null : parsed
}

export function parseWalmartOrders(params: URLSearchParams, nowMs: number): ParsedWalmartOrders {
  const dates: Record<string, number | undefined> = {}
  for (const name of ['createdStartDate', 'createdEndDate', 'lastModifiedStartDate', 'lastModifiedEndDate']) {
    const parsed = parseDate(params.get(name))
    if (parsed === null)
      return { ok: false, field: name, message: `${name} must be a date (yyyy-MM-dd) or an ISO 8601 date-time.` }
    dates[name] = parsed
  }
  const limitRaw = params.get('limit')
  const limit = limitRaw === null ? 100 : Number(limitRaw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    return { ok: false, field: 'limit', message: 'limit must be an integer from 1 to 200.' }
  const status = params.get('status') ?? undefined
  if (status !== undefined && !STATUSES.has(status))
    return { ok: false, field: 'status', message: `status must be one of ${[...STATUSES].join(', ')}.` }
  const byModified = dates.lastModifiedStartDate !== undefined
  const start = byModified ? dates.lastModifiedStartDate! : (dates.createdStartDate ?? nowMs - SEVEN_DAYS)
  const end = (byModified ? dates.lastModifiedEndDate : dates.createdEndDate) ?? nowMs
  if (end < start)
    return {
      ok: false,
      field: byModified ? 'lastModifiedEndDate' : 'createdEndDate',
      message: 'The end date must not be before the start date.',
    }
  let afterKey: string | undefined
  if (params.get('hasMoreElements') === 'true') {
    const so = params.get('soIndex')
    const po = params.get('poIndex')
    if (!so || !/^\d+$/.test(so) || !po)
      return { ok: false, field: 'nextCursor', message: 'The cursor is invalid; start again without it.' }
    afterKey = `${so.padStart(15, '0')}|${po}`
  }
  return {
    ok: true,
    query: {
      field: byModified ? 'lastModified' : 'created',
      start,
      end,
      limit,
      status,
      sku: params.get('sku') ?? undefined,
      purchaseOrderId: params.get('purchaseOrderId') ?? undefined,
      customerOrderId: params.get('customerOrderId') ?? undefined,
    },
    afterKey,
  }
}

export function walmartCursor(query: WalmartOrdersQuery, last: { sortMs: number; purchaseOrderId: string }): string {
  const params = new URLSearchParams({
    limit: String(query.limit),
    hasMoreElements: 'true',
    soIndex: String(last.sortMs),
    poIndex: last.purchaseOrderId,
  })
  const iso = (ms: number) => new Date(ms).toISOString()
  if (query.field === 'lastModified') {
    params.set('lastModifiedStartDate', iso(query.start))
    params.set('lastModifiedEndDate', iso(query.end))
  } else {
    params.set('createdStartDate', iso(query.start))
    params.set('createdEndDate', iso(query.end))
  }
  for (const name of ['status', 'sku', 'purchaseOrderId', 'customerOrderId'] as const)
    if (query[name]) params.set(name, query[name]!)
  return `?${params.toString()}`
}

/** The customer order id Walmart pairs with a purchase order (13 digits). */
export function customerOrderIdFor(purchaseOrderId: string): string {
  return String(5_281_956_000_000 + (Number(purchaseOrderId) % 1_000_000))
}

function lineStatuses(line: SimOrderLine) {
  const entry = (status: string, amount: number) => ({
    status,
    statusQuantity: { unitOfMeasurement: 'EACH', amount: String(amount) },
  })
  return [
    ...(openQuantity(line) > 0 ? [entry('Created', openQuantity(line))] : []),
    ...(line.shippedQuantity > 0 ? [entry('Shipped', line.shippedQuantity)] : []),
    ...(line.cancelledQuantity > 0
      ? [{ ...entry('Cancelled', line.cancelledQuantity), cancellationReason: 'CUSTOMER_REQUESTED_SELLER_TO_CANCEL' }]
      : []),
  ]
}

export function walmartOrder(order: SimOrder): Record<string, unknown> {
  const orderDate = Date.parse(order.createdAt)
  const statusDate = Date.parse(order.updatedAt)
  return {
    purchaseOrderId: order.orderId,
    customerOrderId: customerOrderIdFor(order.orderId),
    customerEmailId: `${order.orderId.padStart(32, '0').slice(-32)}@relay.walmart.com`,
    orderType: 'REGULAR',
    orderDate,
    shippingInfo: {
      phone: '5555550100',
      estimatedDeliveryDate: orderDate + 5 * 86_400_000,
      estimatedShipDate: orderDate + 2 * 86_400_000,
      methodCode: 'Standard',
      postalAddress: {
        name: 'Demo Buyer',
        address1: '1 Demo Street',
        city: 'Bentonville',
        state: 'AR',
        postalCode: '72712',
        country: 'USA',
        addressType: 'RESIDENTIAL',
      },
    },
    orderLines: {
      orderLine: order.lines.map((line) => ({
        lineNumber: line.lineId,
        item: { productName: line.sku, sku: line.sku },
        charges: {
          charge: [
            {
              chargeType: 'PRODUCT',
              chargeName: 'ItemPrice',
              chargeAmount: { currency: 'USD', amount: line.unitPriceCents / 100 },
              tax: { taxName: 'Tax1', taxAmount: { currency: 'USD', amount: 0 } },
            },
          ],
        },
        orderLineQuantity: { unitOfMeasurement: 'EACH', amount: String(line.quantity) },
        statusDate,
        orderLineStatuses: { orderLineStatus: lineStatuses(line) },
        fulfillment: { fulfillmentOption: 'S2H', shipMethod: 'STANDARD' },
      })),
    },
    shipNode: { type: 'SellerFulfilled' },
  }
}

/** Whether an order has a line in the given status (Walmart's `status` filter is per order line). */
export function hasLineStatus(order: SimOrder, status: string): boolean {
  return order.lines.some((line) => lineStatuses(line).some((entry) => entry.status === status))
}
