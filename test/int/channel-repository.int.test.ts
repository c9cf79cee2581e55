// The channel facts publishing and reconciliation share (server/channels/channel.repository.ts,
// channel-settings.ts) on real PostgreSQL: the one channel SELECT, the lock it can take, and the
// rate budget both draw from (refill to now, take, store; give back what was not used).
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel } from '../support/factories'
import { transaction } from '../../server/db'
import { loadChannel, returnRateBudget, spendRateBudget, takeReadCalls } from '../../server/channels/channel.repository'
import {
  bulkFeedSize,
  bulkThreshold,
  reconcileBatch,
  sloOf,
  verifyDelayMs,
  verifySlaMs,
} from '../../server/channels/channel-settings'

let db: PrismaClient
useTestDatabase((created) => {
  db = created
})

describe('channel repository', () => {
  it('loads the channel row with typed columns, and null for an unknown id', async () => {
    const c = await makeChannel(db, 'repo-load', {
      kind: 'walmart',
      ratePerSecond: 2,
      rateBurst: 4,
      settings: { bulkThreshold: 7 },
    })
    const row = await loadChannel(db, c.id)
    expect(row).toMatchObject({
      id: c.id,
      code: 'repo-load',
      kind: 'walmart',
      mode: 'live',
      status: 'active',
      ratePerSecond: 2,
      rateBurst: 4,
      rateTokens: 4,
      breakerState: 'closed',
      breakerFailures: 0,
      breakerOpenedAt: null,
    })
    expect(row!.rateRefilledAt).toBeInstanceOf(Date)
    expect(row!.settings).toMatchObject({ bulkThreshold: 7 })
    expect(await loadChannel(db, '00000000-0000-0000-0000-000000000000')).toBeNull()
  })

  it('spends the budget refilled to now, stores what is left, waits when empty, and takes back unused calls up to the burst', async () => {
    const c = await makeChannel(db, 'repo-budget', { ratePerSecond: 1, rateBurst: 5 })
    const t0 = new Date('2026-12-02T10:00:00Z')
    await db.channel.update({ where: { id: c.id }, data: { rateTokens: 1.5, rateRefilledAt: t0 } })
    // Two seconds later the bucket holds 3.5: asking for 10 grants 3 and leaves 0.5.
    const at = new Date(t0.getTime() + 2_000)
    const first = await transaction(db, async (tx) =>
      spendRateBudget(tx, (await loadChannel(tx, c.id, { forUpdate: true }))!, at, (available) => {
        expect(available).toBe(3.5)
        return 10
      }),
    )
    expect(first).toEqual({ granted: 3, waitMs: 0 })
    let stored = await db.channel.findUniqueOrThrow({ where: { id: c.id } })
    expect(stored.rateTokens).toBe(0.5)
    expect(stored.rateRefilledAt.toISOString()).toBe(at.toISOString())
    // At the same instant nothing whole is left: the answer says when the next token comes.
    const second = await transaction(db, async (tx) =>
      spendRateBudget(tx, (await loadChannel(tx, c.id, { forUpdate: true }))!, at, () => 1),
    )
    expect(second).toEqual({ granted: 0, waitMs: 500 })
    await returnRateBudget(db, c.id, 2)
    stored = await db.channel.findUniqueOrThrow({ where: { id: c.id } })
    expect(stored.rateTokens).toBe(2.5)
    await returnRateBudget(db, c.id, 100)
    stored = await db.channel.findUniqueOrThrow({ where: { id: c.id } })
    expect(stored.rateTokens).toBe(5)
  })

  it('read calls take at most half the bucket (one from a full bucket of 1) and say when a read will be granted', async () => {
    const c = await makeChannel(db, 'repo-reads', { ratePerSecond: 2, rateBurst: 10 })
    const t0 = new Date('2026-12-02T11:00:00Z')
    await db.channel.update({ where: { id: c.id }, data: { rateTokens: 7, rateRefilledAt: t0 } })
    // Seven tokens: a read of 10 calls gets 3 (publishing keeps the rest), a read of 2 gets 2.
    expect(await takeReadCalls(db, c.id, 10, t0)).toEqual({ granted: 3, waitMs: 0 })
    expect(await takeReadCalls(db, c.id, 2, t0)).toEqual({ granted: 2, waitMs: 0 })
    // Two tokens left, then one: one more call, then nothing until the bucket holds two (0.5 s at 2/s).
    expect(await takeReadCalls(db, c.id, 5, t0)).toEqual({ granted: 1, waitMs: 0 })
    expect(await takeReadCalls(db, c.id, 5, t0)).toEqual({ granted: 0, waitMs: 500 })
    expect((await db.channel.findUniqueOrThrow({ where: { id: c.id } })).rateTokens).toBe(1)

    // A burst of 1 never halves to a whole call: a full bucket still grants one read.
    const one = await makeChannel(db, 'repo-reads-1', { ratePerSecond: 0.5, rateBurst: 1 })
    await db.channel.update({ where: { id: one.id }, data: { rateTokens: 1, rateRefilledAt: t0 } })
    expect(await takeReadCalls(db, one.id, 3, t0)).toEqual({ granted: 1, waitMs: 0 })
    expect(await takeReadCalls(db, one.id, 3, t0)).toEqual({ granted: 0, waitMs: 2_000 })
  })

  it('reads channel settings with their defaults', () => {
    const none = { settings: {} }
    expect([
      bulkThreshold(none),
      bulkFeedSize(none, 5_000, 10_000),
      verifyDelayMs(none),
      verifySlaMs(none),
      reconcileBatch(none),
    ]).toEqual([50, 2_000, 5_000, 300_000, 200])
    const set = {
      settings: {
        bulkThreshold: 3.7,
        bulkMaxPerFeed: 0,
        verifyAfterSeconds: 0,
        verifySlaSeconds: 60,
        reconcileBatch: 25,
      },
    }
    expect([
      bulkThreshold(set),
      bulkFeedSize(set, 5_000, 10_000),
      verifyDelayMs(set),
      verifySlaMs(set),
      reconcileBatch(set),
    ]).toEqual([3, 2_000, 1_000, 60_000, 25])
    expect(sloOf({ sloLagP95Seconds: 30 })).toEqual({ lagP95Seconds: 30, staleAfterSeconds: 300 })
    expect(sloOf(null)).toEqual({ lagP95Seconds: 60, staleAfterSeconds: 300 })
    // Unset, a large backlog goes in about ten feeds as large as the marketplace allows; set, the
    // setting holds whatever the backlog.
    expect([50_000, 200_000].map((backlog) => bulkFeedSize(none, backlog, 10_000))).toEqual([5_000, 10_000])
    const fixed = { settings: { bulkMaxPerFeed: 500 } }
    expect([5_000, 200_000].map((backlog) => bulkFeedSize(fixed, backlog, 10_000))).toEqual([500, 500])
    expect(bulkFeedSize({ settings: { bulkMaxPerFeed: 50_000 } }, 200_000, 10_000)).toBe(10_000)
  })
})
