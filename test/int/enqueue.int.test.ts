// Publish and verify jobs coalesce per channel. A fresh "publish now" must not wait behind a retry
// scheduled for later, and a later retry must not delay a pending "publish now".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { enqueuePublish } from '../../server/queue/enqueue'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await t.drop()
})
beforeEach(async () => {
  await t.db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
})

const CHANNEL = '00000000-0000-4000-8000-0000000000aa'

async function publishJobs() {
  return t.db.$queryRawUnsafe<Array<{ runAt: Date }>>(
    `SELECT run_at AS "runAt" FROM graphile_worker.jobs WHERE key = $1`,
    `publish:${CHANNEL}`,
  )
}

describe('enqueuePublish coalescing', () => {
  it('pulls a job scheduled for later forward to now', async () => {
    const later = new Date(Date.now() + 60_000)
    await enqueuePublish(t.db, CHANNEL, later)
    expect((await publishJobs())[0].runAt.getTime()).toBe(later.getTime())
    const before = Date.now()
    await enqueuePublish(t.db, CHANNEL)
    const jobs = await publishJobs()
    expect(jobs).toHaveLength(1)
    expect(jobs[0].runAt.getTime()).toBeLessThanOrEqual(Date.now())
    expect(jobs[0].runAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
  })

  it('keeps a pending immediate job immediate when a later retry is enqueued', async () => {
    await enqueuePublish(t.db, CHANNEL)
    const [{ runAt: now }] = await publishJobs()
    await enqueuePublish(t.db, CHANNEL, new Date(Date.now() + 60_000))
    const jobs = await publishJobs()
    expect(jobs).toHaveLength(1)
    expect(jobs[0].runAt.getTime()).toBe(now.getTime())
  })

  it('keeps the sooner of two future times', async () => {
    const t30 = new Date(Date.now() + 30_000)
    const t5 = new Date(Date.now() + 5_000)
    await enqueuePublish(t.db, CHANNEL, t30)
    await enqueuePublish(t.db, CHANNEL, t5)
    expect((await publishJobs()).map((j) => j.runAt.getTime())).toEqual([t5.getTime()])
  })
})

describe('the job catalogue', () => {
  it('gives every enqueued job the attempts its catalogue entry declares, and the crontab lists every periodic job', async () => {
    const { enqueue } = await import('../../server/queue/enqueue')
    const { CRONTAB, JOB_CATALOG } = await import('../../server/queue/job-catalog')
    await enqueue(t.db, 'processSnapshot', { snapshotId: CHANNEL }, { jobKey: 'catalogue-check' })
    await enqueue(t.db, 'expireHoldbacks', {}, { jobKey: 'catalogue-check-2' })
    const rows = await t.db.$queryRawUnsafe<Array<{ task: string; max: number }>>(
      `SELECT task_identifier AS task, max_attempts AS max FROM graphile_worker.jobs WHERE key LIKE 'catalogue-check%' ORDER BY task_identifier`,
    )
    expect(rows).toEqual([
      { task: JOB_CATALOG.expireHoldbacks.task, max: JOB_CATALOG.expireHoldbacks.maxAttempts },
      { task: JOB_CATALOG.processSnapshot.task, max: JOB_CATALOG.processSnapshot.maxAttempts },
    ])
    const periodic = Object.values(JOB_CATALOG).filter((j) => 'cron' in j)
    expect(CRONTAB.split('\n')).toEqual(
      periodic.map((j) => `${(j as { cron: string }).cron} ${j.task} ?max=${j.maxAttempts}`),
    )
  })
})
