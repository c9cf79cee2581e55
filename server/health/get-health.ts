// Readiness as CONTRACT.md defines it: migrations applied, workers alive and, in demo mode, the
// seed complete, every listing decided and the marketplace simulators answering. Reveals no data.
import fs from 'node:fs'
import path from 'node:path'
import type { Db } from '../db'

export interface HealthCheck { name: string; ok: boolean; detail: string }
export interface Health { status: 'ok' | 'unavailable'; checks: HealthCheck[]; demo: boolean; time: string }

const WORKER_STALE_MS = 30_000

export async function getHealth(db: Db, opts: { demo: boolean; simulatorHealthUrl?: string; migrationsDir?: string; now?: Date }): Promise<Health> {
  const now = opts.now ?? new Date()
  const checks: HealthCheck[] = []
  const check = async (name: string, fn: () => Promise<{ ok: boolean; detail: string }>) => {
    try { checks.push({ name, ...(await fn()) }) } catch (e) { checks.push({ name, ok: false, detail: (e as Error).message.split('\n')[0] }) }
  }
  await check('migrations', async () => {
    const dir = opts.migrationsDir ?? path.join(process.cwd(), 'prisma', 'migrations')
    const expected = fs.existsSync(/*turbopackIgnore: true*/ dir)
      ? fs.readdirSync(/*turbopackIgnore: true*/ dir).filter((d) => fs.existsSync(/*turbopackIgnore: true*/ path.join(dir, d, 'migration.sql'))).length
      : 0
    const [r] = await db.$queryRawUnsafe<Array<{ applied: bigint; failed: bigint }>>(
      `SELECT count(*) FILTER (WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL) AS applied,
              count(*) FILTER (WHERE finished_at IS NULL AND rolled_back_at IS NULL) AS failed FROM _prisma_migrations`)
    const applied = Number(r.applied)
    return { ok: Number(r.failed) === 0 && applied >= expected, detail: `${applied} of ${expected} applied` }
  })
  await check('workers', async () => {
    const alive = await db.workerHeartbeat.count({ where: { lastSeenAt: { gt: new Date(now.getTime() - WORKER_STALE_MS) } } })
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
    await check('simulators', async () => {
      const channels = await db.channel.findMany({ select: { code: true, settings: true } })
      const simulated = channels.filter((c) => (c.settings as { simulated?: boolean }).simulated)
      const down: string[] = []
      await Promise.all(simulated.map(async (c) => {
        const base = (c.settings as { baseUrl?: string }).baseUrl
        try {
          const r = await fetch(`${base}/_sim/health`, { signal: AbortSignal.timeout(2_000) })
          if (!r.ok) down.push(c.code)
        } catch { down.push(c.code) }
      }))
      return { ok: down.length === 0, detail: down.length ? `not answering: ${down.join(', ')}` : `${simulated.length} answering` }
    })
  }
  return { status: checks.every((c) => c.ok) ? 'ok' : 'unavailable', checks, demo: opts.demo, time: now.toISOString() }
}
