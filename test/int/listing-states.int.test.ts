// The per-channel listing rollup (ChannelListingState, kept by statement triggers) equals the live
// count over the listings after a mixed, seeded stream of statements: batched inserts, decisions,
// sends, applications, failures, deactivations, deletes, concurrent transactions, a rolled-back
// one and compactions in between. Stale is checked at many SLO boundaries, including ones that
// fall inside a minute the rollup buckets.
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { makeChannel, makeSku } from '../support/factories'
import { Prng, seedFromEnv } from '../support/prng'
import { getListingStates, WAITING_SINCE_SQL } from '../../server/metrics/listing-states'
import { compactListingStates } from '../../server/metrics/compact-listing-states'
import { getChannelsHealth } from '../../server/metrics/channel-health'

let t: TestDatabase
let db: PrismaClient
const seed = seedFromEnv(20261203)
const rng = new Prng(seed)
const now = new Date('2026-12-03T12:00:30.500Z')
const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString()
let channelIds: string[] = []
let skuIds: string[] = []

/** The oracle: the count over every listing that the rollup replaces (what channel-health ran before). */
async function liveCounts(staleAfter: number) {
  const rows = await db.$queryRawUnsafe<
    Array<{
      channelId: string
      total: bigint
      inSync: bigint
      waiting: bigint
      failing: bigint
      stale: bigint
      oldest: Date | null
    }>
  >(
    `SELECT c.id::text AS "channelId", count(cl.id) AS total,
            count(cl.id) FILTER (WHERE cl."desiredVersion" > 0 AND cl."appliedVersion" >= cl."desiredVersion") AS "inSync",
            count(cl.id) FILTER (WHERE cl."desiredVersion" > cl."appliedVersion") AS waiting,
            count(cl.id) FILTER (WHERE cl."lastError" IS NOT NULL) AS failing,
            count(cl.id) FILTER (WHERE ${WAITING_SINCE_SQL} < $1::timestamptz - make_interval(secs => $2::float8)) AS stale,
            min(${WAITING_SINCE_SQL}) AS oldest
       FROM "Channel" c LEFT JOIN "ChannelListing" cl ON cl."channelId" = c.id AND cl.active
      GROUP BY c.id`,
    now.toISOString(),
    staleAfter,
  )
  return new Map(
    rows.map((r) => [
      r.channelId,
      {
        total: Number(r.total),
        inSync: Number(r.inSync),
        waiting: Number(r.waiting),
        failing: Number(r.failing),
        stale: Number(r.stale),
        oldestWaitingAt: r.oldest,
      },
    ]),
  )
}

async function expectRollupEqualsLive(step: string) {
  // SLO boundaries on whole minutes, inside minutes, and beyond every listing.
  for (const staleAfter of [0, 30, 59.5, 60, 95.25, 300, 1234.5, 100_000]) {
    const rollup = await getListingStates(
      db,
      channelIds.map((id) => ({ id, staleAfterSeconds: staleAfter })),
      now,
    )
    const live = await liveCounts(staleAfter)
    for (const id of channelIds) {
      expect({ step, staleAfter, ...rollup.get(id) }).toEqual({ step, staleAfter, ...live.get(id) })
    }
  }
}

/** One random statement over a random subset of listings, the way the use cases batch them. */
async function randomStatement(q: { $executeRawUnsafe: PrismaClient['$executeRawUnsafe'] }, channels = channelIds) {
  const ids = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT id::text FROM "ChannelListing" WHERE "channelId" = ANY($1::uuid[]) ORDER BY id`,
    channels,
  )
  if (ids.length === 0) return
  const some = rng.sample(
    ids.map((r) => r.id),
    rng.int(1, 12),
  )
  const secs = rng.int(0, 2000)
  switch (rng.int(0, 7)) {
    case 0: // a decision: a new desired version, its input received `secs` ago
      await q.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "desiredVersion" = "desiredVersion" + 1, "desiredQuantity" = $2, "decidedAt" = $3::timestamptz,
        "pendingSince" = COALESCE("pendingSince", $3::timestamptz) WHERE id = ANY($1::uuid[])`,
        some,
        rng.int(0, 50),
        at(secs),
      )
      break
    case 1: // a send: the pending version published, its input's lag clock kept
      await q.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "publishedVersion" = "desiredVersion", "publishedInputAt" = COALESCE("pendingSince", "decidedAt"),
        "pendingSince" = NULL, "publishedAt" = $2::timestamptz WHERE id = ANY($1::uuid[])`,
        some,
        at(secs),
      )
      break
    case 2: // applied at the channel
      await q.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "appliedVersion" = "publishedVersion", "appliedQuantity" = "desiredQuantity", "lastError" = NULL WHERE id = ANY($1::uuid[])`,
        some,
      )
      break
    case 3: // a failure, or a retry that clears it
      await q.$executeRawUnsafe(
        `UPDATE "ChannelListing" SET "lastError" = $2 WHERE id = ANY($1::uuid[])`,
        some,
        rng.chance(0.6) ? 'HTTP 503' : null,
      )
      break
    case 4: // deactivated or reactivated
      await q.$executeRawUnsafe(`UPDATE "ChannelListing" SET active = NOT active WHERE id = ANY($1::uuid[])`, some)
      break
    case 5: // deleted
      await q.$executeRawUnsafe(`DELETE FROM "ChannelListing" WHERE id = ANY($1::uuid[])`, some.slice(0, 2))
      break
    case 6: // an update that moves nothing the rollup counts
      await q.$executeRawUnsafe(`UPDATE "ChannelListing" SET "ordersNote" = 'checked' WHERE id = ANY($1::uuid[])`, some)
      break
    default: // an upsert of listings (insert, or update on conflict), as the catalogue import does
      await insertListings(q, rng.int(1, 6), channels)
  }
}

async function insertListings(
  q: { $executeRawUnsafe: PrismaClient['$executeRawUnsafe'] },
  n: number,
  channels = channelIds,
) {
  const drawn = Array.from({ length: n }, () => [rng.pick(channels), rng.pick(skuIds)] as const)
  const pairs = [...new Map(drawn.map((p) => [p.join(), p])).values()] // one statement touches a row once
  await q.$executeRawUnsafe(
    `INSERT INTO "ChannelListing" (id, "channelId", "skuId", "externalSku", "desiredVersion", "appliedVersion", "decidedAt")
     SELECT gen_random_uuid(), c, s, 'X-' || c || '-' || s, v, 0, $4::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS u(c, s, v)
     ON CONFLICT ("channelId", "skuId") DO UPDATE SET "desiredVersion" = "ChannelListing"."desiredVersion" + 1, "decidedAt" = excluded."decidedAt"`,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
    pairs.map(() => rng.int(0, 2)),
    at(rng.int(0, 900)),
  )
}

beforeAll(async () => {
  process.env.STOCKTOWER_ENCRYPTION_KEY ??= crypto.randomBytes(32).toString('base64')
  t = await createTestDatabase()
  db = t.db
  channelIds = []
  for (const code of ['alpha', 'beta', 'gamma']) channelIds.push((await makeChannel(db, code)).id)
  skuIds = []
  for (let i = 0; i < 40; i++) skuIds.push((await makeSku(db, `LS-${i}`)).id)
})
afterAll(async () => {
  await t?.drop()
})

describe('listing state rollup', () => {
  it(`equals the live count after a mixed stream of statements (seed ${seed})`, async () => {
    await expectRollupEqualsLive('empty')
    await insertListings(db, 60)
    await expectRollupEqualsLive('inserted')
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 10; i++) await randomStatement(db)
      // Two transactions at once, each several statements (on different channels' listings, so they
      // cannot deadlock on each other's rows: the rollup itself takes no row locks), and one rolled back.
      await Promise.all(
        [[channelIds[0]], channelIds.slice(1)].map((scope) =>
          db.$transaction(async (tx) => {
            for (let i = 0; i < 3; i++) await randomStatement(tx, scope)
          }),
        ),
      )
      await db
        .$transaction(async (tx) => {
          await randomStatement(tx)
          await randomStatement(tx)
          throw new Error('rollback')
        })
        .catch((e: Error) => {
          if (e.message !== 'rollback') throw e
        })
      if (round % 4 === 3) {
        const c = await compactListingStates(db)
        expect(c.after).toBeLessThanOrEqual(c.before)
      }
      await expectRollupEqualsLive(`round ${round}`)
    }
  })

  it('folds to one row per channel, waiting state and minute, and reads the same after', async () => {
    await randomStatement(db)
    const before = await getListingStates(
      db,
      channelIds.map((id) => ({ id, staleAfterSeconds: 300 })),
      now,
    )
    await compactListingStates(db)
    const groups = await db.$queryRawUnsafe<Array<{ n: bigint; d: bigint }>>(
      `SELECT count(*) AS n, count(DISTINCT ("channelId", waiting, "sinceMinute")) AS d FROM "ChannelListingState"`,
    )
    expect(Number(groups[0].n)).toBe(Number(groups[0].d))
    expect(
      await getListingStates(
        db,
        channelIds.map((id) => ({ id, staleAfterSeconds: 300 })),
        now,
      ),
    ).toEqual(before)
  })

  it('is what the channel health reads', async () => {
    const live = await liveCounts(300)
    const health = await getChannelsHealth(db, { now })
    for (const h of health) {
      const id = channelIds[['alpha', 'beta', 'gamma'].indexOf(h.code)]
      const l = live.get(id)!
      expect(h.listings).toEqual({
        total: l.total,
        inSync: l.inSync,
        waiting: l.waiting,
        failing: l.failing,
        stale: l.stale,
        oldestWaitingSeconds: l.oldestWaitingAt
          ? Math.max(0, Math.round((now.getTime() - l.oldestWaitingAt.getTime()) / 1000))
          : null,
      })
    }
  })

  it('empties with TRUNCATE of the listings', async () => {
    await db.$executeRawUnsafe(`TRUNCATE "ChannelListing" CASCADE`)
    await expectRollupEqualsLive('truncated')
    expect(await db.channelListingState.count()).toBe(0)
  })
})
