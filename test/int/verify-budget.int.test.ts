// Read-backs spend the channel's rate budget, against the real Amazon simulator over HTTP:
// verification reads only what the budget grants (ceil(listings / 20) searchListingsItems calls)
// and, when it grants nothing, schedules itself for when it will; reconciliation estimates its calls
// by the same read batch (20 listings a call), not by the publish batch (1 listing a patch).
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makePublishFixture, type PublishFixture } from './helpers/publishing'
import { AmazonSimulator } from '../../simulators/amazon'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { verifyChannel } from '../../server/publishing/verify-channel'
import { reconcileChannel } from '../../server/reconciliation/channel-drift'

let db: PrismaClient
let sim: AmazonSimulator
let fixture: PublishFixture
const N = 45
const T0 = new Date('2026-12-03T08:00:00Z')
const SEARCH_PATH = '/listings/2021-08-01/items/A1BUDGET'
const skus = Array.from({ length: N }, (_, i) => `AMZ-B-${String(i).padStart(2, '0')}`)

useTestDatabase(async (created) => {
  db = created
  sim = await new AmazonSimulator({ plan: 'demo', latencyMs: 0 }).start()
  sim.seed(skus, 0)
  fixture = await makePublishFixture(db, {
    kind: 'amazon',
    baseUrl: sim.url,
    credentials: { clientId: 'amzn1.application-oa2-client.budget', clientSecret: 'secret', refreshToken: 'Atzr|b' },
    settings: { sellerId: 'A1BUDGET', marketplaceId: 'ATVPDKIKX0DER', lwaTokenUrl: `${sim.url}/auth/o2/token` },
    skus,
    ratePerSecond: 0.5,
    rateBurst: 4,
    at: T0,
  })
})
afterAll(async () => {
  await sim?.close()
})

const searchCalls = () => sim.requests.filter((r) => r.method === 'GET' && r.path === SEARCH_PATH)
const singleReads = () => sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`${SEARCH_PATH}/`))
const verifyJobs = () =>
  db.$queryRawUnsafe<Array<{ run_at: Date }>>(
    `SELECT j.run_at FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'verify-channel'`,
  )
const budget = (tokens: number, at: Date) =>
  db.channel.update({ where: { id: fixture.channelId }, data: { rateTokens: tokens, rateRefilledAt: at } })
const tokensLeft = async () => (await db.channel.findUniqueOrThrow({ where: { id: fixture.channelId } })).rateTokens

/** Every listing sent `version` with quantity index + offset, accepted at `at`, and Amazon showing it. */
async function acceptAll(version: number, offset: number, at: Date) {
  for (const [i, l] of fixture.listings.entries()) {
    const quantity = i + offset
    await db.channelListing.update({
      where: { id: l.id },
      data: {
        desiredQuantity: quantity,
        desiredVersion: version,
        publishedQuantity: quantity,
        publishedVersion: version,
        acceptedVersion: version,
        acceptedAt: at,
      },
    })
    sim.manualEdit({ sku: l.externalSku, quantity })
  }
  await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
}
const appliedCount = (version: number) =>
  db.channelListing.count({ where: { channelId: fixture.channelId, appliedVersion: version } })

describe('verification within the rate budget', () => {
  it('with a small budget reads only what it grants and comes back when the budget will grant more', async () => {
    await acceptAll(2, 1, new Date(T0.getTime() - 5_000))
    const deps = (at: Date) => ({ connectorFor: connectorForChannel, now: () => at })

    // One token, a read takes at most half the bucket: nothing granted, nothing read, back in 2 s
    // (0.5 tokens a second to hold two).
    await budget(1, T0)
    expect(await verifyChannel(db, fixture.channelId, deps(T0))).toMatchObject({
      checked: 0,
      stillPending: N,
      skipped: 'rate budget',
    })
    expect(searchCalls()).toHaveLength(0)
    expect((await verifyJobs()).map((j) => j.run_at.getTime())).toEqual([T0.getTime() + 2_000])

    // Two tokens 2 s later: one call granted, 20 listings read (of 45), and it runs again for the rest.
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const t1 = new Date(T0.getTime() + 2_000)
    expect(await verifyChannel(db, fixture.channelId, deps(t1))).toMatchObject({ checked: 20, applied: 20 })
    expect(searchCalls()).toHaveLength(1)
    expect(await tokensLeft()).toBeCloseTo(1)
    expect((await verifyJobs()).map((j) => j.run_at.getTime())).toEqual([t1.getTime()])

    // Six seconds on the bucket holds four: two calls, the remaining 25 listings.
    const t2 = new Date(t1.getTime() + 6_000)
    expect(await verifyChannel(db, fixture.channelId, deps(t2))).toMatchObject({ checked: 25, applied: 25 })
    expect(searchCalls()).toHaveLength(3)
    expect(await tokensLeft()).toBeCloseTo(2)
    expect(await appliedCount(2)).toBe(N)
    expect(singleReads()).toHaveLength(0)
  })

  it(`verifies ${N} Amazon listings in ceil(${N}/20) = 3 searchListingsItems calls and spends 3 calls of the budget`, async () => {
    const at = new Date(T0.getTime() + 60_000)
    await acceptAll(3, 7, new Date(at.getTime() - 5_000))
    await budget(100, at)
    await db.channel.update({ where: { id: fixture.channelId }, data: { rateBurst: 100 } })
    const before = searchCalls().length
    const run = await verifyChannel(db, fixture.channelId, { connectorFor: connectorForChannel, now: () => at })
    expect(run).toMatchObject({ checked: N, applied: N, stillPending: 0 })
    expect(searchCalls().length - before).toBe(Math.ceil(N / 20))
    expect(await tokensLeft()).toBeCloseTo(100 - Math.ceil(N / 20))
    expect(await appliedCount(3)).toBe(N)
    // Nothing left to read, nothing scheduled.
    expect(await verifyJobs()).toHaveLength(0)
  })
})

describe('reconciliation within the rate budget', () => {
  it('estimates its calls by the read batch (20 listings a call), not the publish batch (1)', async () => {
    const at = new Date(T0.getTime() + 120_000)
    await db.channel.update({ where: { id: fixture.channelId }, data: { rateBurst: 4 } })
    await budget(4, at)
    const before = searchCalls().length
    // 45 wanted = 3 calls; four tokens grant two: 40 listings in two searches (by the publish batch
    // it would have been two listings).
    const run = await reconcileChannel(db, fixture.channelId, {
      connectorFor: connectorForChannel,
      now: () => at,
      batch: N,
    })
    expect(run).toMatchObject({ checked: 40, matched: 40 })
    expect(searchCalls().length - before).toBe(2)
    expect(await tokensLeft()).toBeCloseTo(2)
  })
})
