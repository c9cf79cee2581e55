// Worker process: runs the job handlers on graphile-worker (jobs claimed with SKIP LOCKED, so any
// number of worker processes cooperate), reports a heartbeat for /api/health, and pushes realtime
// events to browsers through socket.io's Postgres emitter.
import os from 'node:os'
import { run } from 'graphile-worker'
import pg from 'pg'
import { Emitter } from '@socket.io/postgres-emitter'
import { prisma } from '../server/db'
import { config } from '../server/env'
import { taskList } from './jobs/registry'
import { setRealtimeTransport } from '../server/realtime/publisher'
import { quietGraphileLogger } from '../server/runtime/migrate'
import { enqueueRecompute, enqueuePublish } from '../server/queue/enqueue'

async function main() {
  const cfg = config()
  const db = prisma()
  const databaseUrl = process.env.DATABASE_URL!
  const emitterPool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const emitter = new Emitter(emitterPool)
  setRealtimeTransport({ emit: (room, event, payload) => { emitter.to(room).emit(event, payload) } })

  const id = `worker-${os.hostname()}-${process.pid}`
  const startedAt = new Date()
  const beat = async () => {
    await db.workerHeartbeat.upsert({
      where: { id },
      create: { id, kind: 'worker', pid: process.pid, startedAt, lastSeenAt: new Date() },
      update: { lastSeenAt: new Date() },
    }).catch((e) => console.warn('[worker] heartbeat failed:', (e as Error).message))
  }
  await beat()
  const heartbeat = setInterval(beat, 5_000)

  const log = (line: string) => console.log(line)
  const runner = await run({
    connectionString: databaseUrl,
    concurrency: cfg.workerConcurrency,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList: taskList({ db, log }),
    logger: quietGraphileLogger(),
  })
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
    await runner.stop().catch(() => {})
    await db.workerHeartbeat.delete({ where: { id } }).catch(() => {})
    await db.$disconnect().catch(() => {})
    await emitterPool.end().catch(() => {})
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  await runner.promise
}

main().catch((e) => {
  console.error('[worker] fatal:', e)
  process.exit(1)
})
