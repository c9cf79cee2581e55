// `npm start`: runs the whole product. With no DATABASE_URL it starts a real PostgreSQL from npm in
// the data folder; applies migrations; builds the web app if its code changed; in demo mode starts
// the marketplace simulators and seeds the demo once; then runs the web and worker processes.
// Ctrl-C stops every process it started, PostgreSQL included.
//
// Supervision: every child (web, worker, simulators) and the embedded PostgreSQL is restarted when
// it exits, with exponential backoff (1 s doubling to 30 s, reset after a minute of uptime). A
// crashing worker never takes the web process (and so ingest) down; the supervisor writes what it
// sees to <data dir>/supervisor.json, which /api/health reports.
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
import { DEMO_PASSWORD } from '../server/demo/seed-demo'
import { generatedDemoPassword, setDemoPasswords } from '../server/auth/demo-accounts'
import { restartDelayMs, writeSupervisorState, type PartState } from '../server/runtime/supervisor'
import { buildIfChanged } from './build'

const root = path.resolve(__dirname, '..')
const log = (line: string) => process.stdout.write(`${line}\n`)

interface Managed {
  name: string
  file: string
  child?: ChildProcess
  failures: number
  startedAt: number
  restarts: number
  lastExit: string | null
}

let pg: EmbeddedDatabase | undefined
const children: Managed[] = []
let stopping = false
let dataDir = ''
const dbState: PartState = { state: 'starting', restarts: 0, lastExit: null, since: new Date().toISOString() }

function reportState(): void {
  if (!dataDir) return
  const parts: Record<string, PartState> = {}
  if (pg) parts.database = { ...dbState, pid: dbState.state === 'running' ? (pg.pid() ?? null) : null }
  for (const m of children) {
    const running = !!m.child && m.child.exitCode === null && m.child.signalCode === null
    parts[m.name] = {
      state: running ? 'running' : 'restarting',
      restarts: m.restarts,
      lastExit: m.lastExit,
      since: new Date(m.startedAt).toISOString(),
      pid: running ? (m.child!.pid ?? null) : null,
    }
  }
  writeSupervisorState(dataDir, { pid: process.pid, parts })
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  log('[stocktower] stopping...')
  const stop = (group: Managed[]) =>
    Promise.all(
      group.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (!m.child || m.child.exitCode !== null || m.child.signalCode !== null) return resolve()
            const t = setTimeout(() => {
              m.child?.kill('SIGKILL')
              resolve()
            }, 10_000)
            m.child.once('exit', () => {
              clearTimeout(t)
              resolve()
            })
            m.child.kill('SIGTERM')
          }),
      ),
    )
  // Web and workers first, so running jobs finish against live simulators and a live database
  // and leave no job locked behind them; then the simulators; PostgreSQL last.
  await stop(children.filter((m) => m.name !== 'simulator'))
  await stop(children.filter((m) => m.name === 'simulator'))
  if (pg) {
    // A terminal's Ctrl-C reaches PostgreSQL too (same process group) and it may already be gone,
    // in which case embedded-postgres's stop() never settles: do not wait for it forever.
    const stopped = await Promise.race([
      pg.stop().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
    ])
    log(stopped ? '[db] PostgreSQL stopped' : '[db] PostgreSQL had already stopped')
  }
  process.exit(code)
}

async function main() {
  const startedAt = Date.now()
  const cfg = readConfig()
  fs.mkdirSync(cfg.dataDir, { recursive: true })
  dataDir = cfg.dataDir
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
    const pgOpts = {
      dir: path.join(cfg.dataDir, 'pg'),
      password: secrets.postgresPassword,
      log: (l: string) => pgLog.write(`${l}\n`),
    }
    pg = await startEmbeddedPostgres(pgOpts)
    databaseUrl = pg.url
    dbState.state = 'running'
    log(`[db] embedded PostgreSQL on 127.0.0.1:${pg.port} (data in ${path.join(cfg.dataDir, 'pg')})`)
    superviseDatabase(pg, { ...pgOpts, port: pg.port })
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
    STOCKTOWER_SHOPIFY_WEBHOOK_SECRET: secrets.shopifyWebhookSecret,
    STOCKTOWER_API_URL: `http://127.0.0.1:${cfg.port}`,
    STOCKTOWER_MANAGED: '1',
    // Children finish or give back their work before this orchestrator's 10 s stop deadline.
    STOCKTOWER_SHUTDOWN_GRACE_MS: process.env.STOCKTOWER_SHUTDOWN_GRACE_MS ?? '8000',
  }
  // The orchestrator's own domain calls (seed, admin) need the same key material as the children.
  process.env.STOCKTOWER_ENCRYPTION_KEY = env.STOCKTOWER_ENCRYPTION_KEY

  const spawnManaged = (m: Managed): void => {
    // A larger young generation: ingest allocates many short-lived objects per batch, and the
    // default semi-space made garbage collection ~12% of the web process's busy time (npm run bench).
    const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', path.join(root, m.file)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
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
    m.startedAt = Date.now()
    reportState()
    child.on('exit', (code, signal) => {
      if (stopping) return
      // A process that ran a while before exiting starts its backoff over; one that keeps
      // exiting waits longer each time (up to 30 s) but is never given up on: the other parts,
      // ingest on the web process above all, keep running meanwhile.
      if (Date.now() - m.startedAt > 60_000) m.failures = 0
      const delay = restartDelayMs(m.failures)
      m.failures += 1
      m.restarts += 1
      m.lastExit = `${code ?? signal} at ${new Date().toISOString()}`
      log(`[stocktower] ${m.name} exited (${code ?? signal}); restarting in ${Math.round(delay / 1000)} s`)
      reportState()
      setTimeout(() => {
        if (!stopping) spawnManaged(m)
      }, delay)
    })
  }

  const db = createPrisma(databaseUrl, { max: 4 })
  let demoPassword = DEMO_PASSWORD
  if (cfg.demo) {
    const sim: Managed = {
      name: 'simulator',
      file: 'workers/simulator.ts',
      failures: 0,
      startedAt: 0,
      restarts: 0,
      lastExit: null,
    }
    children.push(sim)
    const urls = await new Promise<SimulatorUrls>((resolve, reject) => {
      spawnManaged(sim)
      const rl = readline.createInterface({ input: sim.child!.stdout! })
      rl.on('line', (l) => {
        if (l.startsWith('SIMULATORS ')) resolve(JSON.parse(l.slice('SIMULATORS '.length)) as SimulatorUrls)
      })
      sim.child!.once('exit', (c) => reject(new Error(`the simulator process exited (${c}) before listening`)))
    })
    log(
      `[demo] marketplace simulators: shopify ${urls.shopify}, amazon ${urls.amazon}, walmart ${urls.walmart}, b2b ${urls.b2b}`,
    )
    const r = await seedDemo(db, {
      skuCount: cfg.demoSkuCount,
      simulatorUrls: urls,
      demoApiKey: env.STOCKTOWER_DEMO_API_KEY!,
      b2bSigningSecret: secrets.b2bSigningSecret,
      shopifyWebhookSecret: secrets.shopifyWebhookSecret,
      log,
    })
    if (!r.seeded) log('[demo] demo data already seeded (kept from the last run)')
    // The well-known demo password only while nobody else can reach us (README, Security).
    demoPassword = cfg.loopbackOnly ? DEMO_PASSWORD : generatedDemoPassword()
    await setDemoPasswords(db, demoPassword)
  } else {
    const r = await ensureAdmin(db, { email: cfg.adminEmail, password: cfg.adminPassword })
    log(r.message)
  }
  await db.$disconnect()

  const worker: Managed = {
    name: 'worker',
    file: 'workers/main.ts',
    failures: 0,
    startedAt: 0,
    restarts: 0,
    lastExit: null,
  }
  const web: Managed = { name: 'web', file: 'web-server.ts', failures: 0, startedAt: 0, restarts: 0, lastExit: null }
  children.push(worker, web)
  spawnManaged(worker)
  spawnManaged(web)

  const url = `http://${cfg.loopbackOnly ? 'localhost' : cfg.hostname}:${cfg.port}`
  await waitForHttp(`http://127.0.0.1:${cfg.port}/api/health`, 120_000)
  log('')
  log(`  Stocktower is running at ${url}  (started in ${Math.round((Date.now() - startedAt) / 1000)} s)`)
  if (cfg.demo) {
    log(
      `  Demo sign-in: analyst@example.com, merchandiser@example.com, support@example.com, executive@example.com or admin@example.com, password ${demoPassword}${cfg.loopbackOnly ? '' : ' (generated for this start because HOST exposes the server)'}`,
    )
    log(`  Demo API key: ${env.STOCKTOWER_DEMO_API_KEY}`)
    log(`  Generated traffic: ${cfg.traffic ? 'on (STOCKTOWER_TRAFFIC=off to stop it)' : 'off'}`)
  }
  if (!cfg.loopbackOnly)
    log(`  Listening on ${cfg.hostname}: put it behind a TLS-terminating reverse proxy (README, Security).`)
  log('  Ctrl-C stops everything.')
  log('')
}

/**
 * Restarts the embedded PostgreSQL on the same port and data folder when its server process dies
 * (crash recovery replays the WAL: every acknowledged commit is there, synchronous_commit is on).
 * Web and workers reconnect by themselves; a worker that crashed meanwhile is restarted above.
 */
function superviseDatabase(
  db: EmbeddedDatabase,
  opts: { dir: string; password: string; port: number; log: (l: string) => void },
): void {
  db.onUnexpectedExit((code, signal) => {
    if (stopping) return
    dbState.state = 'restarting'
    dbState.lastExit = `${code ?? signal} at ${new Date().toISOString()}`
    reportState()
    log(`[db] PostgreSQL exited (${code ?? signal}); restarting`)
    let failures = 0
    const attempt = async (): Promise<void> => {
      if (stopping) return
      try {
        pg = await startEmbeddedPostgres(opts)
        dbState.state = 'running'
        dbState.restarts += 1
        dbState.since = new Date().toISOString()
        reportState()
        log(`[db] PostgreSQL restarted on 127.0.0.1:${opts.port}`)
        superviseDatabase(pg, opts)
      } catch (e) {
        const delay = restartDelayMs(failures++)
        log(
          `[db] PostgreSQL did not restart (${(e as Error).message.split('\n')[0]}); next try in ${Math.round(delay / 1000)} s`,
        )
        setTimeout(() => void attempt(), delay)
      }
    }
    setTimeout(() => void attempt(), restartDelayMs(0))
  })
}

/** Waits until the URL answers at all (health may still say 503 while the first publish settles). */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  log(`[stocktower] ${url} did not answer within ${timeoutMs / 1000} s; check the [web] lines above`)
}

main().catch((e) => {
  console.error(`[stocktower] could not start: ${e instanceof Error ? e.message : String(e)}`)
  void shutdown(1)
})
