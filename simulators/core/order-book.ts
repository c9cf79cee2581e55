// The orders buyers place on a simulated marketplace. Every simulator keeps one: `POST /_sim/buy`
// adds an order (the marketplace lowers its own quantity at once), `POST /_sim/cancel` cancels all
// or some of its lines (the units come back), `POST /_sim/ship` fulfils it. How an order then
// reaches Stocktower is each marketplace's own business (Shopify and the B2B portal push webhooks,
// Amazon and Walmart answer their orders APIs); they read the book through `orders()` and are told
// of each change through `SimulatorBase.onOrderChanged`.
//
// Invariants:
// - A line's cancelled + shipped never exceeds its quantity; an order's version grows by one per change.
// - Orders are data (no functions, no timers), so they persist in the state file and replay after a restart.
import { z } from 'zod'

export const simOrderLineSchema = z.object({
  lineId: z.string(),
  sku: z.string(),
  quantity: z.number().int().positive(),
  cancelledQuantity: z.number().int().min(0),
  shippedQuantity: z.number().int().min(0),
  /** Unit price in cents (marketplaces report money with each line). */
  unitPriceCents: z.number().int().min(0),
})
export type SimOrderLine = z.infer<typeof simOrderLineSchema>

export const simOrderSchema = z.object({
  orderId: z.string(),
  /** ISO time the buyer ordered (the marketplace's own order time). */
  createdAt: z.string(),
  /** ISO time of the last change (what "last updated after" filters read). */
  updatedAt: z.string(),
  /** Grows by one per change (created = 1). */
  version: z.number().int().positive(),
  cancelledAt: z.string().nullable(),
  lines: z.array(simOrderLineSchema).min(1),
})
export type SimOrder = z.infer<typeof simOrderSchema>

export type SimOrderChange = 'created' | 'cancelled' | 'partially_cancelled' | 'shipped' | 'partially_shipped'

/** Open units of a line: neither cancelled nor shipped. */
export const openQuantity = (line: SimOrderLine): number =>
  line.quantity - line.cancelledQuantity - line.shippedQuantity

/** Every line fully cancelled. */
export const isCancelled = (order: SimOrder): boolean => order.lines.every((l) => l.cancelledQuantity === l.quantity)

/** Nothing left open and something shipped. */
export const isShipped = (order: SimOrder): boolean =>
  order.lines.every((l) => openQuantity(l) === 0) && order.lines.some((l) => l.shippedQuantity > 0)

export const buySchema = z.union([
  z.object({ sku: z.string().min(1), quantity: z.number().int().min(1).max(1_000_000) }).strict(),
  z
    .object({
      lines: z
        .array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1).max(1_000_000) }).strict())
        .min(1)
        .max(50),
    })
    .strict(),
])
export type BuyRequest = z.infer<typeof buySchema>

/** Cancel or ship an order: omitted lines mean everything still open; given, these units of these lines. */
export const takeLinesSchema = z
  .object({
    orderId: z.string().min(1),
    lines: z
      .array(z.object({ lineId: z.string().min(1), quantity: z.number().int().min(1) }).strict())
      .min(1)
      .optional(),
  })
  .strict()
export type TakeLinesRequest = z.infer<typeof takeLinesSchema>

export class OrderBookError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export class OrderBook {
  private readonly byId = new Map<string, SimOrder>()

  /** Orders oldest first (insertion order). */
  orders(): SimOrder[] {
    return [...this.byId.values()]
  }

  get(orderId: string): SimOrder | undefined {
    return this.byId.get(orderId)
  }

  get size(): number {
    return this.byId.size
  }

  add(order: SimOrder): SimOrder {
    if (this.byId.has(order.orderId)) throw new OrderBookError(409, 'DUPLICATE_ORDER', `order ${order.orderId} exists`)
    this.byId.set(order.orderId, order)
    return order
  }

  /**
   * Takes units off lines (cancel or ship). Returns per line how many units moved. Throws when a
   * named line does not exist or has fewer open units than asked.
   */
  take(
    orderId: string,
    kind: 'cancel' | 'ship',
    lines: Array<{ lineId: string; quantity: number }> | undefined,
    at: string,
  ): { order: SimOrder; moved: Array<{ line: SimOrderLine; quantity: number }> } {
    const order = this.byId.get(orderId)
    if (!order) throw new OrderBookError(404, 'ORDER_NOT_FOUND', `no order ${orderId}`)
    const wanted =
      lines ??
      order.lines.filter((l) => openQuantity(l) > 0).map((l) => ({ lineId: l.lineId, quantity: openQuantity(l) }))
    for (const w of wanted) {
      const line = order.lines.find((l) => l.lineId === w.lineId)
      if (!line) throw new OrderBookError(404, 'LINE_NOT_FOUND', `order ${orderId} has no line ${w.lineId}`)
      if (openQuantity(line) < w.quantity)
        throw new OrderBookError(
          409,
          'NOT_OPEN',
          `line ${w.lineId} of order ${orderId} has ${openQuantity(line)} open unit(s), not ${w.quantity}`,
        )
    }
    if (wanted.length === 0) throw new OrderBookError(409, 'NOT_OPEN', `order ${orderId} has nothing open`)
    const moved = wanted.map((w) => {
      const line = order.lines.find((l) => l.lineId === w.lineId)!
      if (kind === 'cancel') line.cancelledQuantity += w.quantity
      else line.shippedQuantity += w.quantity
      return { line, quantity: w.quantity }
    })
    order.version += 1
    order.updatedAt = at
    if (kind === 'cancel' && isCancelled(order)) order.cancelledAt = at
    return { order, moved }
  }

  export(): SimOrder[] {
    return this.orders()
  }

  import(saved: unknown): void {
    for (const order of z.array(simOrderSchema).parse(saved ?? [])) this.byId.set(order.orderId, order)
  }
}
