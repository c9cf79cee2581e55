// `npm run bench`: how fast the product ingests inventory events through its public API, beside what
// plain `pg` reaches on the same database in the same run (bench/README.md). Speed is measured here,
// never asserted in timed tests; read the ratios, not the absolute numbers (the machine is shared).
//
// What runs: a fresh embedded PostgreSQL in a temp folder, migrated and seeded with the demo
// catalogue; the real web process (web-server.ts, Next.js production build, from a snapshot of the
// working tree: bench/app-snapshot.ts); no worker, simulator or generated traffic, so only the ingest
// path is measured (recompute jobs and dirty marks queue up untouched, as they would behind a busy worker).
//
// Options: --events N (100000) --warmup N (5000) --per-row-events N (10000) --batch N (500)
//          --senders N (4) --skus N (2000) --cpu-prof (writes the web process's .cpuprofile; the web
//          app is then built without name mangling, in its own snapshot)
//          --pg-waits (samples pg_stat_activity during ingest-http: where the web's connections
//          spend their time, by statement and wait event)
//          --keep (keep the temp folder: the web process's log; the embedded database is not
//          persistent and goes when it stops)
// Environment: STOCKTOWER_BENCH_APP_DIR (where the web app snapshot lives, default in the OS temp
// folder), STOCKTOWER_BENCH_WEB_NODE_FLAGS (extra node flags for the web process, for experiments).
// Exit status: non-zero only when something failed (an HTTP error, a rejected or missing event),
// never because a number is low.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import { postEvents } from './http'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import pg from 'pg'
import type { EmbeddedDatabase } from '../server/runtime/embedded-postgres'
import { freePort } from '../server/runtime/free-port'
import { startBenchDatabase } from './setup'
import { printWaits, sampleWaits } from './pg-waits'
import { cpuSeconds, postgresCpuSeconds } from './cpu'
import { prepareAppSnapshot } from './app-snapshot'
import { batchBody, generateEvents } from './events'
import { runSnapshotBench } from './snapshot'
import { createScratchTables, dropScratchTables, loadCatalog, rawBatched, rawPerRow, toRows } from './raw-pg'
import { runRecomputeBench } from './recompute'
import { memoryOf } from './proc'
import { compareRuns, formatComparison, formatFigures, type BenchRun, type Figure } from './stats'
import { loadAverage } from './proc'
import { runPipeline } from './scenarios/pipeline'
import { runChannelBudget } from './scenarios/channel-budget'
import { runPriorityLanes } from './scenarios/priority-lanes'
import { runCatalogue } from './scenarios/catalogue'
import { runRetention } from './scenarios/retention'
import { waitForHttp, type ScenarioResult } from './stack'
import { stopChild } from '../scripts/child-process'
import { startEmbeddedPostgres } from '../server/runtime/embedded-postgres'

async function recomputeScenario(adminUrl: string, skus: number) {
  log(
    `[bench] recompute-100k: a rule change recomputes every SKU x channel (decisions and explanations stored) by the recompute job's code, 2 lanes`,
  )
  const r = await runRecomputeBench({ adminUrl, skus, log })
  log(
    `  recompute-100k: ${r.pairs.toLocaleString('en-US')} SKU x channel pairs in ${r.recomputeSeconds.toFixed(1)} s (${Math.round(r.pairs / r.recomputeSeconds).toLocaleString('en-US')} pairs/s), ${r.decisions.toLocaleString('en-US')} decisions stored`,
  )
  log(
    `  recompute-100k baseline: the same rows written by one INSERT ... SELECT + UPDATE with nothing decided: ${r.baselineSeconds.toFixed(1)} s; ratio ours/baseline ${(r.recomputeSeconds / r.baselineSeconds).toFixed(1)}x`,
  )
  log(
    `  rule impact preview: ${r.previewPairs.toLocaleString('en-US')} pairs decided (no writes) in ${r.previewSeconds.toFixed(1)} s; ratio to the recompute ${(r.previewSeconds / r.recomputeSeconds).toFixed(2)}`,
  )
}

const log = (l: string) => process.stdout.write(`${l}\n`)

function options() {
  const argv = process.argv.slice(2)
  const num = (name: string, dflt: number) => {
    const i = argv.indexOf(`--${name}`)
    if (i < 0) return dflt
    const v = Number(argv[i + 1])
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`)
    return v
  }
  return {
    events: num('events', 100_000),
    warmup: num('warmup', 5_000),
    perRowEvents: num('per-row-events', 10_000),
    batch: num('batch', 500),
    senders: num('senders', 4),
    skus: num('skus', 2000),
    snapshotRows:
      argv.includes('--no-snapshot') || argv.includes('--only-recompute') ? 0 : num('snapshot-rows', 1_000_000),
    recomputeSkus: argv.includes('--no-recompute') ? 0 : num('recompute-skus', 100_000),
    onlyRecompute: argv.includes('--only-recompute'),
    cpuProf: argv.includes('--cpu-prof'),
    pgWaits: argv.includes('--pg-waits'),
    keep: argv.includes('--keep') || process.env.STOCKTOWER_BENCH_KEEP === '1',
  }
}

interface Result {
  scenario: string
  events: number
  seconds: number
  note?: string
  /** CPU seconds of the process issuing the SQL (the web process, or the bench itself for raw-pg) and of PostgreSQL. */
  appCpu?: number | null
  pgCpu?: number | null
}

/** Sends pre-serialised batches with `senders` concurrent connections; every event must be accepted. */
async function sendAll(
  port: number,
  apiKey: string,
  bodies: Array<{ body: string; events: number }>,
  senders: number,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: senders })
  let next = 0
  const failures: string[] = []
  const sender = async () => {
    for (;;) {
      const b = bodies[next++]
      if (!b) return
      const r = await postEvents(agent, port, apiKey, b.body)
      let ok = r.status === 202
      if (ok) {
        const j = JSON.parse(r.text) as { accepted: number; duplicates: number; rejected: unknown[] }
        ok = j.accepted === b.events && j.duplicates === 0 && j.rejected.length === 0
      }
      if (!ok) {
        failures.push(`${r.status} ${r.text.slice(0, 500)}`)
        if (failures.length >= 3) throw new Error(`ingest failed:\n${failures.join('\n')}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: senders }, sender))
  } finally {
    agent.destroy()
  }
  if (failures.length > 0) throw new Error(`ingest failed:\n${failures.join('\n')}`)
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** Runs a scenario, timing it and measuring the CPU the SQL-issuing process and PostgreSQL used. */
async function measured(
  appCpu: () => number | null,
  pgCpu: () => number | null,
  fn: () => Promise<unknown>,
): Promise<Pick<Result, 'seconds' | 'appCpu' | 'pgCpu'>> {
  const a0 = appCpu()
  const p0 = pgCpu()
  const seconds = await timed(fn)
  const a1 = appCpu()
  const p1 = pgCpu()
  return {
    seconds,
    appCpu: a0 === null || a1 === null ? null : a1 - a0,
    pgCpu: p0 === null || p1 === null ? null : p1 - p0,
  }
}

const selfCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function printTable(results: Result[]): void {
  // The baseline is the mean of the two raw-pg runs (before and after the API run), so one run
  // slowed by a neighbour's tests does not flatter or spoil the ratio.
  const raws = results
    .filter((r) => r.scenario === 'raw-pg' || r.scenario === 'raw-pg (after)')
    .map((r) => r.events / r.seconds)
  const baseline = raws.reduce((a, b) => a + b, 0) / raws.length
  const head = ['scenario', 'events', 'seconds', 'events/s', 'ratio to raw-pg', 'app CPU ms/1k ev', 'pg CPU ms/1k ev']
  const perK = (cpu: number | null | undefined, events: number) =>
    cpu === null || cpu === undefined ? 'n/a' : ((1e6 * cpu) / events).toFixed(0)
  const rows = results.map((r) => {
    const rate = r.events / r.seconds
    return [
      r.scenario,
      String(r.events),
      r.seconds.toFixed(2),
      String(Math.round(rate)),
      (rate / baseline).toFixed(2),
      perK(r.appCpu, r.events),
      perK(r.pgCpu, r.events),
    ]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  log('')
  log(line(head))
  log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) log(line(r))
  for (const r of results) if (r.note) log(`  ${r.scenario}: ${r.note}`)
}

/** The ingest scenarios (ingest-http beside raw-pg, snapshot-1m, recompute-100k); true when something failed. */
async function runIngest(
  opt: ReturnType<typeof options>,
  sink: { figures: Figure[]; notes: string[] },
): Promise<boolean> {
  const runId = crypto.randomBytes(4).toString('hex')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-bench-'))
  fs.chmodSync(tmp, 0o755)
  log(
    `[bench] node ${process.version}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  log(`[bench] temp folder ${tmp}`)

  if (opt.onlyRecompute) {
    const db = await startEmbeddedPostgres({
      dir: path.join(tmp, 'pg'),
      password: 'bench',
      database: 'stocktower',
      persistent: false,
    })
    let code = 0
    try {
      await recomputeScenario(db.url, opt.recomputeSkus)
    } catch (e) {
      code = 1
      console.error(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    }
    await db.stop().catch(() => {})
    fs.rmSync(tmp, { recursive: true, force: true })
    return code !== 0
  }

  let pgServer: EmbeddedDatabase | undefined
  let web: ChildProcess | undefined
  let pool: pg.Pool | undefined
  let failed = false
  try {
    const snap = await prepareAppSnapshot(log, { profile: opt.cpuProf })
    log(
      `[bench] web app snapshot in ${snap.dir} (${snap.built ? 'built' : 'build up to date'}, ${Math.round(snap.ms / 1000)} s)`,
    )

    const bdb = await startBenchDatabase({ dir: tmp, skus: opt.skus, log })
    pgServer = bdb.pg
    const apiKey = bdb.apiKey

    const port = await freePort()
    const profDir = path.join(tmp, 'profiles')
    const webLog = path.join(tmp, 'web.log')
    const out = fs.openSync(webLog, 'a')
    // STOCKTOWER_BENCH_WEB_NODE_FLAGS: extra node flags for the web process only (experiments, e.g. GC sizing).
    // The same V8 flags scripts/start.ts gives the web process (override to experiment).
    const extraFlags = (process.env.STOCKTOWER_BENCH_WEB_NODE_FLAGS ?? '--max-semi-space-size=32')
      .split(/\s+/)
      .filter(Boolean)
    web = spawn(
      process.execPath,
      [
        ...extraFlags,
        ...(opt.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        '--import',
        'tsx',
        path.join(snap.dir, 'web-server.ts'),
      ],
      {
        cwd: snap.dir,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          NEXT_TELEMETRY_DISABLED: '1',
          PORT: String(port),
          HOSTNAME: '127.0.0.1',
          DATABASE_URL: pgServer.url,
          NEXTAUTH_URL: `http://127.0.0.1:${port}`,
          NEXTAUTH_SECRET: crypto.randomBytes(32).toString('base64url'),
          STOCKTOWER_DATA_DIR: path.join(tmp, 'app-data'),
          STOCKTOWER_DEMO: 'on',
          STOCKTOWER_TRAFFIC: 'off',
          STOCKTOWER_DEMO_API_KEY: apiKey,
          STOCKTOWER_MANAGED: '',
          STOCKTOWER_DIST_DIR: '',
        },
        stdio: ['ignore', out, out],
      },
    )
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, 120_000, web)
    log(`[bench] web process ${web.pid} on 127.0.0.1:${port} (Next.js production build, no worker running)`)

    // Every payload is built before any clock starts.
    const batchesOf = (n: number) => Math.max(1, Math.round(n / opt.batch))
    const bodies = (label: string, n: number, seed: number) =>
      generateEvents({
        runId,
        label,
        skuCount: opt.skus,
        batches: batchesOf(n),
        batchSize: opt.batch,
        seed,
      }).batches.map((b) => ({ body: batchBody(b), events: b.length }))
    const warm = bodies('warm', opt.warmup, 1)
    const main = bodies('http', opt.events, 2)
    const httpEvents = main.reduce((s, b) => s + b.events, 0)

    pool = new pg.Pool({ connectionString: pgServer.url, max: opt.senders + 1 })
    const admin = await pool.connect()
    const catalog = await loadCatalog(admin)
    await createScratchTables(admin)
    admin.release()
    const rawBatches = (label: string, seed: number) =>
      generateEvents({
        runId,
        label,
        skuCount: opt.skus,
        batches: batchesOf(opt.events),
        batchSize: opt.batch,
        seed,
      }).batches.map((b) => toRows(b, catalog))
    const rawBefore = rawBatches('raw1', 3)
    const rawAfter = rawBatches('raw2', 4)
    const perRow = toRows(
      generateEvents({ runId, label: 'row', skuCount: opt.skus, batches: 1, batchSize: opt.perRowEvents, seed: 5 })
        .batches[0],
      catalog,
    )
    const count = (rows: unknown[][]) => rows.reduce((s, b) => s + b.length, 0)
    const checkpoint = () => pool!.query('CHECKPOINT')

    const results: Result[] = []
    const webPid = web.pid!
    const pgData = path.join(tmp, 'pg')
    const pgCpu = () => postgresCpuSeconds(pgData)
    const ingest = async () => {
      let peakDuring = 0
      const sampler = setInterval(() => {
        const m = memoryOf(webPid)
        if (m) peakDuring = Math.max(peakDuring, m.current)
      }, 200)
      const waits = opt.pgWaits ? sampleWaits(pgServer!.url) : null
      try {
        const m = await measured(
          () => cpuSeconds(webPid),
          pgCpu,
          () => sendAll(port, apiKey, main, opt.senders),
        )
        results.push({
          scenario: 'ingest-http',
          events: httpEvents,
          ...m,
          note: `POST /api/v1/events, ${main.length} batches of ${opt.batch}, ${opt.senders} concurrent senders; web RSS up to ${peakDuring.toFixed(0)} MiB while ingesting`,
        })
      } finally {
        clearInterval(sampler)
        if (waits) printWaits(await waits.stop())
      }
    }

    log(`[bench] warm-up: ${warm.length} batches through the API`)
    await sendAll(port, apiKey, warm, opt.senders)

    await checkpoint()
    log('[bench] raw-pg (batched INSERT + UPDATE through pg)')
    const raw = async (scenario: string, batches: typeof rawBefore) => {
      let retries = 0
      const m = await measured(selfCpu, pgCpu, async () => {
        retries = (await rawBatched(pool!, batches, opt.senders)).retries
      })
      results.push({
        scenario,
        events: count(batches),
        ...m,
        note: retries > 0 ? `${retries} deadlock retries` : undefined,
      })
    }
    await raw('raw-pg', rawBefore)

    await checkpoint()
    log('[bench] raw-pg-per-row (one round trip per event)')
    results.push({
      scenario: 'raw-pg-per-row',
      events: perRow.length,
      ...(await measured(selfCpu, pgCpu, () => rawPerRow(pool!, perRow, opt.senders))),
    })

    await checkpoint()
    log(`[bench] ingest-http (${httpEvents} events)`)
    await ingest()

    await checkpoint()
    log('[bench] raw-pg again (the baseline after the API run, to show drift on a shared machine)')
    await raw('raw-pg (after)', rawAfter)

    // Every event sent through the API is in the ledger exactly once.
    const ledger = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "LedgerEvent" WHERE source = 'erp-demo' AND "idempotencyKey" LIKE $1`,
      [`bench:${runId}:http:%`],
    )
    if (Number(ledger.rows[0].n) !== httpEvents)
      throw new Error(`the ledger holds ${ledger.rows[0].n} of the ${httpEvents} events sent`)

    printTable(results)
    {
      const rawRates = results
        .filter((r) => r.scenario.startsWith('raw-pg') && r.scenario !== 'raw-pg-per-row')
        .map((r) => r.events / r.seconds)
      const rawMean = rawRates.reduce((a, b) => a + b, 0) / rawRates.length
      const http = results.find((r) => r.scenario === 'ingest-http')!
      const rate = http.events / http.seconds
      sink.figures.push(
        {
          scenario: 'ingest',
          name: 'ingest-http events/s',
          value: rate,
          unit: 'ev/s',
          baseline: { label: 'raw-pg mean', value: rawMean },
        },
        {
          scenario: 'ingest',
          name: 'ingest-http ratio to raw-pg',
          value: rate / rawMean,
          unit: '',
          goal: { op: '>=', value: 0.35 },
          baseline: { label: 'raw-pg', value: rawMean, unit: 'ev/s' },
        },
        {
          scenario: 'ingest',
          name: 'ingest-http web CPU per 1k events',
          value: http.appCpu == null ? null : (1e6 * http.appCpu) / http.events,
          unit: 'ms',
        },
      )
    }
    const mem = memoryOf(webPid)
    log(
      mem
        ? `  web process peak RSS (VmHWM, start-up included): ${mem.peak.toFixed(0)} MiB`
        : '  web process peak RSS: not measurable on this platform',
    )
    log(
      `  ratio: events/s divided by the mean of the two raw-pg runs. CPU per 1,000 events: "app" is the process sending SQL (the web`,
    )
    log(
      `  process for ingest-http, the bench itself for raw-pg), "pg" all PostgreSQL processes. Load average now ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )

    const c = await pool.connect()
    await dropScratchTables(c)
    c.release()

    if (opt.snapshotRows > 0) {
      await checkpoint()
      log(
        `[bench] snapshot-1m: ${opt.snapshotRows.toLocaleString('en-US')}-row CSV snapshot streamed through POST /api/v1/snapshots, then compared`,
      )
      const s = await runSnapshotBench({
        port,
        apiKey,
        databaseUrl: pgServer!.url,
        webPid,
        rows: opt.snapshotRows,
        skus: opt.skus,
        log,
      })
      log(
        `  snapshot-1m: upload ${s.rows.toLocaleString('en-US')} rows in ${s.uploadSeconds.toFixed(1)} s (${Math.round(s.rows / s.uploadSeconds).toLocaleString('en-US')} rows/s); ` +
          `compare in ${s.processSeconds.toFixed(1)} s (${Math.round(s.rows / s.processSeconds).toLocaleString('en-US')} rows/s), ${s.findings} findings`,
      )
      log(
        `  snapshot-1m memory: web RSS ${s.webRssBaselineMiB.toFixed(0)} -> peak ${s.webRssPeakMiB.toFixed(0)} MiB during the upload; ` +
          `comparing process RSS ${s.workerRssBaselineMiB.toFixed(0)} -> peak ${s.workerRssPeakMiB.toFixed(0)} MiB (garbage not yet collected included)`,
      )
      log(
        `  snapshot-1m live heap after GC every 100,000 rows: ${s.workerLiveHeapMiB.map((m) => m.toFixed(0)).join(', ')} MiB (level = flat memory)`,
      )
    }
    if (opt.recomputeSkus > 0) {
      await checkpoint()
      await recomputeScenario(pgServer!.url, opt.recomputeSkus)
    }
  } catch (e) {
    failed = true
    console.error(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    const webLog = path.join(tmp, 'web.log')
    if (fs.existsSync(webLog))
      console.error(
        `[bench] last lines of the web log:\n${fs.readFileSync(webLog, 'utf8').split('\n').slice(-30).join('\n')}`,
      )
  } finally {
    await pool?.end().catch(() => {})
    if (web) await stopChild(web)
    if (opt.cpuProf) {
      const dir = path.join(tmp, 'profiles')
      const files = fs.existsSync(dir) ? fs.readdirSync(dir) : []
      const dest = path.join(os.tmpdir(), 'stocktower-bench-profiles')
      if (files.length > 0) {
        fs.mkdirSync(dest, { recursive: true })
        for (const f of files) fs.copyFileSync(path.join(dir, f), path.join(dest, f))
        log(`[bench] web CPU profile(s): ${files.map((f) => path.join(dest, f)).join(', ')}`)
      }
    }
    await pgServer?.stop().catch(() => {})
    if (opt.keep) log(`[bench] kept ${tmp}`)
    else fs.rmSync(tmp, { recursive: true, force: true })
  }
  return failed
}

// ---------------------------------------------------------------------------------------------
// `npm run bench [-- --scenario <name>[,<name>...]] [-- --compare a.json b.json]`; BENCH_SCALE=full
// for the sizes. Every scenario's figures are printed beside their goals and same-run
// baselines, and written to bench/results/<timestamp>.json.

const SCENARIOS = ['ingest', 'pipeline', 'channel-budget', 'priority-lanes', 'catalogue', 'retention'] as const
type ScenarioName = (typeof SCENARIOS)[number]

/** A scenario run with the options read (from the command line) as it starts. */
function scenario<O>(
  name: ScenarioName,
  run: (options: O, log: (l: string) => void) => Promise<ScenarioResult>,
  options: () => O,
): [ScenarioName, () => Promise<ScenarioResult>] {
  return [name, () => run(options(), log)]
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

function gitCommit(): string | null {
  try {
    return require('node:child_process')
      .execSync('git rev-parse --short HEAD', {
        cwd: path.resolve(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      .toString()
      .trim()
  } catch {
    return null
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const cmp = argv.indexOf('--compare')
  if (cmp >= 0) {
    const [a, b] = [argv[cmp + 1], argv[cmp + 2]]
    if (!a || !b) throw new Error('--compare needs two result files: --compare a.json b.json')
    const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchRun
    const ra = read(a)
    const rb = read(b)
    log(`a: ${a} (${ra.startedAt}, commit ${ra.commit}, load ${ra.loadAverage.start.join(' ')})`)
    log(`b: ${b} (${rb.startedAt}, commit ${rb.commit}, load ${rb.loadAverage.start.join(' ')})`)
    for (const l of formatComparison(compareRuns(ra, rb))) log(l)
    return
  }
  const full = process.env.BENCH_SCALE === 'full'
  const chosen = (argValue(argv, 'scenario') ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const s of chosen)
    if (!(SCENARIOS as readonly string[]).includes(s) && s !== 'fan-out')
      throw new Error(`unknown scenario ${s} (one of ${SCENARIOS.join(', ')}, fan-out)`)
  const want = (s: ScenarioName) => chosen.includes(s) || (s === 'pipeline' && chosen.includes('fan-out'))
  const int = (name: string, dflt: number) => {
    const v = argValue(argv, name)
    if (v === undefined) return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`)
    return n
  }

  const run: BenchRun = {
    startedAt: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cores: os.cpus().length,
    loadAverage: { start: loadAverage() },
    scale: full ? 'full' : 'default',
    options: { scenarios: chosen, argv },
    figures: [],
    notes: [],
  }
  log(
    `[bench] scenarios ${chosen.join(', ')}; scale ${run.scale}${full ? '' : " (BENCH_SCALE=full for the issue's sizes)"}; load average ${run.loadAverage.start.join(' ')}`,
  )
  let failed = false
  const attempt = async (name: string, fn: () => Promise<{ figures: Figure[]; notes: string[] } | void>) => {
    const t0 = Date.now()
    try {
      const r = await fn()
      if (r) {
        run.figures.push(...r.figures)
        run.notes.push(...r.notes)
      }
      log(`[bench] ${name} done in ${Math.round((Date.now() - t0) / 1000)} s`)
    } catch (e) {
      failed = true
      run.notes.push(`${name} FAILED: ${e instanceof Error ? e.message : String(e)}`)
      console.error(`[bench] ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    }
  }

  // Each scenario in this order, when chosen; the options are read as it starts.
  const scenarios: Array<[ScenarioName, () => Promise<ScenarioResult | void>]> = [
    [
      'ingest',
      async () => {
        const opt = options()
        // The default run keeps the ingest figures at full size but shrinks the two long companions.
        if (!full && !argv.includes('--snapshot-rows') && opt.snapshotRows > 0) opt.snapshotRows = 200_000
        if (!full && !argv.includes('--recompute-skus') && opt.recomputeSkus > 0) opt.recomputeSkus = 20_000
        const out = { figures: [] as Figure[], notes: [] as string[] }
        if (await runIngest(opt, out)) throw new Error('the ingest scenarios failed (see above)')
        return out
      },
    ],
    scenario('pipeline', runPipeline, () => {
      const onlyFanout = chosen.includes('fan-out') && !chosen.includes('pipeline')
      return {
        skus: int('pipeline-skus', full ? 100_000 : 10_000),
        rates: (argValue(argv, 'rates') ?? (onlyFanout ? '1000' : '1000,2000')).split(',').map(Number),
        seconds: int('seconds', full ? 60 : 15),
        batchesPerSecond: int('batches-per-second', 5),
        fanoutClients: argv.includes('--no-fanout') ? 0 : int('clients', 500),
        drainTimeoutMs: int('drain-timeout', full ? 600 : 120) * 1000,
        pgWaits: argv.includes('--pg-waits'),
        pgStatements: argv.includes('--pg-statements'),
      }
    }),
    scenario('channel-budget', runChannelBudget, () => ({
      skus: int('budget-skus', full ? 20_000 : 5_000),
      windowSeconds: int('budget-seconds', full ? 60 : 30),
    })),
    scenario('priority-lanes', runPriorityLanes, () => ({
      skus: int('lanes-skus', full ? 20_000 : 5_000),
      rate: int('lanes-rate', 200),
      burstSeconds: int('lanes-seconds', 10),
    })),
    scenario('catalogue', runCatalogue, () => ({
      skus: int('catalogue-skus', full ? 200_000 : 10_000),
      ledgerEvents: int('ledger-events', full ? 10_000_000 : 1_000_000),
      attempts: int('attempts', full ? 1_000_000 : 100_000),
      samples: int('samples', 40),
      noFirstSync: argv.includes('--no-first-sync'),
    })),
    scenario('retention', runRetention, () => ({
      skus: int('retention-skus', full ? 20_000 : 2_000),
      ledgerEvents: int('retention-ledger-events', full ? 10_000_000 : 1_000_000),
      attempts: int('retention-attempts', full ? 1_000_000 : 200_000),
      rawMessages: int('retention-raw-messages', full ? 200_000 : 20_000),
      rate: int('retention-rate', 200),
      baselineSeconds: int('retention-baseline-seconds', 20),
      ...(argValue(argv, 'retention-batch') ? { batchSize: int('retention-batch', 5_000) } : {}),
    })),
  ]
  for (const [name, fn] of scenarios) if (want(name)) await attempt(name, fn)

  run.finishedAt = new Date().toISOString()
  run.loadAverage.end = loadAverage()
  log('')
  for (const l of formatFigures(run.figures)) log(l)
  for (const f of run.figures) if (f.note) log(`  ${f.scenario}, ${f.name}: ${f.note}`)
  for (const n of run.notes) log(`  ${n}`)
  log(
    `  load average at the start ${run.loadAverage.start.join(' ')}, at the end ${run.loadAverage.end.join(' ')} (2 cores shared: read the same-run baselines, not the absolute numbers)`,
  )
  const dir = path.resolve(argValue(argv, 'results-dir') ?? path.join(__dirname, 'results'))
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${run.startedAt.replace(/[:.]/g, '-')}.json`)
  fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`)
  log(
    `[bench] results written to ${path.relative(process.cwd(), file)} (compare two runs: npm run bench -- --compare a.json b.json)`,
  )
  process.exit(failed ? 1 : 0)
}

main().catch((e) => {
  console.error(`[bench] ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
