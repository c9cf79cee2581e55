// Live fan-out: N socket.io clients signed in as the analyst, in the dashboard room, each behaving as
// the dashboard page does (components/dashboard/dashboard-view.tsx + components/realtime/use-realtime.ts):
// a `listings.changed` (or channel/kpi/dead-letter) event schedules one refetch of /api/ui/dashboard
// after the page's 1 s coalescing window, never two at once per client. Measured per refetch: from the commit that caused its first
// event (the newest decision, publish result or verification of the event's first SKU at or before the event
// arrived) to the refetch's answer.
import { io, type Socket } from 'socket.io-client'
import type pg from 'pg'

const COALESCE_MS = 1_000 // use-realtime's default, which the dashboard uses
const EVENTS = ['listings.changed', 'dead-letters.changed', 'kpis.changed', 'channel.updated'] as const

interface Cycle {
  firstAt: number
  sku: string | null
  doneAt: number | null
  status: number
}

export interface FanoutClients {
  connected: number
  stop(): Promise<{ cycles: Cycle[]; events: number; errors: string[] }>
  /** Starts counting (events before are ignored, e.g. while the clients connect). */
  arm(): void
}

export async function connectFanout(opts: {
  url: string
  cookie: string
  clients: number
  log: (l: string) => void
}): Promise<FanoutClients> {
  const cycles: Cycle[] = []
  const errors: string[] = []
  const sockets: Socket[] = []
  let events = 0
  let armed = false
  const timers = new Set<NodeJS.Timeout>()
  const connectOne = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = io(opts.url, {
        path: '/socket.io',
        transports: ['websocket'],
        extraHeaders: { cookie: opts.cookie },
        reconnection: false,
        timeout: 30_000,
      })
      s.once('connect_error', (e) => reject(e))
      s.once('connect', () => {
        s.emit('subscribe', { rooms: ['dashboard'] }, (r: { joined?: string[]; error?: string }) => {
          if (!r?.joined?.includes('dashboard'))
            return reject(new Error(`could not join the dashboard room: ${JSON.stringify(r)}`))
          resolve(s)
        })
      })
    })
  // Connect in groups so the handshakes do not all queue at once.
  for (let i = 0; i < opts.clients; i += 25) {
    const group = await Promise.all(Array.from({ length: Math.min(25, opts.clients - i) }, connectOne))
    sockets.push(...group)
  }
  // Cycles scheduled or in flight (stop() waits for them).
  let open = 0
  for (const s of sockets) {
    // As use-realtime does: the first event schedules a refetch after the coalescing window;
    // later events join it until it starts. At most one refetch is in flight: an event arriving
    // during one starts the next cycle, whose refetch waits for both its window and the one in
    // flight (that one may have started before the change, so it does not count).
    let pending: (Cycle & { due: boolean }) | null = null
    let inFlight = false
    const start = () => {
      const c = pending!
      pending = null
      inFlight = true
      void fetch(`${opts.url}/api/ui/dashboard?range=1h`, {
        headers: { cookie: opts.cookie },
        signal: AbortSignal.timeout(30_000),
      })
        .then(async (r) => {
          await r.arrayBuffer()
          c.status = r.status
          c.doneAt = Date.now()
        })
        .catch((e: Error) => {
          errors.push(e.message)
        })
        .finally(() => {
          cycles.push({ firstAt: c.firstAt, sku: c.sku, doneAt: c.doneAt, status: c.status })
          open--
          inFlight = false
          if (pending?.due) start()
        })
    }
    for (const event of EVENTS) {
      s.on(event, (payload: { skus?: string[] }) => {
        if (!armed) return
        events++
        if (pending) return
        const c = { firstAt: Date.now(), sku: payload?.skus?.[0] ?? null, doneAt: null, status: 0, due: false }
        pending = c
        open++
        const t = setTimeout(() => {
          timers.delete(t)
          c.due = true
          if (!inFlight) start()
        }, COALESCE_MS)
        timers.add(t)
      })
    }
  }
  opts.log(`[bench] fan-out: ${sockets.length} socket.io clients in the dashboard room`)
  return {
    connected: sockets.length,
    arm() {
      armed = true
    },
    async stop() {
      armed = false
      // Let scheduled refetches finish (each is bounded by its own timeout).
      const deadline = Date.now() + 35_000
      while (open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      await new Promise((r) => setTimeout(r, 50))
      for (const s of sockets) s.disconnect()
      return { cycles, events, errors }
    },
  }
}

/**
 * Commit time of each cycle's first event: the newest decision, channel call result or read-back
 * verification of its SKU at or before the moment the event arrived (one query for all cycles).
 * A verification emits `listings.changed` too; without it, an update verified minutes after its
 * call (a read-back backlog) was timed from the call.
 */
export async function commitToRefetch(
  pool: pg.Pool,
  cycles: Cycle[],
): Promise<{ samples: number[]; unresolved: number; failed: number }> {
  const done = cycles.filter((c) => c.doneAt !== null && c.status === 200 && c.sku)
  const failed = cycles.filter((c) => c.doneAt !== null && c.status !== 200).length
  // Many clients share an event: look each (SKU, arrival to the 10 ms) up once.
  const keyOf = (c: Cycle) => `${c.sku}@${Math.floor(c.firstAt / 10)}`
  const distinct = [...new Map(done.map((c) => [keyOf(c), c])).values()]
  if (distinct.length === 0) return { samples: [], unresolved: cycles.length - done.length, failed }
  const r = await pool.query<{ i: string; at: string | null }>(
    `SELECT x.i::text AS i, (extract(epoch FROM GREATEST(
              (SELECT max(d."decidedAt") FROM "ChannelListing" cl JOIN "AvailabilityDecision" d ON d."listingId" = cl.id AND d."decidedAt" <= x.at WHERE cl."skuId" = s.id),
              (SELECT max(a."finishedAt") FROM "ChannelListing" cl JOIN "PublishAttempt" a ON a."listingId" = cl.id AND a."finishedAt" <= x.at WHERE cl."skuId" = s.id),
              (SELECT max(a."verifiedAt") FROM "ChannelListing" cl JOIN "PublishAttempt" a ON a."listingId" = cl.id AND a."verifiedAt" <= x.at WHERE cl."skuId" = s.id)
            )) * 1000)::float8::text AS at
       FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS x(sku, at, i) JOIN "Sku" s ON s.code = x.sku`,
    [distinct.map((c) => c.sku), distinct.map((c) => new Date(c.firstAt + 10).toISOString())],
  )
  const commitAt = new Map<string, number>()
  for (const row of r.rows) if (row.at !== null) commitAt.set(keyOf(distinct[Number(row.i) - 1]), Number(row.at))
  const samples: number[] = []
  let unresolved = cycles.length - done.length - failed
  for (const c of done) {
    const at = commitAt.get(keyOf(c))
    if (at === undefined) {
      unresolved++
      continue
    }
    samples.push(c.doneAt! - at)
  }
  return { samples, unresolved, failed }
}
