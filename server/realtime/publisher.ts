// Thin realtime events (what changed, ids), sent to rooms. The process entry point installs the
// transport: socket.io itself in the web process, the Postgres emitter in workers.
import { ROOMS, type RealtimeEventName, type RealtimeEvents } from './contract'

export { ROOMS }
export type { RealtimeEventName, RealtimeEvents }

/** Sends one event to every socket in any of `rooms` (a socket in two of them gets it once). */
export interface RealtimeTransport {
  emit(rooms: string[], event: string, payload: unknown): void
}

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
    if (bytes + cost > 5_000 && chunk.length) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(sku)
    bytes += cost
  }
  if (chunk.length) chunks.push(chunk)
  return chunks
}

/** SKUs a dashboard-room event names at most (a sample: the dashboard refetches its totals anyway). */
const DASHBOARD_SKU_SAMPLE = 200
/**
 * Dashboard-room `listings.changed` emits of one process within this window go out as one: the
 * first at once, the rest merged into one at the window's end. Under a stream every recompute and
 * publish batch emits; with hundreds of dashboards open each emit is a frame per browser, while a
 * browser refetches at most once a second whatever it hears (use-realtime's coalescing).
 */
export const DASHBOARD_COALESCE_MS = 250

interface Merged {
  rooms: Set<string>
  skus: Set<string>
  channels: Set<string>
}
const dashboardWindow: { open: boolean; pending: Merged | null } = { open: false, pending: null }

function sendMerged(m: Merged): void {
  emitRealtime([...m.rooms], 'listings.changed', {
    skus: [...m.skus].slice(0, DASHBOARD_SKU_SAMPLE),
    channels: [...m.channels],
  })
}

function closeDashboardWindowLater(): void {
  dashboardWindow.open = true
  // unref: a process may exit with a merged emit pending; realtime is best effort (a lost push only
  // delays a refetch), and the next change or reconnect refetches.
  setTimeout(() => {
    const pending = dashboardWindow.pending
    dashboardWindow.pending = null
    dashboardWindow.open = false
    if (pending) {
      sendMerged(pending)
      closeDashboardWindowLater()
    }
  }, DASHBOARD_COALESCE_MS).unref()
}

/**
 * Listings moved (decided, sent, applied): one event to the dashboard and the given rooms with a
 * sample of the SKUs (coalesced per DASHBOARD_COALESCE_MS), and one to each SKU's own room, so an
 * open SKU page refetches however large the batch was.
 */
export function emitListingsChanged(skus: string[], channels: string[], rooms: string[] = []): void {
  const m: Merged = { rooms: new Set([ROOMS.dashboard, ...rooms]), skus: new Set(skus), channels: new Set(channels) }
  if (!dashboardWindow.open) {
    sendMerged(m)
    closeDashboardWindowLater()
  } else if (!dashboardWindow.pending) dashboardWindow.pending = m
  else {
    const p = dashboardWindow.pending
    for (const r of m.rooms) p.rooms.add(r)
    for (const c of m.channels) p.channels.add(c)
    for (const sku of m.skus) {
      if (p.skus.size >= DASHBOARD_SKU_SAMPLE) break
      p.skus.add(sku)
    }
  }
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
  try {
    t.emit(rooms, event, payload)
  } catch (e) {
    console.warn('[realtime] emit failed:', (e as Error).message)
  }
}
