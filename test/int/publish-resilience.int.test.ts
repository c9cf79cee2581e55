// The publish stage against a real marketplace simulator (Walmart, over HTTP) and real PostgreSQL
// when the channel misbehaves: the circuit breaker end to end, an outage of minutes while desired
// quantities keep changing, and pause/resume. The publisher and the simulator share one fake
// clock, so minutes pass in milliseconds and every wait (backoff, cool-down, outage window) is
// exact; backoff jitter is fixed (random = 0).
import { afterEach, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { listingStates, makePublishFixture, pendingCount, setDesired, type PublishFixture } from './helpers/publishing'
import { publishChannel, type PublishDeps } from '../../server/publishing/publish-channel'
import { DEFAULT_BREAKER } from '../../server/publishing/circuit-breaker'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { createConnector } from '../../server/channels/create-connector'
import type { Connector } from '../../server/channels/connector'
import { WalmartSimulator } from '../../simulators/walmart'
import { createPrng } from '../../simulators/core/prng'

let db: PrismaClient
let sim: WalmartSimulator | undefined

useTestDatabase((created) => {
  db = created
})
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const WALMART_CREDENTIALS = { clientId: 'wm-test-client', clientSecret: 'wm-test-secret' }

/** One clock for the publisher (Date) and the simulator (epoch ms). */
function sharedClock() {
  let current = Math.floor(Date.now() / 1000) * 1000
  return { ms: () => current, date: () => new Date(current), advance: (ms: number) => void (current += ms) }
}

async function walmartChannel(clock: ReturnType<typeof sharedClock>, skus: string[]): Promise<PublishFixture> {
  sim = await new WalmartSimulator({
    plan: 'demo',
    seed: 21,
    now: clock.ms,
    latencyMs: 0,
    throttle: null,
    autoCreateListings: false,
    requestLogLimit: 100_000,
  }).start()
  sim.seed(skus, 0)
  return makePublishFixture(db, {
    kind: 'walmart',
    baseUrl: sim.url,
    credentials: WALMART_CREDENTIALS,
    skus,
    at: clock.date(),
  })
}

const puts = () => sim!.requests.filter((r) => r.method === 'PUT')
const breakerOf = (channelId: string) =>
  db.channel.findUniqueOrThrow({
    where: { id: channelId },
    select: { breakerState: true, breakerFailures: true, breakerOpenedAt: true },
  })

describe('circuit breaker, end to end', () => {
  it('sustained failures open it, attempts stop, a probe half-opens it after the cool-down, a success closes it', async () => {
    const clock = sharedClock()
    const f = await walmartChannel(clock, ['BRK-1', 'BRK-2', 'BRK-3'])
    const desired = new Map<string, number>()
    for (const [i, l] of f.listings.entries()) {
      await setDesired(db, l.id, 10 + i, clock.date())
      desired.set(l.externalSku, 10 + i)
    }
    // Records the breaker state the database holds while each call is on the wire.
    const statesDuringCalls: string[] = []
    const deps: PublishDeps = {
      now: clock.date,
      random: () => 0,
      connectorFor: (channel) => {
        const real = connectorForChannel(channel)
        const observed: Connector = {
          ...real,
          pushQuantities: async (updates) => {
            statesDuringCalls.push((await breakerOf(f.channelId)).breakerState)
            return real.pushQuantities(updates)
          },
        }
        return observed
      },
    }

    // The channel held a valid access token before the outage (900 s, longer than this test), so
    // every failing run reaches the inventory API itself; the token is cached per credential set.
    await createConnector('walmart', {
      baseUrl: sim!.url,
      credentials: WALMART_CREDENTIALS,
      settings: {},
    }).readQuantities([{ listingId: 'warm', externalSku: 'BRK-1', externalId: null }])
    sim!.configure({ outage: true })
    // DEFAULT_BREAKER.failureThreshold failing runs, 5 s apart (longer than each listing's backoff).
    for (let run = 1; run <= DEFAULT_BREAKER.failureThreshold; run++) {
      const r = await publishChannel(db, f.channelId, deps)
      expect(r).toMatchObject({ claimed: 3, failed: 3, applied: 0 })
      const breaker = await breakerOf(f.channelId)
      expect(breaker.breakerState).toBe(run < DEFAULT_BREAKER.failureThreshold ? 'closed' : 'open')
      expect(breaker.breakerFailures).toBe(run)
      if (run < DEFAULT_BREAKER.failureThreshold) clock.advance(5_000)
    }
    const openedAt = clock.ms()
    expect((await breakerOf(f.channelId)).breakerOpenedAt?.getTime()).toBe(openedAt)
    // Per-listing API: each listing of a run is its own call.
    expect(puts()).toHaveLength(3 * DEFAULT_BREAKER.failureThreshold)
    const attemptsWhileClosed = await db.publishAttempt.count({ where: { channelId: f.channelId } })
    expect(attemptsWhileClosed).toBe(3 * DEFAULT_BREAKER.failureThreshold)

    // Open: runs during the cool-down call nothing and record nothing.
    clock.advance(DEFAULT_BREAKER.cooldownMs - 1)
    const blocked = await publishChannel(db, f.channelId, deps)
    expect(blocked).toMatchObject({ claimed: 0, skipped: 'breaker open' })
    expect(blocked.nextRunAt?.getTime()).toBe(openedAt + DEFAULT_BREAKER.cooldownMs)
    expect(puts()).toHaveLength(3 * DEFAULT_BREAKER.failureThreshold)
    expect(await db.publishAttempt.count({ where: { channelId: f.channelId } })).toBe(attemptsWhileClosed)

    // Cool-down over, channel still down: one probe (half-open), it fails, the breaker reopens.
    clock.advance(1)
    const failedProbe = await publishChannel(db, f.channelId, deps)
    expect(failedProbe).toMatchObject({ claimed: 1, failed: 1 })
    expect(statesDuringCalls.at(-1)).toBe('half_open')
    expect(puts()).toHaveLength(3 * DEFAULT_BREAKER.failureThreshold + 1)
    const reopened = await breakerOf(f.channelId)
    expect(reopened.breakerState).toBe('open')
    expect(reopened.breakerOpenedAt?.getTime()).toBe(clock.ms())

    // The channel recovers; the next cool-down ends; the probe succeeds and closes the breaker.
    sim!.configure({ outage: false })
    clock.advance(DEFAULT_BREAKER.cooldownMs - 1)
    expect(await publishChannel(db, f.channelId, deps)).toMatchObject({ claimed: 0, skipped: 'breaker open' })
    clock.advance(1)
    const probe = await publishChannel(db, f.channelId, deps)
    expect(probe).toMatchObject({ claimed: 1, applied: 1 })
    expect(statesDuringCalls.at(-1)).toBe('half_open')
    expect(await breakerOf(f.channelId)).toEqual({ breakerState: 'closed', breakerFailures: 0, breakerOpenedAt: null })
    // Probing lets exactly one call through: the rest waits for the next (closed) run.
    expect(probe.nextRunAt?.getTime()).toBe(clock.ms())

    // Closed: the remaining listings go out, once their backoff has passed.
    clock.advance(60_000)
    const drain = await publishChannel(db, f.channelId, deps)
    expect(drain).toMatchObject({ claimed: 2, applied: 2 })
    expect(statesDuringCalls.at(-1)).toBe('closed')
    for (const [sku, quantity] of desired) expect(sim!.quantityOf(sku), sku).toBe(quantity)
    expect(await pendingCount(db, f.channelId)).toBe(0)
  })
})

describe('an outage of minutes while desired quantities keep changing', () => {
  // 'window': 503 with Retry-After up to the announced end; 'open-ended': plain 503s until it is over.
  it.each(['window', 'open-ended'] as const)(
    'loses no update (%s): after recovery the newest quantity lands for every listing',
    async (kind) => {
      const clock = sharedClock()
      const skus = Array.from({ length: 10 }, (_, i) => `OUT-${i + 1}`)
      const f = await walmartChannel(clock, skus)
      const deps: PublishDeps = { now: clock.date, random: () => 0, connectorFor: connectorForChannel }
      const desired = new Map<string, number>()
      const change = async (l: PublishFixture['listings'][number], quantity: number) => {
        await setDesired(db, l.id, quantity, clock.date())
        desired.set(l.externalSku, quantity)
      }
      /** One worker wake-up: runs while the publisher asks to be run again now. */
      const publishNow = async () => {
        for (let i = 0; i < 10; i++) {
          const r = await publishChannel(db, f.channelId, deps)
          if (r.claimed === 0 || !r.nextRunAt || r.nextRunAt.getTime() > clock.ms()) return
        }
      }

      for (const [i, l] of f.listings.entries()) await change(l, 100 + i)
      await publishNow()
      for (const [sku, quantity] of desired) expect(sim!.quantityOf(sku), sku).toBe(quantity)

      // Down for 5 minutes. Every listing changes once as it starts; the first four keep changing.
      const outageMs = 5 * 60_000
      const outageEnd = clock.ms() + outageMs
      sim!.configure({ outage: kind === 'window' ? outageEnd : true })
      const prng = createPrng(5)
      for (const l of f.listings) await change(l, prng.int(0, 500))
      const stepMs = 5_000
      while (clock.ms() < outageEnd + 30_000) {
        if (kind === 'open-ended' && clock.ms() >= outageEnd) sim!.configure({ outage: false })
        if (clock.ms() < outageEnd) {
          for (const l of f.listings.slice(0, 4)) if (prng.chance(0.3)) await change(l, prng.int(0, 500))
        }
        await publishNow()
        clock.advance(stepMs)
      }
      // The quiet listings waited out the whole outage: longer than their backoff schedule allows
      // (8 attempts) when the channel gives no Retry-After.
      const failed = await db.publishAttempt.groupBy({
        by: ['listingId'],
        where: { channelId: f.channelId, outcome: 'failed' },
        _count: true,
      })
      expect(failed.length).toBe(f.listings.length)
      if (kind === 'open-ended') expect(Math.max(...failed.map((g) => g._count))).toBeGreaterThanOrEqual(8)

      // Recovered: keep waking the publisher (as the job queue would) until nothing is pending.
      for (let step = 0; step < 200 && (await pendingCount(db, f.channelId)) > 0; step++) {
        await publishNow()
        clock.advance(stepMs)
      }
      const states = await listingStates(db, f.channelId)
      const stuck = states.filter((s) => s.publishedVersion < s.desiredVersion)
      expect(stuck, JSON.stringify(stuck)).toEqual([])
      for (const [sku, quantity] of desired) expect(sim!.quantityOf(sku), sku).toBe(quantity)
      for (const s of states) expect(s.appliedQuantity, s.externalSku).toBe(s.desiredQuantity)
      // Waiting out an outage is not a reason to give up on a listing.
      expect(
        await db.deadLetter.count({ where: { kind: 'publish', listingId: { in: f.listings.map((l) => l.id) } } }),
      ).toBe(0)
    },
  )
})

describe('pause and resume', () => {
  it('sends nothing while paused, keeps desired updating, and publishes only the newest on resume', async () => {
    const clock = sharedClock()
    const f = await walmartChannel(clock, ['PAU-1', 'PAU-2', 'PAU-3'])
    const deps: PublishDeps = { now: clock.date, random: () => 0, connectorFor: connectorForChannel }
    for (const l of f.listings) await setDesired(db, l.id, 1, clock.date())
    expect(await publishChannel(db, f.channelId, deps)).toMatchObject({ claimed: 3, applied: 3 })
    const sentBeforePause = puts().length

    await db.channel.update({ where: { id: f.channelId }, data: { status: 'paused' } })
    for (let round = 2; round <= 4; round++) {
      for (const [i, l] of f.listings.entries()) await setDesired(db, l.id, round * 10 + i, clock.date())
      clock.advance(1_000)
      const r = await publishChannel(db, f.channelId, deps)
      expect(r).toMatchObject({ claimed: 0, skipped: 'paused' })
      expect(r.nextRunAt).toBeUndefined()
    }
    expect(puts()).toHaveLength(sentBeforePause)
    expect(await pendingCount(db, f.channelId)).toBe(3)
    for (const l of f.listings) expect(sim!.quantityOf(l.externalSku)).toBe(1)
    const versions = await listingStates(db, f.channelId)
    for (const v of versions) expect(v.desiredVersion).toBe(4)

    await db.channel.update({ where: { id: f.channelId }, data: { status: 'active' } })
    expect(await publishChannel(db, f.channelId, deps)).toMatchObject({ claimed: 3, applied: 3 })
    // One PUT per listing, carrying the newest quantity; the intermediate ones never went out.
    const resumed = puts().slice(sentBeforePause)
    expect(resumed.map((r) => r.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      f.listings.map((l, i) => ({ sku: l.externalSku, quantity: { unit: 'EACH', amount: 40 + i } })),
    )
    for (const [i, l] of f.listings.entries()) expect(sim!.quantityOf(l.externalSku)).toBe(40 + i)
    const attempts = await db.publishAttempt.findMany({ where: { channelId: f.channelId }, select: { version: true } })
    expect(attempts.map((a) => a.version).sort()).toEqual([1, 1, 1, 4, 4, 4])
  })
})
