// A job whose payload fails its schema (added by hand, or queued by an older version) never runs its
// handler and is not retried: it becomes an open ingest dead letter with the payload and the reason,
// listed like any other, and a replay says it holds nothing to replay.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { taskList } from '../../workers/jobs/registry'
import { JOB_CATALOG } from '../../server/queue/job-catalog'
import { listDeadLetters } from '../../server/dead-letters/list-dead-letters'
import { replayIngestDeadLetters } from '../../server/dead-letters/replay-ingest'
import { SYSTEM_ACTOR } from '../../server/audit/record-audit'

let db: PrismaClient
useTestDatabase((created) => {
  db = created
})

describe('a job with an invalid payload', () => {
  it('becomes a dead letter with its payload and reason instead of a log line', async () => {
    const lines: string[] = []
    const tasks = taskList({ db, log: (l) => lines.push(l) })
    const task = JOB_CATALOG.publishChannel.task

    await expect(tasks[task]({ channelId: 'not-a-uuid', extra: 1 })).resolves.toBeUndefined()

    const { items } = await listDeadLetters(db, {
      kind: 'ingest',
      status: 'open',
      code: 'INVALID_JOB_PAYLOAD',
      limit: 50,
    })
    expect(items).toHaveLength(1)
    const letter = await db.deadLetter.findUniqueOrThrow({ where: { id: items[0].id } })
    expect(letter.source).toBe(`job:${task}`)
    expect(letter.reason).toContain('channelId')
    expect(letter.payload).toEqual({ job: task, received: { channelId: 'not-a-uuid', extra: 1 } })
    expect(lines.join('\n')).toContain('dead-lettered')

    const replay = await replayIngestDeadLetters(db, [letter.id], SYSTEM_ACTOR)
    expect(replay.replayed).toHaveLength(0)
    expect(replay.notReplayable.map((n) => n.id)).toEqual([letter.id])
  })

  it('a missing payload is dead-lettered too', async () => {
    const tasks = taskList({ db, log: () => {} })
    await tasks[JOB_CATALOG.verifyChannel.task](undefined)
    const letters = await db.deadLetter.findMany({ where: { source: `job:${JOB_CATALOG.verifyChannel.task}` } })
    expect(letters).toHaveLength(1)
    expect(letters[0].payload).toEqual({ job: JOB_CATALOG.verifyChannel.task, received: null })
  })
})
