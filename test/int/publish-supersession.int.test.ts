// Supersession under concurrency, against real simulators over HTTP and real PostgreSQL: two
// publish runs work the same channel in parallel while desired quantities keep changing. The
// marketplace must never receive an older quantity for a listing after a newer one, and when the
// changes stop the newest desired quantity is what the marketplace holds, for every listing.
// Which listing changes to what comes from a seeded PRNG; the interleaving is whatever the two
// runs and the database make of it, which is the point.
import { afterEach, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { listingStates, makePublishFixture, pendingCount, setDesired, type PublishFixture } from './helpers/publishing'
import { publishChannel, type PublishDeps } from '../../server/publishing/publish-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import type { Connector } from '../../server/channels/connector'
import { WalmartSimulator } from '../../simulators/walmart'
import { ShopifySimulator, shopifyInventoryItemGid } from '../../simulators/shopify'
import { B2bSimulator } from '../../simulators/b2b'
import type { RecordedRequest } from '../../simulators/core/simulator-base'
import { createPrng } from '../../simulators/core/prng'
import { waitFor } from '../unit/channels/support'

let db: PrismaClient
let closeSim: (() => Promise<void>) | undefined

useTestDatabase((created) => {
  db = created
})
afterEach(async () => {
  await closeSim?.()
  closeSim = undefined
})

const LISTINGS = 16
const CHANGES = 90
const B2B_SECRET = 'b2b-supersession'

interface Marketplace {
  requests: RecordedRequest[]
  quantityOf(sku: string): number | null
  /** (sku, quantity) pairs in the order the marketplace received them. */
  received(): Array<{ sku: string; quantity: number }>
  fixture(skus: string[]): Promise<PublishFixture>
}

async function startMarketplace(kind: 'walmart' | 'shopify' | 'b2b'): Promise<Marketplace> {
  // Calls slower than a run's claim keep calls of both runs on the wire at once.
  const common = {
    plan: 'demo' as const,
    seed: 31,
    latencyMs: 25,
    throttle: null,
    autoCreateListings: false,
    requestLogLimit: 100_000,
  }
  // Each run claims up to 2 calls' worth; batch APIs get small batches so both runs have work.
  const rate = { ratePerSecond: 100_000, rateBurst: 2, at: new Date() }
  if (kind === 'walmart') {
    const sim = await new WalmartSimulator(common).start()
    closeSim = () => sim.close()
    return {
      requests: sim.requests,
      quantityOf: (sku) => sim.quantityOf(sku),
      received: () =>
        sim.requests
          .filter((r) => r.method === 'PUT')
          .map((r) => {
            const body = r.body as { sku: string; quantity: { amount: number } }
            return { sku: body.sku, quantity: body.quantity.amount }
          }),
      fixture: async (skus) => {
        sim.seed(skus, 0)
        return makePublishFixture(db, {
          kind,
          baseUrl: sim.url,
          credentials: { clientId: 'wm-client', clientSecret: 'wm-secret' },
          skus,
          ...rate,
        })
      },
    }
  }
  if (kind === 'shopify') {
    const sim = await new ShopifySimulator(common).start()
    closeSim = () => sim.close()
    const skuByGid = new Map<string, string>()
    return {
      requests: sim.requests,
      quantityOf: (sku) => sim.quantityOf(sku),
      received: () =>
        sim.requests.flatMap((r) => {
          const input = (
            r.body as { variables?: { input?: { quantities?: Array<{ inventoryItemId: string; quantity: number }> } } }
          ).variables?.input
          return (input?.quantities ?? []).map((q) => ({ sku: skuByGid.get(q.inventoryItemId)!, quantity: q.quantity }))
        }),
      fixture: async (skus) => {
        sim.seed(skus, 0)
        for (const sku of skus) skuByGid.set(shopifyInventoryItemGid(sku), sku)
        return makePublishFixture(db, {
          kind,
          baseUrl: sim.url,
          credentials: { accessToken: 'shpat' },
          settings: { maxBatchSize: 2 },
          skus,
          externalId: shopifyInventoryItemGid,
          ...rate,
        })
      },
    }
  }
  const sim = await new B2bSimulator({ ...common, secret: B2B_SECRET }).start()
  closeSim = () => sim.close()
  return {
    requests: sim.requests,
    quantityOf: (sku) => sim.quantityOf(sku),
    received: () =>
      sim.requests
        .filter((r) => r.method === 'POST')
        .flatMap((r) => (r.body as { updates: Array<{ sku: string; quantity: number }> }).updates),
    fixture: async (skus) => {
      sim.seed(skus, 0)
      return makePublishFixture(db, {
        kind,
        baseUrl: sim.url,
        credentials: { signingSecret: B2B_SECRET },
        settings: { maxBatchSize: 2 },
        skus,
        ...rate,
      })
    },
  }
}

describe('supersession under concurrency', () => {
  it.each(['walmart', 'shopify', 'b2b'] as const)(
    '%s: never an older quantity after a newer one, and the newest lands',
    async (kind) => {
      const market = await startMarketplace(kind)
      const skus = Array.from({ length: LISTINGS }, (_, i) => `SUP-${kind}-${i + 1}`)
      const f = await market.fixture(skus)
      const prng = createPrng(17)

      // Every quantity a listing is given is new for it, so a received quantity names its version.
      const versionOf = new Map<string, Map<number, number>>(skus.map((sku) => [sku, new Map()]))
      const newest = new Map<string, number>()
      const change = async (listing: PublishFixture['listings'][number]) => {
        let quantity: number
        do quantity = prng.int(0, 10_000)
        while (versionOf.get(listing.externalSku)!.has(quantity))
        const version = await setDesired(db, listing.id, quantity, new Date())
        versionOf.get(listing.externalSku)!.set(quantity, version)
        newest.set(listing.externalSku, quantity)
      }
      for (const listing of f.listings) await change(listing)

      // Which runs have a call on the wire right now: proves the two runs really overlapped.
      const onTheWire = new Map<number, number>()
      let maxRunsOnTheWire = 0
      let runNo = 0
      let callNo = 0
      let heldBack = 0
      // The network delivers some calls late: every third call that starts while the other run has
      // a call on the wire is held back, before it reaches the marketplace, until a call of a later
      // run has completed (or a runner finds nothing to claim). Without the per-listing lease an
      // older quantity would overtake a newer one exactly like this.
      let late: Array<{ afterRun: number; release: () => void }> = []
      const releaseLate = (completedRun: number) => {
        const due = late.filter((entry) => entry.afterRun < completedRun)
        late = late.filter((entry) => entry.afterRun >= completedRun)
        for (const entry of due) entry.release()
      }
      const deps: PublishDeps = {
        connectorFor: (channel) => {
          const real = connectorForChannel(channel)
          const run = ++runNo
          const tracked: Connector = {
            ...real,
            pushQuantities: async (updates) => {
              const otherRunOnTheWire = [...onTheWire.keys()].some((other) => other !== run)
              // One late call at a time, so the other runner always makes progress (no deadlock).
              if (++callNo % 3 === 0 && otherRunOnTheWire && late.length === 0) {
                heldBack++
                const afterRun = runNo
                await new Promise<void>((release) => late.push({ afterRun, release }))
              }
              onTheWire.set(run, (onTheWire.get(run) ?? 0) + 1)
              maxRunsOnTheWire = Math.max(maxRunsOnTheWire, onTheWire.size)
              try {
                return await real.pushQuantities(updates)
              } finally {
                const left = onTheWire.get(run)! - 1
                if (left === 0) onTheWire.delete(run)
                else onTheWire.set(run, left)
                releaseLate(run)
              }
            },
          }
          return tracked
        },
      }

      let changesDone = false
      const claimable = async () => {
        const [row] = await db.$queryRawUnsafe<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM "ChannelListing" WHERE "channelId" = $1::uuid AND "desiredVersion" > "publishedVersion"
            AND ("leaseUntil" IS NULL OR "leaseUntil" < now()) AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= now())`,
          f.channelId,
        )
        return row!.n
      }
      const runner = async () => {
        let claimedRuns = 0
        for (;;) {
          const r = await publishChannel(db, f.channelId, deps)
          expect(r.failed + r.rejected, JSON.stringify(r)).toBe(0)
          if (r.claimed > 0) {
            claimedRuns++
            continue
          }
          if (changesDone && (await pendingCount(db, f.channelId)) === 0) return claimedRuns
          // Nothing to claim now (the other run holds it, or no change yet): wait for work or the end.
          await waitFor(
            async () => {
              if ((await claimable()) > 0 || (changesDone && (await pendingCount(db, f.channelId)) === 0)) return true
              // Nothing this runner can take: late calls may arrive now.
              releaseLate(Number.POSITIVE_INFINITY)
              return false
            },
            { timeoutMs: 15_000, what: 'work to claim' },
          )
        }
      }
      const changer = async () => {
        for (let i = 0; i < CHANGES; i++) {
          await change(f.listings[prng.int(0, f.listings.length - 1)]!)
          // Every few changes (more than one run claims), let the marketplace see a call first, so
          // both runs get work and later changes land while calls are in flight.
          if (i % 6 === 5) {
            const seen = market.requests.length
            await waitFor(() => market.requests.length > seen, { timeoutMs: 15_000, what: 'a call to the marketplace' })
          }
        }
        changesDone = true
      }
      const [runsA, runsB] = await Promise.all([runner(), runner(), changer()])
      expect(runsA).toBeGreaterThan(0)
      expect(runsB).toBeGreaterThan(0)
      expect(maxRunsOnTheWire).toBe(2)
      expect(heldBack).toBeGreaterThan(0)

      // The order the marketplace received, per listing, never goes back to an older version.
      const lastVersion = new Map<string, number>()
      const regressions: string[] = []
      for (const { sku, quantity } of market.received()) {
        const version = versionOf.get(sku)?.get(quantity)
        expect(version, `${sku} received ${quantity}, which it was never given`).toBeDefined()
        const before = lastVersion.get(sku) ?? 0
        if (version! < before)
          regressions.push(`${sku}: version ${version} (quantity ${quantity}) after version ${before}`)
        lastVersion.set(sku, Math.max(before, version!))
      }
      expect(regressions).toEqual([])

      // The newest desired quantity is what the marketplace holds and what we recorded as applied.
      for (const [sku, quantity] of newest) expect(market.quantityOf(sku), sku).toBe(quantity)
      for (const s of await listingStates(db, f.channelId)) {
        expect(s.publishedVersion, s.externalSku).toBe(s.desiredVersion)
        expect(s.appliedQuantity, s.externalSku).toBe(s.desiredQuantity)
        expect(s.desiredQuantity).toBe(newest.get(s.externalSku))
      }
      // Coalescing: fewer calls carried quantities than there were desired versions.
      expect(market.received().length).toBeLessThan(LISTINGS + CHANGES)
    },
  )
})
