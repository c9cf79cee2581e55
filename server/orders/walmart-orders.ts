// Walmart Orders API (shared/specs/walmart/orders.json, GET /v3/orders) mapped to native order
// snapshots. The poller stores each page as Walmart sent it. Per line, `orderLineStatuses`
// splits the line's quantity by status (Created, Acknowledged, Shipped, Delivered, Cancelled):
// cumulative cancelled = the Cancelled amounts, shipped = the Shipped and Delivered amounts.
import { z } from 'zod'
import type { ParsedNativeMessage } from './native-orders'
import { readNativeBody, readPageOrders } from './parse-json-body'

const amount = z
  .union([z.string(), z.number()])
  .transform((v) => Number(v))
  .pipe(z.number().int().min(0))
const epochOrIso = z
  .union([z.number(), z.string()])
  .transform((v) => new Date(typeof v === 'number' || /^\d+$/.test(v) ? Number(v) : v).toISOString())
export const walmartOrderSchema = z
  .object({
    purchaseOrderId: z.string(),
    orderDate: epochOrIso,
    orderLines: z
      .object({
        orderLine: z.array(
          z
            .object({
              lineNumber: z.string(),
              item: z.object({ sku: z.string() }).loose(),
              orderLineQuantity: z.object({ amount }).loose(),
              statusDate: epochOrIso.optional(),
              orderLineStatuses: z
                .object({
                  orderLineStatus: z.array(
                    z.object({ status: z.string(), statusQuantity: z.object({ amount }).loose() }).loose(),
                  ),
                })
                .loose(),
            })
            .loose(),
        ),
      })
      .loose(),
  })
  .loose()
export const walmartOrdersPageSchema = z
  .object({
    list: z
      .object({
        meta: z
          .object({
            totalCount: z.number().optional(),
            limit: z.number().optional(),
            nextCursor: z.string().nullable().optional(),
          })
          .loose(),
        elements: z.object({ order: z.array(z.unknown()).optional() }).loose(),
      })
      .loose(),
  })
  .loose()

export function parseWalmartOrdersPage(body: string): ParsedNativeMessage {
  const page = readNativeBody(body, walmartOrdersPageSchema, {
    as: 'page',
    message: () => 'Not a Walmart orders page (list.elements.order).',
  })
  if (!page.ok) return page.parsed
  return readPageOrders(page.data.list.elements.order ?? [], walmartOrderSchema, 'a Walmart order', (o) => {
    const sum = (statuses: Array<{ status: string; statusQuantity: { amount: number } }>, names: string[]) =>
      statuses.filter((s) => names.includes(s.status)).reduce((n, s) => n + s.statusQuantity.amount, 0)
    const updatedAt = o.orderLines.orderLine.reduce(
      (latest, l) => (l.statusDate && l.statusDate > latest ? l.statusDate : latest),
      o.orderDate,
    )
    return {
      orderId: o.purchaseOrderId,
      orderedAt: o.orderDate,
      updatedAt,
      lines: o.orderLines.orderLine.map((l) => ({
        lineId: l.lineNumber,
        sku: l.item.sku,
        quantity: l.orderLineQuantity.amount,
        cancelledQuantity: sum(l.orderLineStatuses.orderLineStatus, ['Cancelled']),
        shippedQuantity: sum(l.orderLineStatuses.orderLineStatus, ['Shipped', 'Delivered']),
      })),
    }
  })
}
