// The publish stage against a scripted marketplace (a test may fake the remote side, never our
// database): per-listing APIs are called with bounded concurrency, and a throttle stops further
// sends, releases what was not sent and schedules the next run after the channel's wait.
import { beforeEach, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import type { Connector, ListingUpdate, PushResult } from '../../server/channels/connector'

let db: PrismaClient
let amazonId: string

useTestDatabase(
  async (created) => {
    db = created
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 50 })
      if (r.processed === 0) break
    }
    amazonId = (await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })).id
  },
  { demo: { skuCount: 30 } },
)
beforeEach(async () => {
  await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
  await db.channel.update({
    where: { id: amazonId },
    data: { rateTokens: 1000, rateBurst: 1000, ratePerSecond: 1000, breakerState: 'closed', breakerFailures: 0 },
  })
  await db.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "publishedVersion" = 0, "publishedQuantity" = NULL, "leaseUntil" = NULL, "inFlightVersion" = NULL, "nextAttemptAt" = NULL WHERE "channelId" = $1::uuid`,
    amazonId,
  )
})

/** A per-listing marketplace whose calls resolve when the test says so. */
function scriptedConnector(maxConcurrency: number, respond: (u: ListingUpdate, callNo: number) => PushResult) {
  let inFlight = 0
  const seen = { maxInFlight: 0, calls: 0 }
  const connector: Connector = {
    kind: 'amazon',
    maxBatchSize: 1,
    readBatchSize: 20,
    maxConcurrency,
    async pushQuantities(updates) {
      const callNo = ++seen.calls
      inFlight++
      seen.maxInFlight = Math.max(seen.maxInFlight, inFlight)
      await new Promise<void>((r) => setImmediate(r))
      await new Promise<void>((r) => setImmediate(r))
      inFlight--
      return respond(updates[0], callNo)
    },
    async readQuantities() {
      return []
    },
  }
  return { connector, seen }
}

const applied = (u: ListingUpdate): PushResult => ({
  latencyMs: 1,
  httpStatus: 200,
  outcomes: [{ listingId: u.listingId, outcome: 'applied', appliedQuantity: u.quantity }],
})

describe('publishChannel', () => {
  it('counts no lag for the first number a listing gets (its initial sync), only for later ones', async () => {
    await db.$executeRawUnsafe(`DELETE FROM "LagMinute"`)
    await db.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "appliedQuantity" = NULL, "pendingSince" = now() - interval '5 seconds' WHERE "channelId" = $1::uuid`,
      amazonId,
    )
    // Three listings had a number on Amazon before; the others get their first.
    await db.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "appliedQuantity" = 1 WHERE id IN (SELECT id FROM "ChannelListing" WHERE "channelId" = $1::uuid ORDER BY id LIMIT 3)`,
      amazonId,
    )
    const { connector } = scriptedConnector(4, applied)
    const r = await publishChannel(db, amazonId, { connectorFor: () => connector })
    expect(r.applied).toBeGreaterThan(3)
    const lag = await db.lagMinute.aggregate({ _sum: { count: true }, where: { channelId: amazonId } })
    expect(lag._sum.count).toBe(3)
  })

  it('runs per-listing calls concurrently up to the connector limit and records every one', async () => {
    const { connector, seen } = scriptedConnector(4, applied)
    const r = await publishChannel(db, amazonId, { connectorFor: () => connector })
    expect(r.claimed).toBeGreaterThan(8)
    expect(r.applied).toBe(r.claimed)
    expect(seen.calls).toBe(r.claimed)
    expect(seen.maxInFlight).toBe(4)
    const attempts = await db.publishAttempt.count({ where: { channelId: amazonId, outcome: 'applied' } })
    expect(attempts).toBeGreaterThanOrEqual(r.claimed)
  })

  it('stops sending once throttled, releases the unsent listings and retries after the wait', async () => {
    const throttleAt = 3
    const { connector, seen } = scriptedConnector(1, (u, callNo) =>
      callNo < throttleAt
        ? applied(u)
        : {
            latencyMs: 1,
            httpStatus: 429,
            throttledForMs: 7000,
            outcomes: [
              {
                listingId: u.listingId,
                outcome: 'failed',
                code: 'QuotaExceeded',
                message: 'throttled',
                retryAfterMs: 7000,
              },
            ],
          },
    )
    const before = Date.now()
    const r = await publishChannel(db, amazonId, { connectorFor: () => connector })
    expect(seen.calls).toBe(throttleAt)
    expect(r.applied).toBe(throttleAt - 1)
    expect(r.failed).toBe(1)
    expect(r.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before + 7000)
    // Nothing is left leased: the unsent listings are free for the next run, without an attempt.
    const leased = await db.channelListing.count({ where: { channelId: amazonId, leaseUntil: { not: null } } })
    expect(leased).toBe(0)
    const pending = await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "ChannelListing" WHERE "channelId" = $1::uuid AND "desiredVersion" > "publishedVersion" AND "nextAttemptAt" IS NULL`,
      amazonId,
    )
    expect(pending[0].n).toBe(r.claimed - throttleAt)
    const job = await db.$queryRawUnsafe<Array<{ runAt: Date }>>(
      `SELECT run_at AS "runAt" FROM graphile_worker.jobs WHERE key = $1`,
      `publish:${amazonId}`,
    )
    expect(job[0].runAt.getTime()).toBeGreaterThanOrEqual(before + 7000)
  })
})
