// A wall-clock profile of the database side: samples pg_stat_activity while a scenario runs.
import pg from 'pg'

const log = (l: string) => process.stdout.write(`${l}\n`)

/**
 * Samples what every other client connection of the database is doing, every 20 ms: a wall-clock
 * profile of the database side (idle in transaction = waiting for the web process; Lock = waiting
 * for a row another transaction holds; no wait event = executing).
 */
export function sampleWaits(url: string): { stop(): Promise<Map<string, number>> } {
  const client = new pg.Client({ connectionString: url })
  const counts = new Map<string, number>()
  let running = true
  const loop = (async () => {
    await client.connect()
    while (running) {
      // A connection waiting for a lock also names the statement its first blocker is running:
      // which transaction holds what it waits for. Quoted literals read as `?` (statements sent
      // with COMMIT carry their values inline, cut off by track_activity_query_size), so one
      // statement is one line.
      const r = await client.query<{ state: string; wait: string | null; query: string; blocker: string | null }>(
        `SELECT a.state, a.wait_event_type || ':' || a.wait_event AS wait, left(regexp_replace(regexp_replace(a.query, '''[^'']*(''|$)', '?', 'g'), '\\s+', ' ', 'g'), 90) AS query,
                CASE WHEN a.wait_event_type = 'Lock' THEN (SELECT b.state || ': ' || left(regexp_replace(regexp_replace(b.query, '''[^'']*(''|$)', '?', 'g'), '\\s+', ' ', 'g'), 70)
                  FROM pg_stat_activity b WHERE b.pid = (pg_blocking_pids(a.pid))[1]) END AS blocker
           FROM pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() AND a.datname = current_database() AND a.state <> 'idle'`,
      )
      for (const x of r.rows) {
        const k = `${x.state.padEnd(19)} ${(x.wait ?? '-').padEnd(26)} ${x.query}${x.blocker ? `\n${' '.repeat(56)}blocked by ${x.blocker}` : ''}`
        counts.set(k, (counts.get(k) ?? 0) + 1)
      }
      await new Promise((res) => setTimeout(res, 20))
    }
    await client.end()
  })()
  return {
    async stop() {
      running = false
      await loop
      return counts
    },
  }
}

export function printWaits(counts: Map<string, number>): void {
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  log('[bench] database connections during ingest-http (share of non-idle samples):')
  for (const [k, n] of [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30))
    log(`  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${k}`)
}
