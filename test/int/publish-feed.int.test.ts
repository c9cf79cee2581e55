// A first sync of a backlog drains through Amazon's JSON_LISTINGS_FEED (one feed, no call per
// listing), against the real simulator over HTTP: the feed is polled by its own job until DONE,
// a refused message is a dead letter at once, the accepted ones are verified by read-back, and a
// later small change goes back to the per-listing path.
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { seedDemoOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { demoExternalSkus } from '../../server/demo/seed-demo'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { pollFeed, type PollFeedPayload } from '../../server/publishing/poll-feed'
import { verifyChannel } from '../../server/publishing/verify-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'

let db: PrismaClient
let sims: RunningSimulators
let amazonId: string
const SKUS = 80
let nowMs = Date.now()
const deps = { connectorFor: connectorForChannel, now: () => new Date(nowMs) }
const pollJobs = () =>
  db.$queryRawUnsafe<Array<{ payload: PollFeedPayload }>>(
    `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'poll-feed' ORDER BY j.id`,
  )

useTestDatabase(async (created) => {
  db = created
  sims = await seedDemoOnSimulators(db, {
    skuCount: SKUS,
    seed: 31,
    listedOn: [],
    overrides: {
      amazon: {
        now: () => nowMs,
        latencyMs: 0,
        autoCreateListings: false,
        applyDelayMs: 10_000,
        applyJitterMs: 0,
        feeds: { feedQueueMs: 1_000, feedProcessingMs: 3_000 },
      },
    },
  })
  // Every listing exists on Amazon except SKU-00007's: its message will be refused.
  sims.sims.amazon.seed(
    demoExternalSkus('amazon', SKUS).filter((s) => s !== 'AMZ-SKU-00007'),
    0,
  )
  await db.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET active = false WHERE "skuId" IN (SELECT id FROM "Sku" WHERE "isKit")`,
  )
  amazonId = (await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })).id
  for (;;) {
    const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
    if (r.processed === 0) break
  }
})
afterAll(async () => {
  await sims?.close()
})

describe('bulk publishing through feeds', () => {
  it('drains a first sync through one feed, then polls it to its report', async () => {
    const pending = await db.channelListing.count({
      where: { channelId: amazonId, active: true, desiredQuantity: { not: null } },
    })
    expect(pending).toBe(SKUS)
    const run = await publishChannel(db, amazonId, deps)
    expect(run).toMatchObject({ claimed: SKUS, accepted: SKUS })
    expect(sims.sims.amazon.feedsSubmitted()).toHaveLength(1)
    expect(sims.sims.amazon.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0)
    const attempts = await db.publishAttempt.findMany({ where: { channelId: amazonId } })
    expect(new Set(attempts.map((a) => a.batchId))).toEqual(
      new Set([`amazon-feed-${sims.sims.amazon.feedsSubmitted()[0].feedId}`]),
    )

    // The poll job: pending while Amazon queues and processes, then DONE.
    const [job] = await pollJobs()
    expect(job.payload.handle.messages).toHaveLength(SKUS)
    expect(await pollFeed(db, job.payload, deps)).toMatchObject({ status: 'pending', feedStatus: 'IN_QUEUE' })
    nowMs += 5_000
    const done = await pollFeed(db, job.payload, deps)
    expect(done).toMatchObject({ status: 'done', feedStatus: 'DONE', accepted: SKUS - 1, rejected: 1, failed: 0 })
    const dl = await db.deadLetter.findFirstOrThrow({ where: { channel: 'amazon', sku: 'SKU-00007' } })
    expect(dl.code).toBe('LISTING_NOT_FOUND')

    // Amazon applies the accepted messages later; verification reads them back.
    nowMs += 11_000
    sims.sims.amazon.applyNow()
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000, rateBurst: 1000 } })
    for (let i = 0; i < 5; i++) await verifyChannel(db, amazonId, { ...deps, batchSize: 100 })
    const listings = await db.channelListing.findMany({
      where: { channelId: amazonId, active: true },
      include: { sku: true },
    })
    for (const l of listings) {
      if (l.sku.code === 'SKU-00007') {
        expect(l.appliedVersion).toBe(0)
        continue
      }
      expect(l.appliedVersion, l.sku.code).toBe(l.desiredVersion)
      expect(sims.sims.amazon.quantityOf(l.externalSku)).toBe(l.desiredQuantity)
    }
  })

  it('a small change afterwards goes through the per-listing path', async () => {
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'feed-small',
            type: 'receipt',
            sku: 'SKU-00003',
            location: 'DC-EAST',
            quantity: 9,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
      if (r.processed === 0) break
    }
    const before = sims.sims.amazon.requests.filter((r) => r.method === 'PATCH').length
    const run = await publishChannel(db, amazonId, deps)
    expect(run.claimed).toBe(1)
    expect(sims.sims.amazon.requests.filter((r) => r.method === 'PATCH').length).toBe(before + 1)
    expect(sims.sims.amazon.feedsSubmitted()).toHaveLength(1)
  })

  it('a feed that ends FATAL applies nothing and its listings go out again', async () => {
    const events = Array.from({ length: 60 }, (_, i) => ({
      idempotencyKey: `feed-fatal-${i}`,
      type: 'count',
      sku: `SKU-${String(i + 10).padStart(5, '0')}`,
      location: 'DC-EAST',
      quantity: 3,
      occurredAt: new Date().toISOString(),
    }))
    await ingestEvents(db, { body: JSON.stringify({ source: 'erp-demo', events }) })
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
      if (r.processed === 0) break
    }
    sims.sims.amazon.configureFeeds({ feedFatalRate: 1 })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000 } })
    const backlog = await db.channelListing.count({
      where: { channelId: amazonId, active: true, desiredVersion: { gt: db.channelListing.fields.publishedVersion } },
    })
    expect(backlog).toBeGreaterThanOrEqual(50)
    expect((await publishChannel(db, amazonId, deps)).claimed).toBe(backlog)
    const [job] = await pollJobs()
    nowMs += 5_000
    expect(await pollFeed(db, job.payload, deps)).toMatchObject({
      status: 'done',
      feedStatus: 'FATAL',
      failed: backlog,
    })
    const rewound = await db.channelListing.count({
      where: { channelId: amazonId, active: true, desiredVersion: { gt: db.channelListing.fields.publishedVersion } },
    })
    expect(rewound).toBe(backlog)
    // Amazon is healthy again: the next run (after the backoff) sends them in a new feed, and it lands.
    sims.sims.amazon.configureFeeds({ feedFatalRate: 0 })
    nowMs += 60_000
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000 } })
    expect((await publishChannel(db, amazonId, deps)).claimed).toBe(backlog)
    const [again] = await pollJobs()
    nowMs += 5_000
    expect(await pollFeed(db, again.payload, deps)).toMatchObject({
      status: 'done',
      feedStatus: 'DONE',
      accepted: backlog,
    })
    expect(sims.sims.amazon.feedsSubmitted().map((f) => f.status)).toEqual(['DONE', 'FATAL', 'DONE'])
  })

  it('holds a listing while its feed is unprocessed, so a newer quantity never goes out ahead of the feed', async () => {
    const events = Array.from({ length: 60 }, (_, i) => ({
      idempotencyKey: `feed-hold-${i}`,
      type: 'count',
      sku: `SKU-${String(i + 10).padStart(5, '0')}`,
      location: 'DC-EAST',
      quantity: 7,
      occurredAt: new Date().toISOString(),
    }))
    await ingestEvents(db, { body: JSON.stringify({ source: 'erp-demo', events }) })
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
      if (r.processed === 0) break
    }
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000 } })
    const feedsBefore = sims.sims.amazon.feedsSubmitted().length
    expect((await publishChannel(db, amazonId, deps)).claimed).toBeGreaterThanOrEqual(50)
    expect(sims.sims.amazon.feedsSubmitted()).toHaveLength(feedsBefore + 1)

    // While Amazon still queues the feed, SKU-00012 changes again: nothing is sent for it.
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'feed-hold-newer',
            type: 'receipt',
            sku: 'SKU-00012',
            location: 'DC-EAST',
            quantity: 5,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
      if (r.processed === 0) break
    }
    const listing = () =>
      db.channelListing.findFirstOrThrow({ where: { channelId: amazonId, externalSku: 'AMZ-SKU-00012' } })
    const held = await listing()
    expect(held.desiredVersion).toBeGreaterThan(held.publishedVersion)
    const patches = () =>
      sims.sims.amazon.requests.filter((r) => r.method === 'PATCH' && r.path.includes('AMZ-SKU-00012'))
    const patchesBefore = patches().length
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000 } })
    expect((await publishChannel(db, amazonId, deps)).claimed ?? 0).toBe(0)
    expect(patches()).toHaveLength(patchesBefore)

    // The feed's report is read: the hold ends and the newest quantity goes out, after the feed's.
    const jobs = await pollJobs()
    nowMs += 5_000
    expect(await pollFeed(db, jobs[jobs.length - 1].payload, deps)).toMatchObject({
      status: 'done',
      feedStatus: 'DONE',
    })
    await db.channel.update({ where: { id: amazonId }, data: { rateTokens: 1000 } })
    expect((await publishChannel(db, amazonId, deps)).claimed).toBe(1)
    expect(patches()).toHaveLength(patchesBefore + 1)
    const sent = await listing()
    expect(sent.publishedVersion).toBe(sent.desiredVersion)
  })
})
