// catalogue scale: the demo seeded with N SKUs x 3 locations x 4 channels; the seed time; the first
// full sync of every channel within the documented limits (the simulators' realistic plans, feeds
// where the connector has them); each process's memory; then history generated in the database
// (ledger events and publish attempts over the last 90 days, INSERT ... SELECT generate_series, not
// row by row) and the p95 of the API calls the screens make, signed in as the analyst.
// Same-run baseline: an unknown /api/ui path answered 404 by the same web process (the HTTP + routing floor).
import path from 'node:path'
import { onOwnStack, waitForDrain, type Stack, type ScenarioResult } from '../stack'
import { summarize } from '../stats'
import { memoryOf } from '../proc'
import { applyDocumentedLimits } from './documented-limits'
import { demoSkuCode } from '../../server/demo/seed-demo'
import { SHARED_READ_MAX_AGE_MS } from '../../server/metrics/shared-read'

export interface CatalogueOptions {
  skus: number
  ledgerEvents: number
  attempts: number
  samples: number
  /**
   * Skip the first full sync (no worker, listings never sent): the screens' p95 at a catalogue size
   * whose sync under the documented limits would take hours (Shopify's 50 points/s: 200,000 listings
   * in about 75 minutes).
   */
  noFirstSync?: boolean
}

/** History rows for the read paths: ledger events and publish attempts spread over 90 days (they move no position). */
async function generateHistory(
  stack: Stack,
  opt: CatalogueOptions,
  log: (l: string) => void,
): Promise<{ ledgerSeconds: number; attemptSeconds: number }> {
  const chunk = 1_000_000
  const t0 = Date.now()
  for (let from = 1; from <= opt.ledgerEvents; from += chunk) {
    const to = Math.min(opt.ledgerEvents, from + chunk - 1)
    await stack.pool.query(
      `WITH s AS (SELECT array_agg(id ORDER BY code) AS ids FROM "Sku" WHERE NOT "isKit"), l AS (SELECT array_agg(id ORDER BY code) AS ids FROM "Location")
       INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, reference, outcome, "occurredAt", "receivedAt", "appliedAt")
       SELECT 'bench-history', 'h:' || n, (ARRAY['receipt', 'ship', 'adjustment'])[1 + n % 3],
              s.ids[1 + (n * 7919) % array_length(s.ids, 1)], l.ids[1 + n % array_length(l.ids, 1)],
              1 + n % 20, 1 + n % 20, 'EA', 'history', 'applied', t, t, t
         FROM generate_series($1::bigint, $2::bigint) AS n, s, l,
              LATERAL (SELECT now() - interval '90 days' + (n::float8 / $3::float8) * interval '90 days' - interval '1 hour' AS t) tt`,
      [from, to, opt.ledgerEvents],
    )
    log(`[bench] catalogue: ${to.toLocaleString('en-US')} history ledger events`)
  }
  const ledgerSeconds = (Date.now() - t0) / 1000
  const t1 = Date.now()
  for (let from = 1; from <= opt.attempts; from += chunk) {
    const to = Math.min(opt.attempts, from + chunk - 1)
    await stack.pool.query(
      `WITH cl AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg("channelId" ORDER BY id) AS ch FROM "ChannelListing")
       INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, "attemptNo", "batchId", outcome, "httpStatus", "latencyMs", "lagMs", "startedAt", "finishedAt", "verifiedAt")
       SELECT cl.ids[i], cl.ch[i], 1, n % 50, 1, 'history-' || (n / 100), CASE WHEN n % 50 = 0 THEN 'failed' ELSE 'applied' END, 200, 50 + n % 200, 500 + n % 5000, t, t + interval '100 ms', t + interval '2 s'
         FROM generate_series($1::bigint, $2::bigint) AS n, cl,
              LATERAL (SELECT 1 + ((n * 104729) % array_length(cl.ids, 1))::int AS i, now() - interval '90 days' + (n::float8 / $3::float8) * interval '90 days' - interval '1 hour' AS t) x`,
      [from, to, opt.attempts],
    )
    log(`[bench] catalogue: ${to.toLocaleString('en-US')} history publish attempts`)
  }
  await stack.pool.query('ANALYZE')
  return { ledgerSeconds, attemptSeconds: (Date.now() - t1) / 1000 }
}

/**
 * `gapMs`: time between calls, for reads one computation serves to the requests of a short window
 * (server/metrics/shared-read.ts): spaced beyond it, every call measures a computation, not a
 * shared answer (what one user alone on the dashboard waits).
 */
async function timeCalls(
  url: string,
  cookie: string,
  samples: number,
  expect = 200,
  gapMs = 0,
): Promise<{ ms: number[]; status: number }> {
  const ms: number[] = []
  let status = 0
  for (let i = 0; i <= samples; i++) {
    if (gapMs > 0 && i > 0) await new Promise((r) => setTimeout(r, gapMs))
    const t0 = performance.now()
    const r = await fetch(url, { headers: { cookie }, signal: AbortSignal.timeout(60_000) })
    await r.arrayBuffer()
    status = r.status
    if (r.status !== expect) throw new Error(`${url} answered ${r.status}`)
    if (i > 0) ms.push(performance.now() - t0) // the first call warms the route up
  }
  return { ms, status }
}

/**
 * Why a call is slow: samples the web's active statements (pg_stat_activity, every 10 ms) while the
 * call repeats, then prints PostgreSQL's generic plan (EXPLAIN (GENERIC_PLAN), PostgreSQL 16+) of the
 * statement seen most: a Seq Scan over a big table there is what an index or rollup must remove.
 */
async function explainSlowCall(
  stack: Stack,
  url: string,
  cookie: string,
  log: (l: string) => void,
  gapMs = 0,
): Promise<string | null> {
  const seen = new Map<string, number>()
  let running = true
  const sampler = (async () => {
    const c = await stack.pool.connect()
    try {
      while (running) {
        const r = await c.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = current_database() AND state = 'active'`,
        )
        for (const x of r.rows)
          if (!/^(BEGIN|COMMIT|SET |SELECT 1$)/i.test(x.query.trim())) seen.set(x.query, (seen.get(x.query) ?? 0) + 1)
        await new Promise((res) => setTimeout(res, 10))
      }
    } finally {
      c.release()
    }
  })()
  try {
    await timeCalls(url, cookie, 5, 200, gapMs)
  } finally {
    running = false
    await sampler
  }
  const top = [...seen.entries()].sort((a, b) => b[1] - a[1])[0]
  if (!top) return null
  const total = [...seen.values()].reduce((a, b) => a + b, 0)
  const text = top[0].replace(/\s+/g, ' ').trim()
  log(
    `    slowest statement (${Math.round((100 * top[1]) / total)}% of active samples): ${text.slice(0, 300)}${text.length > 300 ? '...' : ''}`,
  )
  try {
    const plan = await stack.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (GENERIC_PLAN) ${top[0]}`)
    for (const row of plan.rows.slice(0, 25)) log(`      ${row['QUERY PLAN']}`)
    const scans = plan.rows
      .map((r) => r['QUERY PLAN'])
      .filter((l) => /Seq Scan/.test(l))
      .map((l) => l.trim())
    return scans.length ? scans.join('; ') : 'no sequential scan in the generic plan'
  } catch (e) {
    log(`      (no generic plan: ${(e as Error).message})`)
    return null
  }
}

export async function runCatalogue(opt: CatalogueOptions, log: (l: string) => void): Promise<ScenarioResult> {
  const S = 'catalogue'
  return onOwnStack(
    'catalogue',
    { skus: opt.skus, plan: 'realistic', worker: false, log },
    async (stack, { figures, notes }) => {
      figures.push({
        scenario: S,
        name: `demo seed (${opt.skus.toLocaleString('en-US')} SKUs)`,
        value: stack.seedSeconds,
        unit: 's',
      })
      let workerPid: number | undefined
      if (opt.noFirstSync) log('[bench] catalogue: no first sync (--no-first-sync): the listings are never sent')
      else {
        await applyDocumentedLimits(stack.sims, stack.pool)
        workerPid = await stack.startWorker()
        const sync = await waitForDrain(stack.pool, 60 * 60_000)
        const listings = Number(
          (await stack.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM "ChannelListing"`)).rows[0].n,
        )
        log(
          `[bench] catalogue: first full sync of ${listings.toLocaleString('en-US')} listings within the documented limits in ${sync.toFixed(1)} s`,
        )
        figures.push({
          scenario: S,
          name: `first full sync (${listings.toLocaleString('en-US')} listings)`,
          value: sync,
          unit: 's',
        })
      }
      const mem = {
        web: memoryOf(stack.webPid),
        worker: workerPid === undefined ? undefined : memoryOf(workerPid),
        bench: memoryOf(process.pid),
      }
      figures.push({ scenario: S, name: 'web process peak RSS', value: mem.web?.peak ?? null, unit: 'MiB' })
      if (mem.worker)
        figures.push({ scenario: S, name: 'worker process peak RSS', value: mem.worker.peak, unit: 'MiB' })
      const hist = await generateHistory(stack, opt, log)
      log(
        `[bench] catalogue: ${opt.ledgerEvents.toLocaleString('en-US')} ledger events in ${hist.ledgerSeconds.toFixed(1)} s, ${opt.attempts.toLocaleString('en-US')} attempts in ${hist.attemptSeconds.toFixed(1)} s`,
      )

      const cookie = await stack.sessionCookie('analyst@example.com')
      const sku = demoSkuCode(Math.max(1, Math.floor(opt.skus / 2)))
      const calls: Array<[string, string]> = [
        ['dashboard', '/api/ui/dashboard?range=1h'],
        ['dashboard 24h', '/api/ui/dashboard?range=24h'],
        ['KPIs 24h', '/api/ui/kpis?window=24h'],
        ['KPIs 7d', '/api/ui/kpis?window=7d'],
        ['channel page', '/api/ui/channels/shopify?hours=24'],
        ['channel health', '/api/ui/channels/shopify/health?hours=24'],
        ['SKU search', `/api/ui/skus?q=${encodeURIComponent(sku.slice(0, 8))}`],
        ['SKU list out of sync', '/api/ui/skus?status=out_of_sync'],
        ['global search', `/api/ui/search?q=${encodeURIComponent(sku)}`],
        ['SKU page', `/api/ui/skus/${sku}`],
        ['SKU ledger page', `/api/ui/skus/${sku}/events?limit=50`],
      ]
      // The floor: an unknown API path, answered 404 by the same web process (HTTP, security headers, Next's routing).
      const floor = summarize(
        (await timeCalls(`${stack.url}/api/ui/bench-floor-not-a-route`, cookie, opt.samples, 404)).ms,
      )
      for (const [name, p] of calls) {
        const shared = /^\/api\/ui\/(dashboard|kpis)\?/.test(p) ? SHARED_READ_MAX_AGE_MS + 100 : 0
        const s = summarize((await timeCalls(`${stack.url}${p}`, cookie, opt.samples, 200, shared)).ms)
        log(`  ${name} (${p}): p50 ${s.p50!.toFixed(0)} ms, p95 ${s.p95!.toFixed(0)} ms over ${s.n}`)
        const why = s.p95! > 200 ? await explainSlowCall(stack, `${stack.url}${p}`, cookie, log, shared) : null
        figures.push({
          scenario: S,
          name: `${name} p95`,
          value: s.p95,
          unit: 'ms',
          goal: { op: '<=', value: 200 },
          baseline: { label: '404 floor p95', value: floor.p95 },
          ...(why ? { note: why } : {}),
        })
      }
      notes.push(
        `catalogue: ${opt.skus.toLocaleString('en-US')} SKUs x 3 locations x 4 channels, ${opt.ledgerEvents.toLocaleString('en-US')} history ledger events and ${opt.attempts.toLocaleString('en-US')} attempts over 90 days ` +
          `(no rollups generated for them), ${opt.samples} sequential calls each after one warm-up (dashboard and KPI calls ${SHARED_READ_MAX_AGE_MS + 100} ms apart, so none is served a shared answer); bench process (simulators) peak RSS ${mem.bench?.peak.toFixed(0) ?? 'n/a'} MiB.`,
      )
    },
  )
}
