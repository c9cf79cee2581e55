// A channel order event as the public API takes it (docs/api.md "Channel orders") and its
// idempotency key: the shape both order paths (the API and the marketplaces' own messages) apply.
import { z } from 'zod'
import crypto from 'node:crypto'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i
export const OrderSchema = z.object({
  orderId: z.string().trim().min(1).max(200),
  eventId: z.string().trim().min(1).max(256).optional(),
  status: z.enum(['created', 'cancelled', 'shipped']),
  occurredAt: z.string().regex(ISO, 'an ISO-8601 time with an offset'),
  lines: z
    .array(
      z.object({
        lineId: z.string().trim().min(1).max(100),
        sku: z.string().trim().min(1).max(200),
        quantity: z.number().int().min(1).max(1_000_000),
      }),
    )
    .min(1)
    .max(1000),
})
export type Order = z.infer<typeof OrderSchema>
/** One order event as the order use case applies it (the public API's shape, parsed). */
export type ChannelOrder = Order

export function orderIdempotencyKey(o: Order): string {
  if (o.eventId) return `evt:${o.eventId}`
  const lines = [...o.lines]
    .sort((a, b) => (a.lineId < b.lineId ? -1 : 1))
    .map((l) => `${l.lineId}x${l.quantity}`)
    .join(',')
  const key = `ord:${o.orderId}:${o.status}:${lines}`
  // An order of many lines would not fit the key's unique index entry (~2.7 KB): long keys are
  // hashed (short ones keep their readable form, so existing keys still match).
  return key.length <= 512 ? key : `ord-sha256:${crypto.createHash('sha256').update(key).digest('hex')}`
}
