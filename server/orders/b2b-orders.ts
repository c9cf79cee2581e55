// The B2B portal's order webhook (docs/api.md, "B2B portal order webhook"): our own marketplace, so
// its body already carries cumulative counts per line.
import { z } from 'zod'
import type { ParsedNativeMessage } from './native-orders'
import { readNativeBody } from './parse-json-body'
import { describeIssues } from '../errors'

export const B2B_ORDER_EVENTS = ['order.created', 'order.updated', 'order.cancelled', 'order.shipped'] as const

export const b2bOrderWebhookSchema = z
  .object({
    deliveryId: z.string().min(1).max(200),
    event: z.enum(B2B_ORDER_EVENTS),
    occurredAt: z.string(),
    order: z
      .object({
        orderId: z.string(),
        createdAt: z.string(),
        updatedAt: z.string(),
        lines: z.array(
          z
            .object({
              lineId: z.string(),
              sku: z.string(),
              quantity: z.number().int(),
              cancelledQuantity: z.number().int().default(0),
              shippedQuantity: z.number().int().default(0),
            })
            .loose(),
        ),
      })
      .loose(),
  })
  .loose()

export function parseB2bOrderWebhook(body: string): ParsedNativeMessage {
  const r = readNativeBody(body, b2bOrderWebhookSchema, {
    as: 'order',
    message: (issues) => `Not a B2B portal order webhook: ${issues}`,
  })
  if (!r.ok) return r.parsed
  const o = r.data.order
  return {
    orders: [
      {
        index: 0,
        order: {
          orderId: o.orderId,
          orderedAt: o.createdAt,
          updatedAt: o.updatedAt,
          lines: o.lines.map((l) => ({
            lineId: l.lineId,
            sku: l.sku,
            quantity: l.quantity,
            cancelledQuantity: l.cancelledQuantity,
            shippedQuantity: l.shippedQuantity,
          })),
        },
      },
    ],
    rejected: [],
  }
}
