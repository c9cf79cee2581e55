// Shopify multi-location: a store with two locations, each published with its own number. Each
// Shopify location is a Stocktower channel (settings.locationId) whose rules' eligible locations
// are the warehouses mapped to it (DC-EAST -> Location/1, DC-WEST -> Location/2), so each number
// is decided and explained from those warehouses only, published with its own compare-and-set,
// and read back at its own location. A receipt at DC-WEST moves Location/2 only.
import crypto from 'node:crypto'
import type { PrismaClient } from '@prisma/client'
import { afterAll, describe, expect, it } from 'vitest'
import type { Actor } from '../../server/audit/record-audit'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { encryptCredentials } from '../../server/channels/credentials'
import { seedDemo } from '../../server/demo/seed-demo'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { publishChannel } from '../../server/publishing/publish-channel'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { startSimulators, type RunningSimulators } from '../../simulators'
import { shopifyInventoryItemGid } from '../../simulators/shopify'
import { makeChannel, makeListing } from '../support/factories'
import { useTestDatabase } from './helpers/test-db'

let db: PrismaClient
let sims: RunningSimulators
const SKUS = 8
const EAST = 'gid://shopify/Location/1'
const WEST = 'gid://shopify/Location/2'
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }
const deps = { connectorFor: connectorForChannel, now: () => new Date() }
const channelIds: Record<string, string> = {}

async function drain() {
  for (;;) {
    const r = await recomputeDirtyAvailability(db, { batchSize: 50 })
    if (r.processed === 0) break
  }
  for (const id of Object.values(channelIds))
    for (let i = 0; i < 20; i++) {
      const r = await publishChannel(db, id, deps)
      if (r.claimed === 0) break
    }
}

useTestDatabase(
  async (created) => {
    db = created
    sims = await startSimulators({
      plan: 'demo',
      b2bSecret: 's',
      seed: 51,
      overrides: { shopify: { latencyMs: 0, locations: [EAST, WEST] } },
    })
    await seedDemo(db, {
      skuCount: SKUS,
      simulatorUrls: sims.urls,
      demoApiKey: `st_demo_${crypto.randomBytes(8).toString('hex')}`,
      b2bSigningSecret: 's',
    })
    // The store's two locations, each a channel mapped to one of our warehouses by its rules.
    for (const [code, locationId] of [
      ['shopify-east', EAST],
      ['shopify-west', WEST],
    ] as const) {
      const channel = await makeChannel(db, code, {
        kind: 'shopify',
        baseUrl: sims.urls.shopify,
        credentialsEnc: encryptCredentials({ accessToken: 'shpat_demo' }),
        settings: { locationId, apiVersion: '2026-04' },
      })
      channelIds[code] = channel.id
      for (const sku of await db.sku.findMany({ where: { isKit: false, code: { startsWith: 'SKU-' } } }))
        await makeListing(db, channel.id, sku.id, sku.code, shopifyInventoryItemGid(sku.code))
    }
    const current = await getCurrentRuleSet(db)
    const rules = structuredClone(current.rules) as { channels: Record<string, unknown> }
    rules.channels['shopify-east'] = { priority: 21, share: { type: 'shared' }, zeroBelow: 0, locations: ['DC-EAST'] }
    rules.channels['shopify-west'] = { priority: 22, share: { type: 'shared' }, zeroBelow: 0, locations: ['DC-WEST'] }
    await saveRuleSet(db, merch, { rules, comment: 'Shopify locations: DC-EAST -> Location/1, DC-WEST -> Location/2' })
    await drain()
  },
  { timeoutMs: 120_000 },
)
afterAll(async () => {
  await sims?.close()
})

const listing = (code: string, sku: string) =>
  db.channelListing.findFirstOrThrow({ where: { channelId: channelIds[code], sku: { code: sku } } })

describe('Shopify multi-location', () => {
  it('each Shopify location holds its own number, decided from the warehouses mapped to it', async () => {
    for (let n = 1; n <= SKUS; n++) {
      const sku = `SKU-0000${n}`
      const [east, west] = [await listing('shopify-east', sku), await listing('shopify-west', sku)]
      expect(east.appliedVersion, sku).toBe(east.desiredVersion)
      expect(west.appliedVersion, sku).toBe(west.desiredVersion)
      expect(sims.sims.shopify.quantityOfItem(shopifyInventoryItemGid(sku), EAST), sku).toBe(east.desiredQuantity)
      expect(sims.sims.shopify.quantityOfItem(shopifyInventoryItemGid(sku), WEST), sku).toBe(west.desiredQuantity)
    }
    // Read-back asks each location for its own level.
    const east = await listing('shopify-east', 'SKU-00001')
    const back = await connectorForChannel(
      await db.channel.findUniqueOrThrow({ where: { id: channelIds['shopify-east'] } }),
    ).readQuantities([{ listingId: east.id, externalSku: east.externalSku, externalId: east.externalId }])
    expect(back[0]!.quantity).toBe(east.desiredQuantity)
  })

  it('a receipt at DC-WEST moves Location/2 only, and the number is explained from DC-WEST', async () => {
    const [eastBefore, westBefore] = [
      await listing('shopify-east', 'SKU-00002'),
      await listing('shopify-west', 'SKU-00002'),
    ]
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `west-${crypto.randomUUID()}`,
            type: 'receipt',
            sku: 'SKU-00002',
            location: 'DC-WEST',
            quantity: 40,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    await drain()
    const [eastAfter, westAfter] = [
      await listing('shopify-east', 'SKU-00002'),
      await listing('shopify-west', 'SKU-00002'),
    ]
    expect(westAfter.desiredQuantity).toBe(westBefore.desiredQuantity! + 40)
    expect(eastAfter.desiredQuantity).toBe(eastBefore.desiredQuantity)
    expect(sims.sims.shopify.quantityOfItem(shopifyInventoryItemGid('SKU-00002'), WEST)).toBe(westAfter.desiredQuantity)
    expect(sims.sims.shopify.quantityOfItem(shopifyInventoryItemGid('SKU-00002'), EAST)).toBe(
      eastBefore.desiredQuantity,
    )
    const decision = await db.availabilityDecision.findUniqueOrThrow({ where: { id: westAfter.decisionId! } })
    const steps = JSON.stringify(decision.steps)
    expect(steps).toContain('DC-WEST')
    expect(steps).not.toContain('DC-EAST')
  })
})
