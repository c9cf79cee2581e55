// One computation of a read model shared by the requests that arrive while it is fresh: with
// hundreds of dashboards open, a change reaches every browser within the same second and each
// refetches; without sharing, each refetch is its own set of queries (hundreds a second on two
// cores starved ingest in the fan-out bench). Per process, per key (e.g. the dashboard's range).
//
// Freshness invariant: a request is answered by a computation that started at most `maxAgeMs`
// before the request arrived. Browsers refetch a read model `coalesceMs` (>= 1 s for the dashboard
// and the KPIs, components/realtime/use-realtime.ts) after the event that announced a change, and
// that event leaves after the change committed; so with maxAgeMs below coalesceMs the answer's
// queries started after the commit and show it. A failed computation is not shared with later
// requests.

interface Entry<T> {
  startedAt: number
  value: Promise<T>
}

export interface SharedRead<T> {
  (key: string): Promise<T>
}

export function sharedRead<T>(
  compute: (key: string) => Promise<T>,
  opts: { maxAgeMs: number; clock?: () => number },
): SharedRead<T> {
  const clock = opts.clock ?? Date.now
  const entries = new Map<string, Entry<T>>()
  return (key: string) => {
    const at = clock()
    const e = entries.get(key)
    if (e && at - e.startedAt < opts.maxAgeMs) return e.value
    const value = compute(key)
    const entry = { startedAt: at, value }
    entries.set(key, entry)
    value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key)
    })
    return value
  }
}

/** Dashboard and KPI reads: shared for this long (below the 1 s the pages wait after an event). */
export const SHARED_READ_MAX_AGE_MS = 500
