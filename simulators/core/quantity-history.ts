// What moved a marketplace's shown quantity, per SKU: our applied updates (by submission id),
// buyers' orders and cancellations (by order id) and merchants' manual edits. Kept in memory for
// the most recent changes of each SKU (not in the state file): a person or a test asks
// `GET /_sim/history?sku=` why the marketplace shows what it shows, as Stocktower's own
// explanations answer for our side.

export interface QuantityChange {
  at: string
  from: number | null
  to: number
  cause: 'apply' | 'buy' | 'cancel' | 'manual-edit'
  /** The submission id of an applied update, or the order id of a buy or cancel. */
  ref: string | null
}

/** How many changes are kept per SKU (oldest dropped first). */
const PER_SKU = 200

export class QuantityHistory {
  private readonly bySku = new Map<string, QuantityChange[]>()

  add(sku: string, change: QuantityChange): void {
    const list = this.bySku.get(sku) ?? []
    list.push(change)
    if (list.length > PER_SKU) list.splice(0, list.length - PER_SKU)
    this.bySku.set(sku, list)
  }

  of(sku: string): readonly QuantityChange[] {
    return this.bySku.get(sku) ?? []
  }
}
