// The thin vertical slice, end to end on real parts: demo seed -> recompute -> publish over real HTTP
// to the marketplace simulators -> verify by read-back; then an event moves a channel's number and
// the explanation accounts for it.
import crypto from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { publishPerListing, seedDemoOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { verifyChannel } from '../../server/publishing/verify-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getAvailability } from '../../server/availability/get-availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { authenticateApiKey } from '../../server/auth/authenticate-api-key'

let db: PrismaClient
let sims: RunningSimulators
const SKUS = 40
const apiKey = `st_demo_${crypto.randomBytes(8).toString('hex')}`
const deps = { connectorFor: connectorForChannel }

async function drainRecompute() {
  for (;;) {
    const r = await recomputeDirtyAvailability(db, { batchSize: 25 })
    if (r.processed === 0) return
  }
}
async function drainPublishAndVerify() {
  const channels = await db.channel.findMany()
  for (const c of channels) {
    for (let i = 0; i < 50; i++) {
      const r = await publishChannel(db, c.id, deps)
      if (r.claimed === 0) break
    }
  }
  for (const s of Object.values(sims.sims)) s.applyNow()
  for (const c of channels) await verifyChannel(db, c.id, deps)
}

useTestDatabase(async (created) => {
  db = created
  sims = await seedDemoOnSimulators(db, { skuCount: SKUS, seed: 7, demoApiKey: apiKey })
  await publishPerListing(db)
})
afterAll(async () => {
  await sims?.close()
})

describe('the vertical slice', () => {
  it('seeds the demo contract: codes, locations, channels, users and a key with every scope', async () => {
    expect(await db.sku.count({ where: { code: { startsWith: 'SKU-' } } })).toBe(SKUS)
    expect((await db.sku.findFirstOrThrow({ where: { code: 'KIT-0001' } })).isKit).toBe(true)
    expect((await db.location.findMany({ orderBy: { code: 'asc' } })).map((l) => l.code)).toEqual([
      '3PL-CENTRAL',
      'DC-EAST',
      'DC-WEST',
    ])
    expect((await db.channel.findMany({ orderBy: { code: 'asc' } })).map((c) => c.code)).toEqual([
      'amazon',
      'b2b',
      'shopify',
      'walmart',
    ])
    expect(await db.user.count({ where: { email: { endsWith: '@example.com' } } })).toBe(5)
    for (const scope of ['ingest:erp', 'ingest:channel:amazon', 'read', 'rules:write', 'catalog:write']) {
      await expect(authenticateApiKey(db, `Bearer ${apiKey}`, scope)).resolves.toMatchObject({ kind: 'api_key' })
    }
    await expect(authenticateApiKey(db, 'Bearer nope', 'read')).rejects.toMatchObject({ status: 401 })
  })

  it('decides every listing, publishes every one over HTTP and verifies it applied', async () => {
    await drainRecompute()
    expect(await db.channelListing.count({ where: { decisionId: null } })).toBe(0)
    await drainPublishAndVerify()
    const notApplied = await db.channelListing.findMany({
      where: { OR: [{ appliedVersion: 0 }] },
      include: { channel: true, sku: true },
      take: 5,
    })
    expect(notApplied.map((l) => `${l.channel.code}:${l.sku.code}:${l.lastError}`)).toEqual([])
    const mismatched = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM "ChannelListing" WHERE "appliedQuantity" IS DISTINCT FROM "desiredQuantity" OR "publishedVersion" <> "desiredVersion"`,
    )
    expect(Number(mismatched[0].n)).toBe(0)
    // What the marketplaces show is what we decided.
    const listing = await db.channelListing.findFirstOrThrow({
      where: { channel: { code: 'amazon' }, sku: { code: 'SKU-00003' } },
    })
    const readBack = await connectorForChannel(
      await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } }),
    ).readQuantities([{ listingId: listing.id, externalSku: listing.externalSku, externalId: listing.externalId }])
    expect(readBack[0].quantity).toBe(listing.desiredQuantity)
  })

  it('an event moves the channel quantity, which lands at the channel, and the explanation accounts for it', async () => {
    const before = await getAvailability(db, 'SKU-00001')
    const shopifyBefore = before.channels.find((c) => c.channel === 'shopify')!
    const r = await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'slice-1',
            type: 'receipt',
            sku: 'SKU-00001',
            location: 'DC-EAST',
            quantity: 50,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    expect(r.accepted).toBe(1)
    // Read-your-writes: the position moved before the call returned.
    const east = (await getAvailability(db, 'SKU-00001')).locations.find((l) => l.location === 'DC-EAST')!
    expect(east.onHand).toBe(before.locations.find((l) => l.location === 'DC-EAST')!.onHand + 50)

    await drainRecompute()
    await drainPublishAndVerify()
    const after = await getAvailability(db, 'SKU-00001')
    const shopify = after.channels.find((c) => c.channel === 'shopify')!
    expect(shopify.desired).toBe(shopifyBefore.desired! + 50)
    expect(shopify.desiredVersion).toBe(shopifyBefore.desiredVersion + 1)
    expect(shopify).toMatchObject({
      published: shopify.desired,
      publishedVersion: shopify.desiredVersion,
      applied: shopify.desired,
    })

    const explain = await explainAvailability(db, 'SKU-00001', 'shopify')
    expect(explain.result).toBe(shopify.desired)
    expect(explain.ruleVersions).toEqual(['rs-0001'])
    expect(explain.steps.at(-1)).toMatchObject({ step: 'result', quantity: shopify.desired })
    const ev = await db.ledgerEvent.findFirstOrThrow({ where: { source: 'erp-demo', idempotencyKey: 'slice-1' } })
    expect(explain.events).toContain(ev.id.toString())

    // The lag from event received to applied was measured for the channel.
    const lag = await db.lagMinute.aggregate({
      _sum: { count: true },
      where: { channelId: (await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })).id },
    })
    expect(lag._sum.count ?? 0).toBeGreaterThan(0)
  })
})
