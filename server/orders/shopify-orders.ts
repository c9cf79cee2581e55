// Shopify's order, as its webhooks (orders/create, orders/updated, orders/cancelled,
// orders/fulfilled: the REST Order resource) and the Admin GraphQL `orders` query (the
// reconciliation poll) report it, mapped to native order snapshots. Both paths must give the same
// order and line ids (the REST numeric ids; GraphQL's gids end in them), so a webhook and a poll of
// the same order meet in one NativeOrderLine.
// Cumulative per line: cancelled = quantity - current_quantity (units removed: cancels, refunds
// with restock, edits), shipped = current_quantity - fulfillable_quantity (what is left of the
// current units that no longer waits for fulfilment). Lines without a SKU hold no stock.
import { z } from 'zod'
import type { ParsedNativeMessage } from './native-orders'
import { readNativeBody } from './parse-json-body'
import { describeIssues } from '../errors'

const num = z.union([z.number(), z.string().regex(/^\d+$/)]).transform((v) => String(v))
const restLineItem = z
  .object({
    id: num,
    sku: z.string().nullable().optional(),
    quantity: z.number().int().min(0),
    current_quantity: z.number().int().min(0).nullable().optional(),
    fulfillable_quantity: z.number().int().min(0).nullable().optional(),
  })
  .loose()
const restOrder = z
  .object({
    id: num,
    created_at: z.string(),
    updated_at: z.string().nullable().optional(),
    cancelled_at: z.string().nullable().optional(),
    line_items: z.array(restLineItem),
    refunds: z
      .array(
        z
          .object({
            refund_line_items: z
              .array(
                z
                  .object({
                    line_item_id: num,
                    quantity: z.number().int(),
                    restock_type: z.string().nullable().optional(),
                  })
                  .loose(),
              )
              .optional(),
          })
          .loose(),
      )
      .optional(),
    fulfillments: z
      .array(
        z
          .object({
            status: z.string().optional(),
            line_items: z.array(z.object({ id: num, quantity: z.number().int() }).loose()).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose()

function line(lineId: string, sku: string, quantity: number, current: number, unfulfilled: number) {
  const cancelled = Math.max(0, Math.min(quantity, quantity - current))
  const shipped = Math.max(0, Math.min(quantity - cancelled, current - unfulfilled))
  return { lineId, sku, quantity, cancelledQuantity: cancelled, shippedQuantity: shipped }
}

/** One webhook body: a REST Order. */
export function parseShopifyOrderWebhook(body: string): ParsedNativeMessage {
  const r = readNativeBody(body, restOrder, { as: 'order', message: (issues) => `Not a Shopify order: ${issues}` })
  if (!r.ok) return r.parsed
  const o = r.data
  const removed = new Map<string, number>()
  for (const refund of o.refunds ?? [])
    for (const rl of refund.refund_line_items ?? [])
      if (rl.restock_type !== 'no_restock')
        removed.set(rl.line_item_id, (removed.get(rl.line_item_id) ?? 0) + rl.quantity)
  const fulfilled = new Map<string, number>()
  for (const f of o.fulfillments ?? [])
    if (f.status !== 'cancelled' && f.status !== 'error' && f.status !== 'failure')
      for (const fl of f.line_items ?? []) fulfilled.set(fl.id, (fulfilled.get(fl.id) ?? 0) + fl.quantity)
  const lines = o.line_items
    .filter((l) => l.sku)
    .map((l) => {
      // Older payloads lack current_quantity / fulfillable_quantity: refunds and fulfilments say it.
      const current =
        l.current_quantity ??
        (o.cancelled_at
          ? Math.min(l.quantity, fulfilled.get(l.id) ?? 0)
          : Math.max(0, l.quantity - (removed.get(l.id) ?? 0)))
      const unfulfilled = l.fulfillable_quantity ?? Math.max(0, current - (fulfilled.get(l.id) ?? 0))
      return line(l.id, l.sku!, l.quantity, current, unfulfilled)
    })
  if (lines.length === 0) return { orders: [], rejected: [] }
  return {
    orders: [
      {
        index: 0,
        order: {
          orderId: o.id,
          orderedAt: o.created_at,
          updatedAt: o.updated_at ?? o.cancelled_at ?? o.created_at,
          lines,
        },
      },
    ],
    rejected: [],
  }
}

/** The reconciliation poll's document (validated against Shopify's schema of each supported version in tests). */
export const SHOPIFY_ORDERS_QUERY = `query StocktowerOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id
      createdAt
      updatedAt
      cancelledAt
      lineItems(first: 250) {
        nodes { id sku quantity currentQuantity unfulfilledQuantity }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`

const gidTail = z.string().transform((g) => g.slice(g.lastIndexOf('/') + 1))
export const shopifyOrdersPageSchema = z
  .object({
    data: z
      .object({
        orders: z
          .object({
            nodes: z.array(
              z
                .object({
                  id: gidTail,
                  createdAt: z.string(),
                  updatedAt: z.string(),
                  cancelledAt: z.string().nullable().optional(),
                  lineItems: z
                    .object({
                      nodes: z.array(
                        z
                          .object({
                            id: gidTail,
                            sku: z.string().nullable().optional(),
                            quantity: z.number().int().min(0),
                            currentQuantity: z.number().int().min(0),
                            unfulfilledQuantity: z.number().int().min(0),
                          })
                          .loose(),
                      ),
                    })
                    .loose(),
                })
                .loose(),
            ),
            pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() }).loose(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose()

/** A stored page of the orders query (the raw GraphQL response). */
export function parseShopifyOrdersPage(body: string): ParsedNativeMessage {
  const r = readNativeBody(body, shopifyOrdersPageSchema, {
    as: 'page',
    message: (issues) => `Not a Shopify orders page: ${issues}`,
  })
  if (!r.ok) return r.parsed
  const orders = r.data.data.orders.nodes
    .map((o, index) => ({
      index,
      order: {
        orderId: o.id,
        orderedAt: o.createdAt,
        updatedAt: o.updatedAt,
        lines: o.lineItems.nodes
          .filter((l) => l.sku)
          .map((l) => line(l.id, l.sku!, l.quantity, l.currentQuantity, l.unfulfilledQuantity)),
      },
    }))
    .filter((o) => o.order.lines.length > 0)
  return { orders, rejected: [] }
}
