// Worker process: runs the job handlers on graphile-worker (jobs claimed with SKIP LOCKED, so any
// number of worker processes cooperate), reports a heartbeat for /api/health, and pushes realtime
// events to browsers through PostgreSQL NOTIFY (server/realtime/postgres-emitter.ts).
import os from 'node:os'
import { EventEmitter } from 'node:events'
import { run, type WorkerEvents } from 'graphile-worker'
import pg from 'pg'
import { postgresTransport } from '../server/realtime/postgres-emitter'
import { prisma } from '../server/db'
import { config } from '../server/env'
import { CRONTAB, taskList } from './jobs/registry'
import { setRealtimeTransport } from '../server/realtime/publisher'
import { quietGraphileLogger } from '../server/runtime/migrate'
import { enqueueRecompute, enqueuePublish } from '../server/queue/enqueue'
import { releaseOwnLocks, releaseStaleLocks } from '../server/queue/release-stale-locks'
import { scanInbox } from '../server/ingest/inbox/scan-inbox'
import fs from 'node:fs'
import { shutdownGraceMs } from '../server/runtime/process-role'

async function main() {
  const cfg = config()
  const db = prisma()
  const databaseUrl = process.env.DATABASE_URL!
  const emitterPool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  emitterPool.on('error', (e) => console.warn('[realtime] database connection lost:', e.message))
  setRealtimeTransport(
    postgresTransport(emitterPool, `worker-${process.pid}`, (e) =>
      console.warn('[realtime] notify failed:', e.message),
    ),
  )

  const id = `worker-${os.hostname()}-${process.pid}`
  const startedAt = new Date()
  // graphile-worker locks jobs under its pool id and its workers' ids; the heartbeat lists them so
  // the janitor can tell our locks from a dead process's.
  const lockIds = new Set<string>()
  const events = new EventEmitter() as WorkerEvents
  events.on('pool:create', ({ workerPool }) => void lockIds.add(workerPool.id))
  events.on('worker:create', ({ worker }) => void lockIds.add(worker.workerId))
  const beat = async () => {
    await db.workerHeartbeat
      .upsert({
        where: { id },
        create: { id, kind: 'worker', pid: process.pid, startedAt, lastSeenAt: new Date(), lockIds: [...lockIds] },
        update: { lastSeenAt: new Date(), lockIds: [...lockIds] },
      })
      .catch((e) => console.warn('[worker] heartbeat failed:', (e as Error).message))
  }
  const sweep = async () => {
    const released = await releaseStaleLocks(db, { deadAfterMs: cfg.workerDeadAfterMs }).catch((e) => {
      console.warn('[worker] lock janitor failed:', (e as Error).message)
      return []
    })
    if (released.length) console.log(`[worker] released job locks of stopped workers: ${released.join(', ')}`)
  }
  await beat()
  const heartbeat = setInterval(beat, Math.min(5_000, Math.floor(cfg.workerDeadAfterMs / 3)))

  const log = (line: string) => console.log(line)
  const runner = await run({
    connectionString: databaseUrl,
    concurrency: cfg.workerConcurrency,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList: taskList({ db, log }),
    crontab: CRONTAB,
    logger: quietGraphileLogger(),
    events,
  })
  await beat()
  await sweep()
  const janitor = setInterval(() => void sweep(), Math.min(15_000, Math.floor(cfg.workerDeadAfterMs / 2)))
  // File inbox: a folder per source under cfg.inboxDir; every worker scans, an atomic rename
  // decides who claims a file.
  fs.mkdirSync(cfg.inboxDir, { recursive: true })
  let scanning = false
  const scan = async () => {
    if (scanning) return
    scanning = true
    try {
      await scanInbox(db, cfg.inboxDir, { log, orphanAfterMs: Math.max(cfg.workerDeadAfterMs * 2, 5_000) })
    } catch (e) {
      console.warn('[inbox] scan failed:', (e as Error).message)
    } finally {
      scanning = false
    }
  }
  const inbox = setInterval(() => void scan(), cfg.inboxPollMs)
  // Resume whatever was pending when the last process stopped (jobs survive restarts; this only
  // nudges channels whose publish job was lost with an older queue schema).
  await enqueueRecompute(db)
  for (const c of await db.channel.findMany({ select: { id: true } })) await enqueuePublish(db, c.id)
  console.log(`[worker] ${id} running ${cfg.workerConcurrency} concurrent jobs`)

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    clearInterval(heartbeat)
    clearInterval(janitor)
    clearInterval(inbox)
    // Stop taking jobs and let running ones finish; what is still running after the grace period
    // is given back (its lock released, the job retried by another worker), never left locked.
    const grace = shutdownGraceMs()
    console.log(`[worker] ${id} stopping: no new jobs; running ones get ${Math.round(grace / 1000)} s`)
    const finished = await Promise.race([
      runner.stop().then(
        () => true,
        () => true,
      ),
      new Promise<false>((r) => setTimeout(() => r(false), grace).unref()),
    ])
    if (!finished) {
      console.log(`[worker] ${id} releasing the jobs still running`)
      await runner.kill('graceful shutdown timed out').catch(() => {})
    }
    await releaseOwnLocks(db, [...lockIds]).catch((e) =>
      console.warn('[worker] could not release its job locks:', (e as Error).message),
    )
    await db.workerHeartbeat.delete({ where: { id } }).catch(() => {})
    await db.$disconnect().catch(() => {})
    await emitterPool.end().catch(() => {})
    process.exit(0)
  }
  // Under `npm start` a terminal's Ctrl-C reaches every process; the orchestrator then stops us
  // with SIGTERM in a safe order (web and workers, simulators, PostgreSQL), so ignore it here.
  process.on('SIGINT', process.env.STOCKTOWER_MANAGED === '1' ? () => {} : stop)
  process.on('SIGTERM', stop)
  await runner.promise
}

main().catch((e) => {
  console.error('[worker] fatal:', e)
  process.exit(1)
})
