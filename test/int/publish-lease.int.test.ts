// A publish run whose worker was killed after claiming leaves its listings leased (2 minutes).
// The next run claims nothing; it must come back when the lease ends instead of leaving those
// listings unpublished until the next decision for the channel (found by the fault suite). Likewise
// a run that comes before a listing's wait ends (a retry's backoff, orders in flight) comes back
// when it does (found by the e2e).
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeSku } from '../support/factories'
import { publishChannel } from '../../server/publishing/publish-channel'

let db: PrismaClient

useTestDatabase((created) => {
  db = created
})

describe('publish leases of a killed run', () => {
  it('a run that finds only leased listings schedules itself for when the lease ends', async () => {
    const channel = await makeChannel(db, 'walmart')
    const sku = await makeSku(db)
    const listing = await makeListing(db, channel.id, sku.id, `WM-${sku.code}`)
    const now = new Date('2026-12-02T10:00:00Z')
    const leaseUntil = new Date(now.getTime() + 90_000)
    await db.channelListing.update({
      where: { id: listing.id },
      data: { desiredQuantity: 7, desiredVersion: 2, publishedVersion: 1, inFlightVersion: 2, leaseUntil },
    })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const r = await publishChannel(db, channel.id, {
      connectorFor: () => ({ maxBatchSize: 50, readBatchSize: 50 }) as never,
      now: () => now,
    })
    expect(r).toMatchObject({ claimed: 0, nextRunAt: new Date(leaseUntil.getTime() + 1_000) })
    const jobs = await db.$queryRawUnsafe<Array<{ task: string; run_at: Date }>>(
      `SELECT task_identifier AS task, run_at FROM graphile_worker.jobs`,
    )
    expect(jobs).toHaveLength(1)
    expect(jobs[0].task).toBe('publish-channel')
    expect(new Date(jobs[0].run_at).getTime()).toBe(leaseUntil.getTime() + 1_000)
    // Nothing pending and nothing leased: no job.
    await db.channelListing.update({ where: { id: listing.id }, data: { publishedVersion: 2, leaseUntil: null } })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    // (a minute later: the first run spent the channel's rate budget)
    const later = new Date(now.getTime() + 60_000)
    expect(
      await publishChannel(db, channel.id, {
        connectorFor: () => ({ maxBatchSize: 50, readBatchSize: 50 }) as never,
        now: () => later,
      }),
    ).toMatchObject({ claimed: 0 })
    expect(
      await db.$queryRawUnsafe<unknown[]>(
        `SELECT task_identifier, run_at FROM graphile_worker.jobs WHERE task_identifier = 'publish-channel'`,
      ),
    ).toEqual([])
  })

  it('a run that comes before a waiting listing is due schedules itself for when its wait ends', async () => {
    const channel = await makeChannel(db, 'amazon')
    const sku = await makeSku(db)
    const listing = await makeListing(db, channel.id, sku.id, `AZ-${sku.code}`)
    const now = new Date('2026-12-02T11:00:00Z')
    const waitEnds = new Date(now.getTime() + 5_000)
    await db.channelListing.update({
      where: { id: listing.id },
      data: { desiredQuantity: 9, desiredVersion: 3, publishedVersion: 2, nextAttemptAt: waitEnds },
    })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const r = await publishChannel(db, channel.id, {
      connectorFor: () => ({ maxBatchSize: 50, readBatchSize: 50 }) as never,
      now: () => now,
    })
    expect(r).toMatchObject({ claimed: 0, nextRunAt: waitEnds })
    const jobs = await db.$queryRawUnsafe<Array<{ task: string; run_at: Date }>>(
      `SELECT task_identifier AS task, run_at FROM graphile_worker.jobs`,
    )
    expect(jobs.map((j) => [j.task, new Date(j.run_at).getTime()])).toEqual([['publish-channel', waitEnds.getTime()]])
    // Held for a person (infinity): nothing to come back for.
    await db.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = 'infinity' WHERE id = $1::uuid`,
      listing.id,
    )
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const later = new Date(now.getTime() + 60_000)
    expect(
      await publishChannel(db, channel.id, {
        connectorFor: () => ({ maxBatchSize: 50, readBatchSize: 50 }) as never,
        now: () => later,
      }),
    ).toMatchObject({ claimed: 0 })
    expect(await db.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM graphile_worker.jobs`)).toEqual([])
  })

  it("a run the marketplace's own limit cannot take yet comes back when it can, sending nothing and spending none of the budget", async () => {
    const channel = await makeChannel(db, 'shopify')
    const sku = await makeSku(db)
    const listing = await makeListing(db, channel.id, sku.id, `SH-${sku.code}`)
    await db.channelListing.update({
      where: { id: listing.id },
      data: { desiredQuantity: 4, desiredVersion: 2, publishedVersion: 1 },
    })
    const before = await db.channel.findUniqueOrThrow({ where: { id: channel.id }, select: { rateTokens: true } })
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const now = new Date('2026-12-03T10:00:00Z')
    const r = await publishChannel(db, channel.id, {
      connectorFor: () =>
        ({
          maxBatchSize: 250,
          readBatchSize: 100,
          readyInMs: () => 4_200,
          pushQuantities: () => {
            throw new Error('nothing may be sent before the bucket holds a batch')
          },
        }) as never,
      now: () => now,
    })
    expect(r).toMatchObject({ claimed: 0, skipped: 'marketplace limit', nextRunAt: new Date(now.getTime() + 4_200) })
    const jobs = await db.$queryRawUnsafe<Array<{ run_at: Date }>>(
      `SELECT run_at FROM graphile_worker.jobs WHERE task_identifier = 'publish-channel'`,
    )
    expect(jobs.map((j) => new Date(j.run_at).getTime())).toEqual([now.getTime() + 4_200])
    const after = await db.channel.findUniqueOrThrow({ where: { id: channel.id }, select: { rateTokens: true } })
    expect(after.rateTokens).toBe(before.rateTokens)
    const row = await db.channelListing.findUniqueOrThrow({ where: { id: listing.id }, select: { leaseUntil: true } })
    expect(row.leaseUntil).toBeNull()
  })

  it('a run stops sending when the next batch would wait for the marketplace, leaving the rest to a fresh claim then', async () => {
    const channel = await makeChannel(db, 'shopify-2', { kind: 'shopify' })
    const listings = []
    for (let i = 0; i < 3; i++) {
      const sku = await makeSku(db)
      const listing = await makeListing(db, channel.id, sku.id, `SH-${sku.code}`)
      await db.channelListing.update({
        where: { id: listing.id },
        data: {
          desiredQuantity: 5 + i,
          desiredVersion: 2,
          publishedVersion: 1,
          externalId: `gid://shopify/InventoryItem/${9000 + i}`,
        },
      })
      listings.push(listing)
    }
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const now = new Date('2026-12-03T11:00:00Z')
    const pushed: string[][] = []
    const r = await publishChannel(db, channel.id, {
      connectorFor: () =>
        ({
          maxBatchSize: 1,
          readBatchSize: 100,
          // Ready for the first batch; after it, the bucket needs 5 s to take another.
          readyInMs: () => (pushed.length === 0 ? 0 : 5_000),
          pushQuantities: async (updates: Array<{ listingId: string; quantity: number }>) => {
            pushed.push(updates.map((u) => u.listingId))
            return {
              outcomes: updates.map((u) => ({
                listingId: u.listingId,
                outcome: 'applied',
                appliedQuantity: u.quantity,
              })),
              latencyMs: 1,
            }
          },
        }) as never,
      now: () => now,
    })
    expect(pushed).toHaveLength(1)
    expect(r).toMatchObject({ claimed: 3 })
    const rows = await db.channelListing.findMany({
      where: { channelId: channel.id },
      select: { publishedVersion: true, leaseUntil: true, failedAttempts: true },
    })
    // One sent; two released (no lease, no failed attempt) for the next run.
    expect(rows.filter((x) => x.publishedVersion === 2)).toHaveLength(1)
    expect(
      rows.filter((x) => x.publishedVersion === 1 && x.leaseUntil === null && x.failedAttempts === 0),
    ).toHaveLength(2)
    const jobs = await db.$queryRawUnsafe<Array<{ run_at: Date }>>(
      `SELECT run_at FROM graphile_worker.jobs WHERE task_identifier = 'publish-channel'`,
    )
    expect(jobs.map((j) => new Date(j.run_at).getTime())).toEqual([now.getTime() + 5_000])
  })
})
