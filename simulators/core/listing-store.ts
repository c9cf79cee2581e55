// The listings one simulated marketplace holds, keyed the way that marketplace keys them (a SKU, a
// `sku|shipNode`, an inventory item GID). Each marketplace keeps its own record shape; what every
// simulator does with the map the same way (save it to the state file, read it back through a schema,
// show it in `GET /_sim/state`, seed the listings that are missing, read and move the quantity buyers
// see) is written once here.
import type { z } from 'zod'

/** What SimulatorBase needs from a marketplace's listings, whatever their record shape. */
export interface SavedListings {
  /** The listings as the state file stores them. */
  export(): Record<string, unknown>
  /** Restores listings saved by export(); throws on a shape it does not recognise. */
  import(saved: unknown): void
  /** The listings as `GET /_sim/state` shows them. */
  view(): Record<string, unknown>
  /** The quantity buyers see on the listing at `key`; undefined when there is no such listing. */
  shown(key: string): number | undefined
  /** Sets the quantity buyers see on the listing at `key` (stamped updated at `nowMs`); nothing when there is none. */
  setShown(key: string, quantity: number, nowMs: number): void
  /** Moves it by `delta` (a sale, a cancellation), never below 0. */
  adjustShown(key: string, delta: number, nowMs: number): void
}

export interface ListingStoreOptions<Listing> {
  /** Reads a saved copy back (the state file outlives code changes: a wrong shape must throw). */
  saved: z.ZodType<Record<string, Listing>>
  /** One listing as `GET /_sim/state` shows it: the key it is shown under and what is shown. */
  show(listing: Listing, key: string): readonly [string, unknown]
  /** Where a listing keeps the quantity buyers see. */
  quantity: { get(listing: Listing): number; set(listing: Listing, quantity: number): void }
}

export class ListingStore<Listing extends { updatedAt: string }> extends Map<string, Listing> implements SavedListings {
  constructor(private readonly options: ListingStoreOptions<Listing>) {
    super()
  }

  export(): Record<string, unknown> {
    return Object.fromEntries(this)
  }

  import(saved: unknown): void {
    for (const [key, listing] of Object.entries(this.options.saved.parse(saved))) this.set(key, listing)
  }

  view(): Record<string, unknown> {
    return Object.fromEntries([...this].map(([key, listing]) => this.options.show(listing, key)))
  }

  shown(key: string): number | undefined {
    const listing = this.get(key)
    return listing ? this.options.quantity.get(listing) : undefined
  }

  setShown(key: string, quantity: number, nowMs: number): void {
    this.change(key, nowMs, (listing) => this.options.quantity.set(listing, quantity))
  }

  adjustShown(key: string, delta: number, nowMs: number): void {
    const { get, set } = this.options.quantity
    this.change(key, nowMs, (listing) => set(listing, Math.max(0, get(listing) + delta)))
  }

  /** Changes one listing in place and stamps it updated at `nowMs`; nothing when there is no such listing. */
  change(key: string, nowMs: number, change: (listing: Listing) => void): void {
    const listing = this.get(key)
    if (!listing) return
    change(listing)
    listing.updatedAt = new Date(nowMs).toISOString()
  }

  /** Creates the listings whose key is missing (existing ones keep their quantity); returns how many. */
  seedMissing(keys: readonly string[], create: (key: string) => Listing): number {
    let created = 0
    for (const key of keys) {
      if (this.has(key)) continue
      this.set(key, create(key))
      created += 1
    }
    return created
  }
}
