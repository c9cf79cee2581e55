// Thin realtime events (what changed, ids), sent to rooms. The process entry point installs the
// transport: socket.io itself in the web process, the Postgres emitter in workers.
import { ROOMS, type RealtimeEventName, type RealtimeEvents } from './contract'

export { ROOMS }
export type { RealtimeEventName, RealtimeEvents }

/** Sends one event to every socket in any of `rooms` (a socket in two of them gets it once). */
export interface RealtimeTransport { emit(rooms: string[], event: string, payload: unknown): void }

const holder = globalThis as unknown as { stocktowerRealtime?: RealtimeTransport }

export function setRealtimeTransport(t: RealtimeTransport): void {
  holder.stocktowerRealtime = t
}

/**
 * SKU codes in groups whose message (each code twice: room name and payload) stays well under
 * NOTIFY's 8,000 bytes, so a batch of any size reaches every SKU's room.
 */
export function skuChunks(skus: string[]): string[][] {
  const chunks: string[][] = []
  let chunk: string[] = []
  let bytes = 0
  for (const sku of new Set(skus)) {
    const cost = 2 * Buffer.byteLength(sku) + 12 // plus quoting and the room prefix
    if (bytes + cost > 5_000 && chunk.length) { chunks.push(chunk); chunk = []; bytes = 0 }
    chunk.push(sku)
    bytes += cost
  }
  if (chunk.length) chunks.push(chunk)
  return chunks
}

/**
 * Listings moved (decided, sent, applied): one event to the dashboard and the given rooms with a
 * sample of the SKUs, and one to each SKU's own room, so an open SKU page refetches however large
 * the batch was.
 */
export function emitListingsChanged(skus: string[], channels: string[], rooms: string[] = []): void {
  emitRealtime([ROOMS.dashboard, ...rooms], 'listings.changed', { skus: [...new Set(skus)].slice(0, 200), channels })
  for (const chunk of skuChunks(skus)) emitRealtime(chunk.map(ROOMS.sku), 'listings.changed', { skus: chunk, channels })
}

/** Positions moved (events applied): each SKU's own room hears it; decisions follow as listings.changed. */
export function emitStockChanged(skus: string[]): void {
  for (const chunk of skuChunks(skus)) emitRealtime(chunk.map(ROOMS.sku), 'stock.changed', { skus: chunk })
}

/** Best effort by design: a lost push only delays a refetch (clients also resync on reconnect). */
export function emitRealtime<E extends RealtimeEventName>(rooms: string[], event: E, payload: RealtimeEvents[E]): void {
  const t = holder.stocktowerRealtime
  if (!t || rooms.length === 0) return
  try { t.emit(rooms, event, payload) } catch (e) { console.warn('[realtime] emit failed:', (e as Error).message) }
}
