// A worker killed mid-job must not stall the queue: its locks are released once its heartbeat
// stops, and a live worker's locks are never touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseStaleLocks } from '../../server/queue/release-stale-locks'
import { enqueuePublish, enqueueRecompute } from '../../server/queue/enqueue'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await t.drop()
})

describe('releaseStaleLocks', () => {
  it('frees the jobs and named queues of a dead worker and leaves a live one alone', async () => {
    const db = t.db
    await enqueueRecompute(db)
    await enqueuePublish(db, '00000000-0000-4000-8000-000000000001')
    const jobs = await db.$queryRawUnsafe<Array<{ id: string; task: string }>>(
      `SELECT id::text, task_identifier AS task FROM graphile_worker.jobs ORDER BY id`,
    )
    expect(jobs).toHaveLength(2)
    const [dead, live] = jobs
    const lockedAt = new Date(Date.now() - 120_000).toISOString()
    // Lock one job (and its named queue) as a dead pool, the other as a live one.
    await db.$executeRawUnsafe(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-dead', locked_at = $2::timestamptz WHERE id = $1::bigint`,
      dead.id,
      lockedAt,
    )
    await db.$executeRawUnsafe(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'pool-live', locked_at = $2::timestamptz WHERE id = $1::bigint`,
      live.id,
      lockedAt,
    )
    await db.$executeRawUnsafe(
      `UPDATE graphile_worker._private_job_queues q SET locked_by = j.locked_by, locked_at = j.locked_at FROM graphile_worker._private_jobs j WHERE j.job_queue_id = q.id`,
    )
    await db.workerHeartbeat.create({
      data: {
        id: 'w-dead',
        kind: 'worker',
        pid: 1,
        startedAt: new Date(lockedAt),
        lastSeenAt: new Date(Date.now() - 90_000),
        lockIds: ['pool-dead'],
      },
    })
    await db.workerHeartbeat.create({
      data: {
        id: 'w-live',
        kind: 'worker',
        pid: 2,
        startedAt: new Date(lockedAt),
        lastSeenAt: new Date(),
        lockIds: ['pool-live'],
      },
    })

    expect(await releaseStaleLocks(db)).toEqual(['pool-dead'])
    const after = await db.$queryRawUnsafe<Array<{ id: string; lockedBy: string | null }>>(
      `SELECT id::text, locked_by AS "lockedBy" FROM graphile_worker._private_jobs ORDER BY id`,
    )
    expect(after).toEqual([
      { id: dead.id, lockedBy: null },
      { id: live.id, lockedBy: 'pool-live' },
    ])
    const queues = await db.$queryRawUnsafe<Array<{ lockedBy: string | null }>>(
      `SELECT locked_by AS "lockedBy" FROM graphile_worker._private_job_queues ORDER BY id`,
    )
    expect(queues.map((q) => q.lockedBy).sort()).toEqual(['pool-live', null].sort())
    // Nothing left to release: a second sweep is a no-op.
    expect(await releaseStaleLocks(db)).toEqual([])
  })
})
