// Amazon Orders API v0 (shared/specs/amazon/ordersV0.json) mapped to native order snapshots. The
// poller stores one raw message per page: `{ "orders": [Order], "orderItems": { "<AmazonOrderId>":
// [OrderItem] } }` (getOrders' page and each order's getOrderItems, as Amazon sent them).
// A known order's update whose order-level counts (NumberOfItemsShipped / NumberOfItemsUnshipped)
// match what we applied is read without getOrderItems (0.5 calls/s, the intake's bottleneck): the
// poller stores its items under `itemsFromOrderCounts`, marked as ours (itemsFromOrderCounts below).
// Statuses: Pending (the units are already held on Amazon: it reserves), Unshipped,
// PartiallyShipped, Shipped, Canceled. Cumulative per line: shipped = QuantityShipped; cancelled =
// the whole unshipped line when Canceled; a partial buyer cancellation shows as QuantityOrdered
// going down, which native-orders.ts counts against the original (kept in NativeOrderLine).
import { z } from 'zod'
import type { ParsedNativeMessage } from './native-orders'
import { readNativeBody, readPageOrders } from './parse-json-body'

export const amazonOrderSchema = z
  .object({
    AmazonOrderId: z.string(),
    PurchaseDate: z.string(),
    LastUpdateDate: z.string(),
    OrderStatus: z.string(),
    FulfillmentChannel: z.string().optional(),
    NumberOfItemsShipped: z.number().int().min(0).optional(),
    NumberOfItemsUnshipped: z.number().int().min(0).optional(),
  })
  .loose()
export const amazonOrderItemSchema = z
  .object({
    OrderItemId: z.string(),
    SellerSKU: z.string().optional(),
    QuantityOrdered: z.number().int().min(0),
    QuantityShipped: z.number().int().min(0).optional(),
  })
  .loose()
export const getOrdersResponseSchema = z
  .object({
    payload: z
      .object({
        Orders: z.array(amazonOrderSchema),
        NextToken: z.string().optional(),
        LastUpdatedBefore: z.string().optional(),
      })
      .loose(),
  })
  .loose()
export const getOrderItemsResponseSchema = z
  .object({
    payload: z
      .object({
        AmazonOrderId: z.string(),
        OrderItems: z.array(amazonOrderItemSchema),
        NextToken: z.string().optional(),
      })
      .loose(),
  })
  .loose()

const pageSchema = z.object({
  orders: z.array(z.unknown()),
  orderItems: z.record(z.string(), z.array(z.unknown())),
  /** Items we wrote from our own lines because the order's counts showed no line-level change. */
  itemsFromOrderCounts: z.record(z.string(), z.array(z.unknown())).optional(),
})

/** A line of an order as we last applied it (NativeOrderLine). */
export interface KnownAmazonLine {
  lineId: string
  sku: string
  quantity: number
  cancelledQuantity: number
  shippedQuantity: number
}

/**
 * The order items of a known order's update, when its order-level counts say what changed without
 * getOrderItems; null when only the items can tell (a new line, a partial cancel, a partial
 * shipment, counts Amazon left out). Amazon's QuantityOrdered is what is still ordered (it falls on
 * a partial buyer cancel), so a line reads as quantity - cancelled.
 * - Shipped: every unit still ordered shipped (NumberOfItemsShipped = units still ordered).
 * - Canceled: nothing shipped since (NumberOfItemsShipped unchanged): the rest is cancelled.
 * - Pending / Unshipped: both counts unchanged: the lines are as we have them.
 */
export function itemsFromOrderCounts(
  order: z.infer<typeof amazonOrderSchema>,
  known: KnownAmazonLine[],
): Array<z.infer<typeof amazonOrderItemSchema>> | null {
  const shipped = order.NumberOfItemsShipped
  const unshipped = order.NumberOfItemsUnshipped
  if (known.length === 0 || shipped === undefined || unshipped === undefined) return null
  const ordered = known.reduce((n, l) => n + l.quantity - l.cancelledQuantity, 0)
  const shippedBefore = known.reduce((n, l) => n + l.shippedQuantity, 0)
  const item = (l: KnownAmazonLine, allShipped: boolean) => ({
    OrderItemId: l.lineId,
    SellerSKU: l.sku,
    QuantityOrdered: l.quantity - l.cancelledQuantity,
    QuantityShipped: allShipped ? l.quantity - l.cancelledQuantity : l.shippedQuantity,
  })
  if (order.OrderStatus === 'Shipped' && unshipped === 0 && shipped === ordered) return known.map((l) => item(l, true))
  if (order.OrderStatus === 'Canceled' && shipped === shippedBefore) return known.map((l) => item(l, false))
  if (
    (order.OrderStatus === 'Pending' || order.OrderStatus === 'Unshipped') &&
    shipped === shippedBefore &&
    unshipped === ordered - shippedBefore
  )
    return known.map((l) => item(l, false))
  return null
}

/** Statuses whose units Amazon holds or has shipped (PendingAvailability: pre-orders, not yet held). */
const HOLDING = new Set(['Pending', 'Unshipped', 'PartiallyShipped', 'Shipped', 'Canceled', 'InvoiceUnconfirmed'])

export function parseAmazonOrdersPage(body: string): ParsedNativeMessage {
  const page = readNativeBody(body, pageSchema, {
    as: 'page',
    message: () => 'Not an Amazon orders page ({ orders, orderItems }).',
  })
  if (!page.ok) return page.parsed
  return readPageOrders(page.data.orders, amazonOrderSchema, 'an Amazon order', (order, reject) => {
    // Amazon fulfils AFN orders from its own stock (FBA): they never touch ours.
    if (order.FulfillmentChannel === 'AFN' || !HOLDING.has(order.OrderStatus)) return null
    const items = (
      page.data.orderItems[order.AmazonOrderId] ??
      page.data.itemsFromOrderCounts?.[order.AmazonOrderId] ??
      []
    ).map((i) => amazonOrderItemSchema.safeParse(i))
    const bad = items.find((i) => !i.success)
    if (bad && !bad.success) {
      reject(`Order ${order.AmazonOrderId} has an unreadable order item: ${bad.error.issues[0]?.message}`)
      return null
    }
    const lines = items
      .map((i) => i.data!)
      .map((i) => {
        const shipped = i.QuantityShipped ?? 0
        return {
          lineId: i.OrderItemId,
          sku: i.SellerSKU ?? '',
          quantity: i.QuantityOrdered,
          cancelledQuantity: order.OrderStatus === 'Canceled' ? Math.max(0, i.QuantityOrdered - shipped) : 0,
          shippedQuantity: shipped,
        }
      })
    if (lines.length === 0) return null
    return { orderId: order.AmazonOrderId, orderedAt: order.PurchaseDate, updatedAt: order.LastUpdateDate, lines }
  })
}
