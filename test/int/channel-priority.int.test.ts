// Priority lanes across channels: a channel's `publishPriority` (rules) becomes its publish jobs'
// graphile-worker priority, so under congestion (a backlog of publish jobs for every channel and one
// free worker slot) the high-priority channel's publishes are claimed first, whatever order they
// were enqueued in; a new rule version changes a pending job's priority at its next enqueue. The
// recompute job comes before every publish: channels wait on its decisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { Logger, run, type Runner, type TaskList } from 'graphile-worker'
import { createDemoTestDatabase, type TestDatabase } from './helpers/test-db'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { enqueuePublish } from '../../server/queue/enqueue'
import { JOB_CATALOG } from '../../server/queue/job-catalog'
import type { Actor } from '../../server/audit/record-audit'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { receipt } from '../support/factories'

let t: TestDatabase
let db: PrismaClient
const analyst: Actor = { kind: 'user', id: null, label: 'analyst@example.com' }
const channelId: Record<string, string> = {}

beforeAll(async () => {
  t = await createDemoTestDatabase({ skuCount: 4 })
  db = t.db
  for (const c of await db.channel.findMany({ select: { id: true, code: true } })) channelId[c.code] = c.id
}, 120_000)
afterAll(async () => {
  await t?.drop()
})

async function setPublishPriorities(p: Record<string, number | undefined>) {
  const { rules } = await getCurrentRuleSet(db)
  const channels = Object.fromEntries(
    Object.entries(rules.channels).map(([code, c]) => {
      const { publishPriority: _old, ...rest } = c
      return [code, p[code] === undefined ? rest : { ...rest, publishPriority: p[code] }]
    }),
  )
  await saveRuleSet(db, analyst, { rules: { ...rules, channels }, comment: 'publish priority' })
}

const pendingPriority = async () =>
  Object.fromEntries(
    (
      await db.$queryRawUnsafe<Array<{ key: string; priority: number }>>(
        `SELECT key, priority FROM graphile_worker.jobs WHERE task_identifier = $1`,
        JOB_CATALOG.publishChannel.task,
      )
    ).map((j) => [j.key, j.priority]),
  )

/** Runs the queue on one worker slot until `n` jobs have run; the handlers record each run in `ran` (the claim order). */
async function runOneSlot(n: number, handlers: (ran: string[]) => TaskList): Promise<string[]> {
  const ran: string[] = []
  const runner: Runner = await run({
    connectionString: t.url,
    concurrency: 1,
    pollInterval: 50,
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: handlers(ran),
  })
  try {
    const deadline = Date.now() + 30_000
    while (ran.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  } finally {
    await runner.stop()
  }
  return ran
}

describe('channel priority across publish jobs', () => {
  it("a high-priority channel's publish jobs run first under congestion; unset channels keep 0", async () => {
    await setPublishPriorities({ amazon: -10, walmart: 10 })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    // Enqueued lowest priority first: without priorities the queue would run them in this order.
    for (const code of ['walmart', 'b2b', 'shopify', 'amazon']) await enqueuePublish(db, channelId[code])
    expect(await pendingPriority()).toEqual({
      [`publish:${channelId.walmart}`]: 10,
      [`publish:${channelId.b2b}`]: 0,
      [`publish:${channelId.shopify}`]: 0,
      [`publish:${channelId.amazon}`]: -10,
    })

    // One worker slot and a recording publish handler: the claim order is the queue's.
    const ran = await runOneSlot(4, (ran) => ({
      [JOB_CATALOG.publishChannel.task]: async (payload) => {
        ran.push((payload as { channelId: string }).channelId)
      },
    }))
    const code = Object.fromEntries(Object.entries(channelId).map(([c, id]) => [id, c]))
    const order = ran.map((id) => code[id])
    expect(order).toHaveLength(4)
    expect(order[0]).toBe('amazon')
    expect(order[3]).toBe('walmart')
    // Equal priorities keep their enqueue order.
    expect(order.slice(1, 3)).toEqual(['b2b', 'shopify'])
  })

  it('a new rule version re-prioritises a pending publish job at its next enqueue; a rule set without the field means 0', async () => {
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    await enqueuePublish(db, channelId.walmart, new Date(Date.now() + 60_000))
    expect((await pendingPriority())[`publish:${channelId.walmart}`]).toBe(10)
    await setPublishPriorities({ walmart: -5 })
    await enqueuePublish(db, channelId.walmart)
    expect(await pendingPriority()).toEqual({ [`publish:${channelId.walmart}`]: -5 })
    await setPublishPriorities({})
    await enqueuePublish(db, channelId.walmart)
    expect(await pendingPriority()).toEqual({ [`publish:${channelId.walmart}`]: 0 })
  })

  it('the recompute job, added by ingest after every publish job was due, is claimed before them', async () => {
    await setPublishPriorities({})
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    for (const code of ['walmart', 'b2b', 'shopify', 'amazon'])
      await enqueuePublish(db, channelId[code], new Date(Date.now() - 60_000))
    // Added inside ingest's write-back statement (positions/apply-batch.sql.ts), not by enqueueRecompute.
    const [sku] = await db.sku.findMany({ where: { isKit: false }, select: { code: true }, take: 1 })
    const r = await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp-demo', events: [receipt('prio-1', sku!.code, 'DC-EAST', 5)] }),
    })
    expect(r.accepted).toBe(1)
    const ran = await runOneSlot(5, (ran) => ({
      [JOB_CATALOG.publishChannel.task]: async () => void ran.push('publish'),
      [JOB_CATALOG.recomputeAvailability.task]: async () => void ran.push('recompute'),
    }))
    expect(ran).toEqual(['recompute', 'publish', 'publish', 'publish', 'publish'])
  })

  it('refuses a publish priority out of range', async () => {
    const { rules } = await getCurrentRuleSet(db)
    await expect(
      saveRuleSet(db, analyst, {
        rules: {
          ...rules,
          channels: { ...rules.channels, amazon: { ...rules.channels.amazon, publishPriority: 5000 } },
        },
      }),
    ).rejects.toThrow(/channels\.amazon\.publishPriority/)
  })
})
