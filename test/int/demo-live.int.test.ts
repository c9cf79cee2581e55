// The live demo, bounded: marketplace simulators, the demo seed, generated traffic through the
// real API routes over HTTP, and real worker processes running every job (recompute, publish,
// verify, feeds, the once-a-minute crons) on real PostgreSQL. A failed job or an unhandled error
// anywhere in the workers' output is a test failure: this is how a live demo logged 70 failed
// verify-channel jobs (42P18) without any test noticing.
//
// Channels verify with a 1-second SLA here, so accepted updates the marketplaces apply later
// become `unverified` findings within the run: the path that failed in the demo runs for real.
// It runs until every crontab task has run once and traffic, publishing and verification have
// all happened (conditions, not a fixed time), at most STOCKTOWER_DEMO_TEST_TIMEOUT_MS.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { startRouteServer, type RouteServer } from './helpers/route-server'
import { channelWebhookUrl, startSimulators, type RunningSimulators } from '../../simulators'
import { startTraffic, type RunningTraffic } from '../../simulators/traffic'
import { DEMO_KIT_COUNT, demoExternalSkus, externalSkuFor, seedDemo } from '../../server/demo/seed-demo'
import { CRONTAB } from '../../workers/jobs/registry'

const root = path.resolve(import.meta.dirname, '..', '..')
const SKUS = 40
const TIMEOUT_MS = Number(process.env.STOCKTOWER_DEMO_TEST_TIMEOUT_MS ?? 150_000)
let t: TestDatabase
let db: PrismaClient
let sims: RunningSimulators
let server: RouteServer
let traffic: RunningTraffic | undefined
let dataDir: string
const workers: ChildProcess[] = []
const output: string[] = []

function startWorker(n: number): ChildProcess {
  const env = {
    ...process.env,
    DATABASE_URL: t.url,
    STOCKTOWER_DATA_DIR: dataDir,
    STOCKTOWER_DEMO: 'off',
    STOCKTOWER_WORKER_CONCURRENCY: '4',
    STOCKTOWER_INBOX_POLL_MS: '1000',
    NEXTAUTH_SECRET: 'demo-live-test',
  }
  const w = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  for (const [name, stream] of [
    ['out', w.stdout!],
    ['err', w.stderr!],
  ] as const) {
    readline.createInterface({ input: stream }).on('line', (l) => output.push(`[worker ${n} ${name}] ${l}`))
  }
  w.on('exit', (code, signal) => output.push(`[worker ${n}] exited ${code ?? signal}`))
  workers.push(w)
  return w
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, deadline: number): Promise<T> {
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-demo-live-'))
  sims = await startSimulators({ plan: 'demo', b2bSecret: 'b2b-demo-live', seed: 17 })
  for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const)
    sims.sims[kind].seed(demoExternalSkus(kind, SKUS), 0)
  const demoApiKey = `st_demo_${crypto.randomBytes(8).toString('hex')}`
  await seedDemo(db, {
    skuCount: SKUS,
    simulatorUrls: sims.urls,
    demoApiKey,
    b2bSigningSecret: 'b2b-demo-live',
    shopifyWebhookSecret: 'shopify-demo-live',
  })
  await db.$executeRawUnsafe(`UPDATE "Channel" SET settings = settings || '{"verifySlaSeconds": 1}'::jsonb`)
  server = await startRouteServer(path.join(root, 'app'), ['v1'])
  startWorker(1)
  startWorker(2)
  // Orders reach Stocktower only the marketplaces' own way (issue 15): Shopify and the B2B portal
  // push webhooks to the route server, Amazon and Walmart are polled by the intake workers.
  // The Shopify channel's webhookSecret is seeded as 'shopify-demo-live' (seedDemo above).
  sims.sims.shopify.subscribe({ url: channelWebhookUrl(server.url, 'shopify'), secret: 'shopify-demo-live' })
  sims.sims.b2b.addOrderWebhook({ url: channelWebhookUrl(server.url, 'b2b') })
  traffic = startTraffic({
    apiBaseUrl: server.url,
    apiKey: demoApiKey,
    skuCount: SKUS,
    seed: 17,
    eventsPerSecond: 20,
    ordersPerSecond: 2,
    orderFollowUpMs: { min: 2_000, max: 8_000 },
    marketplaces: sims.urls,
    channelSku: externalSkuFor,
    kitCount: DEMO_KIT_COUNT,
    log: (l) => output.push(`[traffic] ${l}`),
  })
}, 180_000)

afterAll(async () => {
  await traffic?.stop()
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM')
  await Promise.all(
    workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : null)),
  )
  await server?.close()
  await sims?.close()
  await t?.drop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('live demo', () => {
  it('runs traffic, publishing, verification and every cron with no failed job and no unhandled error', async () => {
    const startedAt = new Date()
    const deadline = Date.now() + TIMEOUT_MS
    // Every job that runs each minute (a daily one such as retention is not waited for).
    const cronTasks = CRONTAB.split('\n')
      .filter((l) => l.startsWith('* * * * * '))
      .map((l) => l.split(' ')[5])
    const progress = async () => {
      const [p] = await db.$queryRawUnsafe<
        Array<{
          events: number
          orders: number
          shopifyOrders: number
          applied: number
          unverified: number
          crons: number
        }>
      >(
        `SELECT (SELECT count(*)::int FROM "LedgerEvent" WHERE source = 'erp-demo' AND "receivedAt" >= $1::timestamptz) AS events,
                (SELECT count(*)::int FROM "ChannelOrderEvent" WHERE "receivedAt" >= $1::timestamptz) AS orders,
                (SELECT count(*)::int FROM "ChannelOrderEvent" e JOIN "Channel" c ON c.id = e."channelId" WHERE c.code = 'shopify' AND e."receivedAt" >= $1::timestamptz) AS "shopifyOrders",
                (SELECT count(*)::int FROM "PublishAttempt" WHERE outcome = 'applied') AS applied,
                (SELECT count(*)::int FROM "Finding" WHERE kind = 'unverified') AS unverified,
                (SELECT count(*)::int FROM graphile_worker._private_known_crontabs WHERE identifier = ANY($2::text[]) AND last_execution >= $1::timestamptz) AS crons`,
        startedAt.toISOString(),
        cronTasks,
      )
      return p
    }
    const problemLines = () =>
      output.filter(
        (l) => /\[queue\] (error|warning)|failed|fatal|unhandled|Error\b|\bERR/i.test(l) && !l.startsWith('[traffic]'),
      )
    let last = await progress()
    // A problem in the workers' output ends the wait at once (and fails below).
    await until(
      'traffic, publishing, verification and every cron task',
      async () => {
        last = await progress()
        return (
          problemLines().length > 0 ||
          (last.events >= 300 &&
            last.orders >= 20 &&
            last.shopifyOrders >= 1 &&
            last.applied >= 50 &&
            last.unverified >= 1 &&
            last.crons === cronTasks.length)
        )
      },
      deadline,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; reached ${JSON.stringify(last)}\n${output.slice(-40).join('\n')}`)
    })

    const failedJobs = await db.$queryRawUnsafe<Array<{ task: string; attempts: number; last_error: string }>>(
      `SELECT k.identifier AS task, j.attempts, j.last_error FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE j.last_error IS NOT NULL`,
    )
    const problems = problemLines()
    const s = traffic!.stats()
    console.log(
      `demo-live: ${JSON.stringify(last)}; traffic ${JSON.stringify(s)}; worker output ${output.length} lines, problems ${problems.length}, failed jobs ${failedJobs.length}`,
    )
    expect(failedJobs.map((j) => `${j.task} (attempt ${j.attempts}): ${j.last_error.slice(0, 300)}`)).toEqual([])
    expect(problems.slice(0, 20)).toEqual([])
    expect(s.failedRequests).toBe(0)
    expect(server.crashes).toEqual([])
  }, 240_000)
})
