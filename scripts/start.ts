// `npm start`: runs the whole product. With no DATABASE_URL it starts a real PostgreSQL from npm in
// the data folder; applies migrations; builds the web app if its code changed; in demo mode starts
// the marketplace simulators and seeds the demo once; then runs the web and worker processes.
// Ctrl-C stops every process it started, PostgreSQL included.
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { spawn, type ChildProcess } from 'node:child_process'
import { readConfig } from '../server/env'
import { loadOrCreateSecrets } from '../server/runtime/secrets'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/runtime/embedded-postgres'
import { migrateDatabase } from '../server/runtime/migrate'
import { createPrisma } from '../server/db'
import { seedDemo, type SimulatorUrls } from '../server/demo/seed-demo'
import { ensureAdmin } from '../server/auth/ensure-admin'
import { buildIfChanged } from './build'

const root = path.resolve(__dirname, '..')
const log = (line: string) => process.stdout.write(`${line}\n`)

interface Managed { name: string; file: string; child?: ChildProcess; restarts: number[] }

let pg: EmbeddedDatabase | undefined
const children: Managed[] = []
let stopping = false

async function shutdown(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  log('[stocktower] stopping...')
  const stop = (group: Managed[]) => Promise.all(group.map((m) => new Promise<void>((resolve) => {
    if (!m.child || m.child.exitCode !== null || m.child.signalCode !== null) return resolve()
    const t = setTimeout(() => { m.child?.kill('SIGKILL'); resolve() }, 10_000)
    m.child.once('exit', () => { clearTimeout(t); resolve() })
    m.child.kill('SIGTERM')
  })))
  // Web and workers first, so running jobs finish against live simulators and a live database
  // and leave no job locked behind them; then the simulators; PostgreSQL last.
  await stop(children.filter((m) => m.name !== 'simulator'))
  await stop(children.filter((m) => m.name === 'simulator'))
  if (pg) {
    // A terminal's Ctrl-C reaches PostgreSQL too (same process group) and it may already be gone,
    // in which case embedded-postgres's stop() never settles: do not wait for it forever.
    const stopped = await Promise.race([pg.stop().then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))])
    log(stopped ? '[db] PostgreSQL stopped' : '[db] PostgreSQL had already stopped')
  }
  process.exit(code)
}

async function main() {
  const startedAt = Date.now()
  const cfg = readConfig()
  fs.mkdirSync(cfg.dataDir, { recursive: true })
  const secrets = loadOrCreateSecrets(cfg.dataDir)

  let databaseUrl = cfg.databaseUrl
  // embedded-postgres registers async-exit-hook handlers that stop PostgreSQL and exit on the
  // first signal, racing our ordered shutdown (and leaving the simulators running). Ours decide.
  process.removeAllListeners('SIGINT')
  process.removeAllListeners('SIGTERM')
  process.on('SIGINT', () => void shutdown(0))
  process.on('SIGTERM', () => void shutdown(0))

  if (!databaseUrl) {
    const pgLog = fs.createWriteStream(path.join(cfg.dataDir, 'postgres.log'), { flags: 'a' })
    pg = await startEmbeddedPostgres({ dir: path.join(cfg.dataDir, 'pg'), password: secrets.postgresPassword, log: (l) => pgLog.write(`${l}\n`) })
    databaseUrl = pg.url
    log(`[db] embedded PostgreSQL on 127.0.0.1:${pg.port} (data in ${path.join(cfg.dataDir, 'pg')})`)
  } else {
    log('[db] using DATABASE_URL')
  }
  await migrateDatabase(databaseUrl)
  await buildIfChanged({ log })

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(cfg.port),
    STOCKTOWER_DATA_DIR: cfg.dataDir,
    DATABASE_URL: databaseUrl,
    NEXTAUTH_URL: cfg.nextAuthUrl,
    NEXTAUTH_SECRET: cfg.nextAuthSecret ?? secrets.nextAuthSecret,
    STOCKTOWER_ENCRYPTION_KEY: cfg.encryptionKey ?? secrets.encryptionKey,
    STOCKTOWER_DEMO: cfg.demo ? 'on' : 'off',
    STOCKTOWER_TRAFFIC: cfg.traffic ? 'on' : 'off',
    STOCKTOWER_DEMO_API_KEY: cfg.demoApiKey ?? secrets.demoApiKey,
    STOCKTOWER_B2B_SIGNING_SECRET: secrets.b2bSigningSecret,
    STOCKTOWER_API_URL: `http://127.0.0.1:${cfg.port}`,
    STOCKTOWER_MANAGED: '1',
  }
  // The orchestrator's own domain calls (seed, admin) need the same key material as the children.
  process.env.STOCKTOWER_ENCRYPTION_KEY = env.STOCKTOWER_ENCRYPTION_KEY

  const spawnManaged = (m: Managed): void => {
    // A larger young generation: ingest allocates many short-lived objects per batch, and the
    // default semi-space made garbage collection ~12% of the web process's busy time (npm run bench).
    const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', path.join(root, m.file)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    m.child = child
    const out = readline.createInterface({ input: child.stdout! })
    const err = readline.createInterface({ input: child.stderr! })
    // `SIMULATORS {urls}` is the simulator process telling us its ports (read below); the [demo] line says it for people.
    // While stopping, the traffic generator finding the web process gone is expected, not news.
    out.on('line', (l) => {
      if (l.startsWith('SIMULATORS ') || (stopping && l.startsWith('[traffic]'))) return
      log(l.startsWith('[') ? l : `[${m.name}] ${l}`)
    })
    err.on('line', (l) => process.stderr.write(`[${m.name}] ${l}\n`))
    child.on('exit', (code, signal) => {
      if (stopping) return
      const now = Date.now()
      m.restarts = m.restarts.filter((t) => now - t < 60_000)
      if (m.restarts.length >= 5) { log(`[stocktower] ${m.name} keeps exiting (last: ${code ?? signal}); giving up`); void shutdown(1); return }
      m.restarts.push(now)
      log(`[stocktower] ${m.name} exited (${code ?? signal}); restarting`)
      setTimeout(() => spawnManaged(m), 1_000)
    })
  }

  const db = createPrisma(databaseUrl, { max: 4 })
  if (cfg.demo) {
    const sim: Managed = { name: 'simulator', file: 'workers/simulator.ts', restarts: [] }
    children.push(sim)
    const urls = await new Promise<SimulatorUrls>((resolve, reject) => {
      spawnManaged(sim)
      const rl = readline.createInterface({ input: sim.child!.stdout! })
      rl.on('line', (l) => { if (l.startsWith('SIMULATORS ')) resolve(JSON.parse(l.slice('SIMULATORS '.length)) as SimulatorUrls) })
      sim.child!.once('exit', (c) => reject(new Error(`the simulator process exited (${c}) before listening`)))
    })
    log(`[demo] marketplace simulators: shopify ${urls.shopify}, amazon ${urls.amazon}, walmart ${urls.walmart}, b2b ${urls.b2b}`)
    const r = await seedDemo(db, { skuCount: cfg.demoSkuCount, simulatorUrls: urls, demoApiKey: env.STOCKTOWER_DEMO_API_KEY!, b2bSigningSecret: secrets.b2bSigningSecret, log })
    if (!r.seeded) log('[demo] demo data already seeded (kept from the last run)')
  } else {
    const r = await ensureAdmin(db, { email: cfg.adminEmail, password: cfg.adminPassword })
    log(r.message)
  }
  await db.$disconnect()

  const worker: Managed = { name: 'worker', file: 'workers/main.ts', restarts: [] }
  const web: Managed = { name: 'web', file: 'web-server.ts', restarts: [] }
  children.push(worker, web)
  spawnManaged(worker)
  spawnManaged(web)

  const url = `http://localhost:${cfg.port}`
  await waitForHttp(`http://127.0.0.1:${cfg.port}/api/health`, 120_000)
  log('')
  log(`  Stocktower is running at ${url}  (started in ${Math.round((Date.now() - startedAt) / 1000)} s)`)
  if (cfg.demo) {
    log('  Demo sign-in: analyst@example.com, merchandiser@example.com, support@example.com, executive@example.com or admin@example.com, password stocktower-demo')
    log(`  Demo API key: ${env.STOCKTOWER_DEMO_API_KEY}`)
    log(`  Generated traffic: ${cfg.traffic ? 'on (STOCKTOWER_TRAFFIC=off to stop it)' : 'off'}`)
  }
  log('  Ctrl-C stops everything.')
  log('')
}

/** Waits until the URL answers at all (health may still say 503 while the first publish settles). */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try { await fetch(url, { signal: AbortSignal.timeout(2_000) }); return } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500))
  }
  log(`[stocktower] ${url} did not answer within ${timeoutMs / 1000} s; check the [web] lines above`)
}

main().catch((e) => {
  console.error(`[stocktower] could not start: ${e instanceof Error ? e.message : String(e)}`)
  void shutdown(1)
})
