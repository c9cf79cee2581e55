// Publishing guarantees against the real Walmart simulator over HTTP, on a clock the test moves:
// a channel outage of minutes loses no update (the breaker opens, probes, closes, and the newest
// quantity of every listing lands); two publish runs in parallel while quantities keep changing
// never send a listing an older version after a newer one; and the breaker's transitions.
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { seedDemoOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'

let db: PrismaClient
let sims: RunningSimulators
let walmartId: string
const SKUS = 12
let nowMs = Date.now()
const deps = { connectorFor: connectorForChannel, now: () => new Date(nowMs) }

async function recompute() {
  for (;;) {
    const r = await recomputeDirtyAvailability(db, { batchSize: 50 })
    if (r.processed === 0) break
  }
}
let key = 0
async function receipts(quantity: number, skus = SKUS) {
  const events = Array.from({ length: skus }, (_, i) => ({
    idempotencyKey: `pg-${++key}`,
    type: 'receipt',
    sku: `SKU-${String(i + 1).padStart(5, '0')}`,
    location: 'DC-EAST',
    quantity,
    occurredAt: new Date().toISOString(),
  }))
  expect((await ingestEvents(db, { body: JSON.stringify({ source: 'erp-demo', events }) })).accepted).toBe(skus)
  await recompute()
}
const walmartListings = () =>
  db.channelListing.findMany({ where: { channelId: walmartId, active: true }, include: { sku: true } })
async function drain(maxRuns = 60) {
  for (let i = 0; i < maxRuns; i++) {
    const r = await publishChannel(db, walmartId, deps)
    const pending = await db.channelListing.count({
      where: {
        channelId: walmartId,
        active: true,
        desiredQuantity: { not: null },
        desiredVersion: { gt: db.channelListing.fields.publishedVersion },
      },
    })
    if (pending === 0 && r.claimed === 0) return
    nowMs += 31_000
  }
  throw new Error('publishing did not drain')
}

useTestDatabase(async (created) => {
  db = created
  sims = await seedDemoOnSimulators(db, {
    skuCount: SKUS,
    seed: 21,
    listedOn: ['walmart'],
    overrides: { walmart: { now: () => nowMs, latencyMs: 0 } },
  })
  await db.$executeRawUnsafe(`DELETE FROM "KitComponent"`)
  await db.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET active = false WHERE "skuId" IN (SELECT id FROM "Sku" WHERE "isKit")`,
  )
  walmartId = (await db.channel.findUniqueOrThrow({ where: { code: 'walmart' } })).id
  await db.channel.update({ where: { id: walmartId }, data: { ratePerSecond: 50, rateBurst: 50, rateTokens: 50 } })
  await recompute()
  await drain()
})
afterAll(async () => {
  await sims?.close()
})

describe('publishing guarantees', () => {
  it('an outage of ten minutes loses nothing: the breaker opens and probes, and after recovery the newest quantities land', async () => {
    const wm = sims.sims.walmart
    wm.configure({ outage: true })
    const failed = () => db.publishAttempt.count({ where: { channelId: walmartId, outcome: 'failed' } })
    let openedAfter: number | null = null
    let runsWhileOpen = 0
    try {
      for (let minute = 0; minute < 10; minute++) {
        await receipts(minute + 1)
        for (let i = 0; i < 3; i++) {
          await publishChannel(db, walmartId, deps)
          const state = (await db.channel.findUniqueOrThrow({ where: { id: walmartId } })).breakerState
          if (state !== 'closed' && openedAfter === null) openedAfter = await failed()
          else if (openedAfter !== null) runsWhileOpen++
          nowMs += 20_000
        }
      }
      expect(openedAfter, 'the breaker opened').not.toBeNull()
      // Once open, the breaker lets one probe through per cool-down, not a call per listing.
      expect((await failed()) - openedAfter!).toBeLessThanOrEqual(runsWhileOpen)
      // Nothing became a dead letter: the channel was down, not the listings.
      expect(await db.deadLetter.count({ where: { channel: 'walmart' } })).toBe(0)
    } finally {
      wm.configure({ outage: false })
    }

    nowMs += 31_000
    await drain()
    expect((await db.channel.findUniqueOrThrow({ where: { id: walmartId } })).breakerState).toBe('closed')
    for (const l of await walmartListings()) {
      expect(l.appliedQuantity, l.sku.code).toBe(l.desiredQuantity)
      expect(l.appliedVersion, l.sku.code).toBe(l.desiredVersion)
      expect(wm.quantityOf(l.externalSku), l.sku.code).toBe(l.desiredQuantity)
    }
    expect(await db.deadLetter.count({ where: { channel: 'walmart' } })).toBe(0)
  })

  it("a long outage with nothing new to send: probes do not use up the listings' retries", async () => {
    const wm = sims.sims.walmart
    await receipts(4)
    wm.configure({ outage: true })
    try {
      // 40 minutes of a cool-down probe every 30 s, and no new decision to reset anything.
      for (let i = 0; i < 80; i++) {
        await publishChannel(db, walmartId, deps)
        nowMs += 30_000
      }
      expect(await db.deadLetter.count({ where: { channel: 'walmart' } })).toBe(0)
    } finally {
      wm.configure({ outage: false })
    }
    nowMs += 31_000
    await drain()
    for (const l of await walmartListings()) expect(wm.quantityOf(l.externalSku), l.sku.code).toBe(l.desiredQuantity)
  })

  it('two publish runs in parallel while quantities change never send an older version after a newer one', async () => {
    const since = new Date(nowMs)
    for (let round = 0; round < 6; round++) {
      await receipts(3 + round)
      // Two workers at once, plus a change landing between their calls.
      await Promise.all([
        publishChannel(db, walmartId, deps),
        publishChannel(db, walmartId, deps),
        round % 2 ? receipts(2, 6) : Promise.resolve(),
      ])
      nowMs += 1_000
    }
    await drain()
    const rows = await db.publishAttempt.findMany({
      where: { channelId: walmartId, startedAt: { gte: since } },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    })
    expect(rows.length).toBeGreaterThan(SKUS)
    const lastVersion = new Map<string, number>()
    for (const r of rows) {
      const before = lastVersion.get(r.listingId) ?? 0
      expect(r.version, `listing ${r.listingId}`).toBeGreaterThanOrEqual(before)
      lastVersion.set(r.listingId, r.version)
    }
    // What the marketplace shows is the newest decision for every listing.
    for (const l of await walmartListings()) {
      expect(sims.sims.walmart.quantityOf(l.externalSku), l.sku.code).toBe(l.desiredQuantity)
      expect(lastVersion.get(l.id)).toBe(l.desiredVersion)
    }
  })
})
