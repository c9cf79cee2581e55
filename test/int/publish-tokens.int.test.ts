// Thousands of updates through every connector while the marketplaces' access tokens expire every
// two seconds (Walmart client credentials, Amazon LWA; the simulators enforce the credentials and
// refuse expired tokens like the real APIs): none is rejected or fails for authentication. And a
// Walmart inventory feed of 2,000 records, whose item statuses Walmart returns 50 at a time, is
// read page by page: every record gets its outcome and no record is sent twice.
import type { PrismaClient } from '@prisma/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clearAccessTokens } from '../../server/channels/access-token'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { pollFeed, type PollFeedPayload } from '../../server/publishing/poll-feed'
import { publishChannel } from '../../server/publishing/publish-channel'
import { startSimulators, type RunningSimulators } from '../../simulators'
import { shopifyInventoryItemGid } from '../../simulators/shopify'
import { encryptCredentials } from '../../server/channels/credentials'
import { makeChannel } from '../support/factories'
import { pendingCount, setDesired, type PublishFixture } from './helpers/publishing'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
let db: PrismaClient
let sims: RunningSimulators
const PER_CONNECTOR = 2_000
let fixtures = 0
const FEED_RECORDS = 2_000
const TOKEN_SECONDS = 2
const B2B_SECRET = 'b2b-token-test-secret'
const WALMART = { clientId: 'wm-int-client', clientSecret: 'wm-int-secret' }
const LWA = {
  clientId: 'amzn1.application-oa2-client.int',
  clientSecret: 'lwa-int-secret',
  refreshToken: 'Atzr|int-refresh',
}
const deps = { connectorFor: connectorForChannel, now: () => new Date() }
const pollJobs = () =>
  db.$queryRawUnsafe<Array<{ payload: PollFeedPayload }>>(
    `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'poll-feed' ORDER BY j.id`,
  )

beforeAll(async () => {
  clearAccessTokens()
  t = await createTestDatabase()
  db = t.db
  const fast = { latencyMs: 0, throttle: null, requestLogLimit: 10 }
  // The marketplaces' clocks run a little ahead of ours (2 ms more at every reading), so however
  // fast this machine publishes, tokens expire many times during the run, sometimes before our side
  // thinks they should: both the early refresh and the refresh on refusal are exercised.
  let skew = 0
  const marketplaceClock = () => Date.now() + (skew += 2)
  sims = await startSimulators({
    plan: 'demo',
    b2bSecret: B2B_SECRET,
    seed: 41,
    credentials: { walmart: WALMART, amazon: LWA, shopify: { accessToken: 'shpat_int' } },
    tokenLifetimeSeconds: { walmart: TOKEN_SECONDS, amazon: TOKEN_SECONDS },
    overrides: {
      shopify: fast,
      amazon: { ...fast, now: marketplaceClock, applyDelayMs: 0, applyJitterMs: 0 },
      walmart: { ...fast, now: marketplaceClock },
    },
  })
}, 60_000)
afterAll(async () => {
  await sims?.close()
  await t?.drop()
})

/** A channel on a simulator with `count` listings, each with a desired quantity waiting (set-based: thousands of rows). */
async function fixture(
  kind: 'shopify' | 'amazon' | 'walmart' | 'b2b',
  count: number,
  settings: Record<string, unknown>,
): Promise<PublishFixture> {
  const prefix = `${kind.toUpperCase()}-TOK-${++fixtures}-`
  const credentials: Record<string, Record<string, string>> = {
    shopify: { accessToken: 'shpat_int' },
    amazon: LWA,
    walmart: WALMART,
    b2b: { signingSecret: B2B_SECRET },
  }
  const extra =
    kind === 'amazon'
      ? { lwaTokenUrl: `${sims.urls.amazon}/auth/o2/token`, sellerId: 'A1INT', marketplaceId: 'ATVPDKIKX0DER' }
      : kind === 'b2b'
        ? { webhookPath: '/webhooks/inventory' }
        : {}
  const channel = await makeChannel(db, prefix.slice(0, -1).toLowerCase(), {
    kind,
    baseUrl: sims.urls[kind],
    credentialsEnc: encryptCredentials(credentials[kind]!),
    settings: { ...extra, ...settings },
    ratePerSecond: 100_000,
    rateBurst: 2_000,
  })
  const at = new Date().toISOString()
  await db.$executeRawUnsafe(
    `INSERT INTO "Sku"(id, code, name, "updatedAt") SELECT gen_random_uuid(), $1 || lpad(n::text, 5, '0'), $1 || n, now() FROM generate_series(0, $2 - 1) AS n`,
    prefix,
    count,
  )
  await db.$executeRawUnsafe(
    `INSERT INTO "ChannelListing"(id, "channelId", "skuId", "externalSku", "desiredQuantity", "desiredVersion", "decidedAt", "pendingSince")
     SELECT gen_random_uuid(), $1::uuid, s.id, s.code, 1 + (abs(hashtext(s.code)) % 50), 1, $3::timestamptz, $3::timestamptz FROM "Sku" s WHERE s.code LIKE $2 || '%'`,
    channel.id,
    prefix,
    at,
  )
  const rows = await db.channelListing.findMany({ where: { channelId: channel.id }, orderBy: { externalSku: 'asc' } })
  if (kind === 'shopify') {
    for (const row of rows) row.externalId = shopifyInventoryItemGid(row.externalSku)
    await db.$executeRawUnsafe(
      `UPDATE "ChannelListing" l SET "externalId" = x.gid FROM json_to_recordset($1::json) AS x(id uuid, gid text) WHERE l.id = x.id`,
      JSON.stringify(rows.map((r) => ({ id: r.id, gid: r.externalId }))),
    )
  }
  return {
    channelId: channel.id,
    listings: rows.map((r) => ({ id: r.id, sku: r.externalSku, externalSku: r.externalSku, externalId: r.externalId })),
  }
}

describe('tokens expiring every few seconds', () => {
  it(`publishes ${PER_CONNECTOR} updates through every connector with none refused for authentication`, async () => {
    // Per-listing paths (no feed), so every update is its own authenticated call where the API has no batch.
    const channels = await Promise.all(
      (['walmart', 'amazon', 'shopify', 'b2b'] as const).map(async (kind) => ({
        kind,
        f: await fixture(kind, PER_CONNECTOR, { bulkThreshold: 1_000_000 }),
      })),
    )
    for (const { kind, f } of channels) {
      const issuedBefore = kind === 'walmart' || kind === 'amazon' ? sims.sims[kind].tokens.stats.issued : 0
      for (let run = 0; run < 200 && (await pendingCount(db, f.channelId)) > 0; run++) {
        await db.channel.update({ where: { id: f.channelId }, data: { rateTokens: 2_000 } })
        await publishChannel(db, f.channelId, deps)
      }
      expect(await pendingCount(db, f.channelId), kind).toBe(0)
      const outcomes = await db.publishAttempt.groupBy({
        by: ['outcome'],
        where: { channelId: f.channelId },
        _count: true,
      })
      const byOutcome = Object.fromEntries(outcomes.map((o) => [o.outcome, o._count]))
      // Every update went out once and was taken: nothing rejected, nothing failed (a refused
      // token is exchanged again inside the same call).
      expect(byOutcome, kind).toEqual(kind === 'amazon' ? { accepted: PER_CONNECTOR } : { applied: PER_CONNECTOR })
      expect(
        await db.deadLetter.count({
          where: { channel: (await db.channel.findUniqueOrThrow({ where: { id: f.channelId } })).code },
        }),
        kind,
      ).toBe(0)
      if (kind === 'walmart' || kind === 'amazon') {
        // The tokens expired and were renewed during this connector's run, again and again.
        const stats = sims.sims[kind].tokens.stats
        expect(stats.issued - issuedBefore, kind).toBeGreaterThanOrEqual(3)
        expect(stats.refusedUnknown + stats.refusedMissing, kind).toBe(0)
      }
    }
    expect(sims.sims.walmart.quantityOf('WALMART-TOK-1-00000')).toBeGreaterThan(0)
  }, 600_000)

  it(`a Walmart feed of ${FEED_RECORDS} records is read 50 statuses at a time, every record decided once, none sent twice`, async () => {
    sims.sims.walmart.configureFeeds({ feedReceivedMs: 0, feedProcessingMs: 0 })
    const f = await fixture('walmart', FEED_RECORDS, { bulkThreshold: 50, bulkMaxPerFeed: FEED_RECORDS })
    const before = new Map(sims.sims.walmart.recordsReceived)
    const run = await publishChannel(db, f.channelId, deps)
    expect(run).toMatchObject({ claimed: FEED_RECORDS, accepted: FEED_RECORDS })
    const feeds = sims.sims.walmart.feedsSubmitted()
    expect(feeds.at(-1)!.items).toBe(FEED_RECORDS)
    const jobs = (await pollJobs()).filter((j) => j.payload.channelId === f.channelId)
    expect(jobs).toHaveLength(1)
    // Walmart has processed it by the first poll (the simulator's feed timing is set to 0 below).
    const result = await pollFeed(db, jobs[0]!.payload, deps)
    expect(result).toMatchObject({
      status: 'done',
      feedStatus: 'PROCESSED',
      accepted: FEED_RECORDS,
      rejected: 0,
      failed: 0,
    })
    // Nothing was left unreported (which would send it again): the feed is all there is.
    expect(await pendingCount(db, f.channelId)).toBe(0)
    for (let run2 = 0; run2 < 3; run2++) await publishChannel(db, f.channelId, deps)
    expect(sims.sims.walmart.feedsSubmitted()).toHaveLength(feeds.length)
    for (const l of f.listings)
      expect(
        (sims.sims.walmart.recordsReceived.get(l.externalSku) ?? 0) - (before.get(l.externalSku) ?? 0),
        l.externalSku,
      ).toBe(1)
    // And a newer version for one listing goes out once more, only that one.
    await setDesired(db, f.listings[1_999]!.id, 77, new Date())
    await publishChannel(db, f.channelId, deps)
    expect(sims.sims.walmart.recordsReceived.get(f.listings[1_999]!.externalSku)).toBe(2)
    expect(sims.sims.walmart.quantityOf(f.listings[1_999]!.externalSku)).toBe(77)
  }, 300_000)
})
