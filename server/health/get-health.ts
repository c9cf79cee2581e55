// Readiness as docs/api.md ("Read", GET /api/health) defines it: migrations applied, workers alive and, in demo mode, the
// seed complete, every listing decided and the marketplace simulators answering. Reveals no data.
import fs from 'node:fs'
import path from 'node:path'
import type { Db } from '../db'
import { readSupervisorState } from '../runtime/supervisor'

// Which part of the product a check is about, so an operator sees at once what is degraded.
export type HealthPart = 'database' | 'workers' | 'web' | 'demo' | 'simulators' | 'supervisor'
/** `critical: false` checks are reported (degraded) without making the answer 503. */
export interface HealthCheck {
  name: string
  ok: boolean
  detail: string
  part?: HealthPart
  critical?: boolean
}
export interface Health {
  status: 'ok' | 'unavailable'
  /** The parts with a failing check (empty when all is well); a non-critical part can be degraded while status is ok. */
  degraded: HealthPart[]
  checks: HealthCheck[]
  demo: boolean
  time: string
}

const WORKER_STALE_MS = 30_000

const PART: Record<string, HealthPart> = {
  database: 'database',
  'durable commits': 'database',
  migrations: 'database',
  workers: 'workers',
  'demo seed': 'demo',
  decisions: 'demo',
  simulators: 'simulators',
}

export async function getHealth(
  db: Db,
  opts: { demo: boolean; simulatorHealthUrl?: string; migrationsDir?: string; dataDir?: string; now?: Date },
): Promise<Health> {
  const now = opts.now ?? new Date()
  const checks: HealthCheck[] = []
  const check = async (name: string, fn: () => Promise<CheckResult>) => {
    // Only the first line of a failure: a driver's message can be long, and health reveals no data.
    try {
      checks.push({ name, part: PART[name], ...(await fn()) })
    } catch (e) {
      checks.push({ name, part: PART[name], ok: false, detail: (e as Error).message.split('\n')[0].slice(0, 200) })
    }
  }
  let databaseUp = true
  await check('database', async () => {
    try {
      await db.$queryRawUnsafe('SELECT 1')
      return { ok: true, detail: 'reachable' }
    } catch (e) {
      databaseUp = false
      throw e
    }
  })
  if (!databaseUp) {
    // Nothing below can be checked without it; say so once instead of five connection errors.
    return finish(checks, opts, now)
  }
  await check('durable commits', () => durableCommits(db))
  await check('migrations', () =>
    migrationsApplied(db, opts.migrationsDir ?? path.join(process.cwd(), 'prisma', 'migrations')),
  )
  await check('workers', async () => {
    const alive = await db.workerHeartbeat.count({
      where: { lastSeenAt: { gt: new Date(now.getTime() - WORKER_STALE_MS) } },
    })
    return { ok: alive > 0, detail: `${alive} alive` }
  })
  if (opts.demo) {
    await check('demo seed', async () => {
      const seeded = await db.systemState.findUnique({ where: { key: 'demo.seeded' } })
      return { ok: !!seeded, detail: seeded ? 'complete' : 'not complete' }
    })
    await check('decisions', async () => {
      const undecided = await db.channelListing.count({ where: { active: true, decisionId: null } })
      return { ok: undecided === 0, detail: `${undecided} listings without a decision` }
    })
    await check('simulators', () => simulatorsAnswering(db))
  }
  return finish(checks, opts, now)
}

type CheckResult = { ok: boolean; detail: string; critical?: boolean }

/** Commits wait for the disk (synchronous_commit on): a 202 promises the events are recorded. Off warns, not critical. */
async function durableCommits(db: Db): Promise<CheckResult> {
  const [r] = await db.$queryRawUnsafe<Array<{ synchronous_commit: string }>>('SHOW synchronous_commit')
  const on = r.synchronous_commit !== 'off'
  return {
    ok: on,
    critical: false,
    detail: on
      ? `synchronous_commit=${r.synchronous_commit}`
      : 'synchronous_commit=off: a database crash can lose acknowledged events (set it on)',
  }
}

/** Every migration folder applied, none failed. */
async function migrationsApplied(db: Db, dir: string): Promise<CheckResult> {
  const expected = fs.existsSync(/*turbopackIgnore: true*/ dir)
    ? fs
        .readdirSync(/*turbopackIgnore: true*/ dir)
        .filter((d) => fs.existsSync(/*turbopackIgnore: true*/ path.join(dir, d, 'migration.sql'))).length
    : 0
  const [r] = await db.$queryRawUnsafe<Array<{ applied: bigint; failed: bigint }>>(
    `SELECT count(*) FILTER (WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL) AS applied,
            count(*) FILTER (WHERE finished_at IS NULL AND rolled_back_at IS NULL) AS failed FROM _prisma_migrations`,
  )
  const applied = Number(r.applied)
  return { ok: Number(r.failed) === 0 && applied >= expected, detail: `${applied} of ${expected} applied` }
}

/** Every simulated channel's simulator answers its health URL within 2 s. */
async function simulatorsAnswering(db: Db): Promise<CheckResult> {
  const channels = await db.channel.findMany({ select: { code: true, settings: true } })
  const simulated = channels.filter((c) => (c.settings as { simulated?: boolean }).simulated)
  const down: string[] = []
  await Promise.all(
    simulated.map(async (c) => {
      const base = (c.settings as { baseUrl?: string }).baseUrl
      try {
        const r = await fetch(`${base}/_sim/health`, { signal: AbortSignal.timeout(2_000) })
        if (!r.ok) down.push(c.code)
      } catch {
        down.push(c.code)
      }
    }),
  )
  return {
    ok: down.length === 0,
    detail: down.length ? `not answering: ${down.join(', ')}` : `${simulated.length} answering`,
  }
}

function finish(checks: HealthCheck[], opts: { demo: boolean; dataDir?: string }, now: Date): Health {
  // What `npm start`'s supervisor last saw: a part it is restarting is degraded even when the
  // checks above pass (e.g. a second worker crash-looping while the first one works).
  const sup = readSupervisorState(opts.dataDir)
  if (sup) {
    const restarting = Object.entries(sup.parts).filter(([, p]) => p.state !== 'running')
    const restarts = Object.entries(sup.parts)
      .filter(([, p]) => p.restarts > 0)
      .map(([n, p]) => `${n} restarted ${p.restarts}x (last exit ${p.lastExit})`)
    checks.push({
      name: 'supervisor',
      part: 'supervisor',
      critical: false,
      ok: restarting.length === 0,
      detail: restarting.length
        ? `restarting: ${restarting.map(([n]) => n).join(', ')}`
        : restarts.length
          ? restarts.join('; ')
          : 'every part running',
    })
  }
  const degraded = [...new Set(checks.filter((c) => !c.ok && c.part).map((c) => c.part!))]
  return {
    status: checks.every((c) => c.ok || c.critical === false) ? 'ok' : 'unavailable',
    degraded,
    checks,
    demo: opts.demo,
    time: now.toISOString(),
  }
}
