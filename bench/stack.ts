// The whole product as the end-to-end scenarios measure it: a fresh embedded PostgreSQL in a temp
// folder, migrated and seeded with the demo catalogue (`skus` SKUs x 3 locations x 4 channels) whose
// channels point at the real marketplace simulators (started in this process, plan 'demo' or
// 'realistic'), the web process (web-server.ts, production build from bench/app-snapshot.ts) and a
// worker process (workers/main.ts), each a child process as `npm start` runs them.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import pg from 'pg'
import { encode } from 'next-auth/jwt'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/runtime/embedded-postgres'
import { migrateDatabase } from '../server/runtime/migrate'
import { createPrisma } from '../server/db'
import { seedDemo, demoExternalSkus } from '../server/demo/seed-demo'
import type { Figure } from './stats'
import { startSession } from '../server/auth/sessions'
import { freePort } from '../server/runtime/free-port'
import { startSimulators, type RunningSimulators } from '../simulators'
import type { SimulatorPlanName } from '../simulators/core/knobs'
import { prepareAppSnapshot } from './app-snapshot'
import { stopChild } from '../scripts/child-process'

export interface Stack {
  url: string
  databaseUrl: string
  apiKey: string
  port: number
  webPid: number
  workerPid: number | null
  sims: RunningSimulators
  pool: pg.Pool
  tmp: string
  seedSeconds: number
  /** A signed-in session cookie for the demo user of that role (as a browser holds it after sign-in). */
  sessionCookie(email?: string): Promise<string>
  startWorker(): Promise<number>
  stop(): Promise<void>
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export async function waitForHttp(url: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  await waitFor(`${url} answering`, timeoutMs, async () => {
    if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before ${url} answered`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) })
      return true
    } catch {
      return false
    }
  })
}

/** What a scenario reports: its figures and the notes that explain them. */
export interface ScenarioResult {
  figures: Figure[]
  notes: string[]
}

/**
 * Runs a scenario on a stack of its own in a temporary folder of its own: `body` pushes figures and
 * notes; whatever happens, the stack is stopped and the folder removed.
 */
export async function onOwnStack(
  name: string,
  opts: Omit<Parameters<typeof startStack>[0], 'tmp'>,
  body: (stack: Stack, out: ScenarioResult) => Promise<void>,
): Promise<ScenarioResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `stocktower-bench-${name}-`))
  const out: ScenarioResult = { figures: [], notes: [] }
  let stack: Stack | undefined
  try {
    stack = await startStack({ ...opts, tmp })
    await body(stack, out)
  } catch (e) {
    // What the web and worker processes said last: a failed phase is otherwise gone with the temp folder.
    for (const f of ['web.log', 'worker.log']) {
      const p = path.join(tmp, f)
      if (fs.existsSync(p))
        opts.log(`[bench] last lines of ${f}:\n${fs.readFileSync(p, 'utf8').split('\n').slice(-30).join('\n')}`)
    }
    throw e
  } finally {
    await stack?.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  return out
}

export async function startStack(opts: {
  tmp: string
  skus: number
  plan: SimulatorPlanName
  worker: boolean
  log: (l: string) => void
  /** Extra environment for the web and worker processes. */
  env?: Record<string, string>
  /** Load pg_stat_statements (`--pg-statements`): what PostgreSQL spends its time on, per statement. */
  pgStatements?: boolean
}): Promise<Stack> {
  const { tmp, log } = opts
  // Running as root, PostgreSQL runs as another user, who must be able to enter the folder.
  fs.chmodSync(tmp, 0o755)
  const snap = await prepareAppSnapshot(log)
  log(
    `[bench] web app snapshot in ${snap.dir} (${snap.built ? 'built' : 'build up to date'}, ${Math.round(snap.ms / 1000)} s)`,
  )
  const db = await startEmbeddedPostgres({
    dir: path.join(tmp, 'pg'),
    password: 'bench',
    database: 'stocktower',
    persistent: false,
    extraFlags: opts.pgStatements ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : [],
  })
  const children: ChildProcess[] = []
  let sims: RunningSimulators | undefined
  let pool: pg.Pool | undefined
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c)
    await pool?.end().catch(() => {})
    await sims?.close().catch(() => {})
    await db.stop().catch(() => {})
  }
  try {
    await migrateDatabase(db.url, { quiet: true })
    const apiKey = `st_bench_${crypto.randomBytes(16).toString('hex')}`
    const encryptionKey = process.env.STOCKTOWER_ENCRYPTION_KEY ?? crypto.randomBytes(32).toString('base64')
    process.env.STOCKTOWER_ENCRYPTION_KEY = encryptionKey
    const b2bSecret = crypto.randomBytes(16).toString('hex')
    sims = await startSimulators({ host: '127.0.0.1', plan: opts.plan, b2bSecret })
    for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const)
      sims.sims[kind].seed(demoExternalSkus(kind, opts.skus), 0)
    const prisma = createPrisma(db.url, { max: 4 })
    const t0 = Date.now()
    try {
      await seedDemo(prisma, {
        skuCount: opts.skus,
        simulatorUrls: sims.urls,
        demoApiKey: apiKey,
        b2bSigningSecret: b2bSecret,
        log,
      })
    } finally {
      await prisma.$disconnect()
    }
    const seedSeconds = (Date.now() - t0) / 1000
    pool = new pg.Pool({ connectionString: db.url, max: 4 })
    // An idle connection closed by PostgreSQL stopping at the end is not an error of the run.
    pool.on('error', () => {})

    const port = await freePort()
    const nextAuthSecret = crypto.randomBytes(32).toString('base64url')
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      DATABASE_URL: db.url,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXTAUTH_SECRET: nextAuthSecret,
      STOCKTOWER_ENCRYPTION_KEY: encryptionKey,
      STOCKTOWER_B2B_SIGNING_SECRET: b2bSecret,
      STOCKTOWER_DATA_DIR: path.join(tmp, 'app-data'),
      STOCKTOWER_DEMO: 'on',
      STOCKTOWER_TRAFFIC: 'off',
      STOCKTOWER_DEMO_API_KEY: apiKey,
      STOCKTOWER_DEMO_SKUS: String(opts.skus),
      STOCKTOWER_API_URL: `http://127.0.0.1:${port}`,
      STOCKTOWER_MANAGED: '',
      STOCKTOWER_DIST_DIR: '',
      ...opts.env,
    }
    const launch = (name: string, file: string) => {
      const out = fs.openSync(path.join(tmp, `${name}.log`), 'a')
      // The same V8 flag scripts/start.ts gives every child; STOCKTOWER_BENCH_WEB_NODE_FLAGS adds flags
      // to the web process only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under fan-out).
      const extra =
        name === 'web' ? (process.env.STOCKTOWER_BENCH_WEB_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean) : []
      const child = spawn(
        process.execPath,
        ['--max-semi-space-size=32', ...extra, '--import', 'tsx', path.join(snap.dir, file)],
        { cwd: snap.dir, env, stdio: ['ignore', out, out] },
      )
      children.push(child)
      return child
    }
    const web = launch('web', 'web-server.ts')
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, 120_000, web)
    let workerPid: number | null = null
    const startWorker = async () => {
      const w = launch('worker', 'workers/main.ts')
      await waitFor('the worker heartbeat', 60_000, async () => {
        if (w.exitCode !== null)
          throw new Error(`the worker exited (${w.exitCode}); see ${path.join(tmp, 'worker.log')}`)
        const r = await pool!.query(`SELECT 1 FROM "WorkerHeartbeat" WHERE pid = $1`, [w.pid])
        return r.rowCount! > 0
      })
      workerPid = w.pid!
      return workerPid
    }
    if (opts.worker) await startWorker()
    log(
      `[bench] stack: web ${web.pid} on 127.0.0.1:${port}${workerPid ? `, worker ${workerPid}` : ', no worker'}, simulators (plan ${opts.plan}) in the bench process, ${opts.skus.toLocaleString('en-US')} SKUs seeded in ${seedSeconds.toFixed(1)} s`,
    )

    const sessionCookie = async (email = 'analyst@example.com') => {
      const p = createPrisma(db.url, { max: 1 })
      try {
        const u = await p.user.findUniqueOrThrow({ where: { email } })
        const sid = await startSession(p, u.id)
        const token = await encode({
          token: { sub: u.id, email: u.email, name: u.name, uid: u.id, role: u.role, sid },
          secret: nextAuthSecret,
        })
        return `next-auth.session-token=${token}`
      } finally {
        await p.$disconnect()
      }
    }
    return {
      url: `http://127.0.0.1:${port}`,
      databaseUrl: db.url,
      apiKey,
      port,
      webPid: web.pid!,
      get workerPid() {
        return workerPid
      },
      sims,
      pool,
      tmp,
      seedSeconds,
      sessionCookie,
      startWorker,
      stop,
    }
  } catch (e) {
    for (const f of ['web.log', 'worker.log']) {
      const p = path.join(tmp, f)
      if (fs.existsSync(p))
        log(`[bench] last lines of ${f}:\n${fs.readFileSync(p, 'utf8').split('\n').slice(-20).join('\n')}`)
    }
    await stop()
    throw e
  }
}

/** Listings still to publish (newer desired version than published, or in flight) and SKUs waiting for a recompute. Scans the listings: poll it every second or two, not faster. */
export async function backlog(pool: pg.Pool): Promise<{ dirty: number; pending: number; inFlight: number }> {
  const r = await pool.query<{ dirty: string; pending: string; inflight: string }>(
    `SELECT (SELECT count(*) FROM "AvailabilityDirty")::text AS dirty,
            (SELECT count(*) FROM "ChannelListing" WHERE active AND "desiredVersion" > "publishedVersion")::text AS pending,
            (SELECT count(*) FROM "ChannelListing" WHERE "inFlightVersion" IS NOT NULL)::text AS inflight`,
  )
  return { dirty: Number(r.rows[0].dirty), pending: Number(r.rows[0].pending), inFlight: Number(r.rows[0].inflight) }
}

/**
 * After a drain, waits (up to `timeoutMs`) until every sent version is verified applied, so a phase
 * measured next does not share the machine with the previous one's read-backs. Returns the seconds
 * waited and the listings still unverified.
 */
export async function waitForVerified(
  pool: pg.Pool,
  timeoutMs: number,
): Promise<{ seconds: number; unverified: number }> {
  const t0 = Date.now()
  const unverified = async () =>
    Number(
      (
        await pool.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM "ChannelListing" WHERE active AND "appliedVersion" < "publishedVersion"`,
        )
      ).rows[0].n,
    )
  let left = await unverified()
  while (left > 0 && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 1000))
    left = await unverified()
  }
  return { seconds: (Date.now() - t0) / 1000, unverified: left }
}

/** Waits until every SKU is decided and every listing's newest version has left for its channel. */
export async function waitForDrain(pool: pg.Pool, timeoutMs: number): Promise<number> {
  const t0 = Date.now()
  await waitFor(
    'the backlog to drain',
    timeoutMs,
    async () => {
      const b = await backlog(pool)
      return b.dirty === 0 && b.pending === 0 && b.inFlight === 0
    },
    1000,
  )
  return (Date.now() - t0) / 1000
}
