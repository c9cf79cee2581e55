// The demo world wired to running marketplace simulators over real HTTP: where the slice, drift and
// publishing tests start, and the loop that brings it to rest (recompute, publish, apply, verify).
import crypto from 'node:crypto'
import type { PrismaClient } from '@prisma/client'
import { startSimulators, type RunningSimulators, type StartSimulatorsOptions } from '../../../simulators'
import { demoExternalSkus, seedDemo } from '../../../server/demo/seed-demo'
import { publishChannel } from '../../../server/publishing/publish-channel'
import { verifyChannel } from '../../../server/publishing/verify-channel'
import { connectorForChannel } from '../../../server/channels/connector-for-channel'
import { recomputeAll } from './availability'

type Kind = keyof RunningSimulators['sims']
const ALL_KINDS: readonly Kind[] = ['shopify', 'amazon', 'walmart', 'b2b']
/** The B2B portal's signing secret the simulated demo uses (the B2B channel's credential). */
export const SIMULATED_B2B_SECRET = 'b2b-secret'

/**
 * Starts the four simulators (demo plan, PRNG `seed`), lists the first `skuCount` demo SKUs at
 * `listedQuantity` (0 by default) on the simulators named in `listedOn` (all four by default), and
 * seeds the demo world pointed at them.
 */
export async function seedDemoOnSimulators(
  db: PrismaClient,
  options: {
    skuCount: number
    seed: number
    listedOn?: readonly Kind[]
    /** What each listing shows buyers at start (a test whose buyers buy before anything is published). */
    listedQuantity?: number
    overrides?: StartSimulatorsOptions['overrides']
    demoApiKey?: string
    shopifyWebhookSecret?: string
  },
): Promise<RunningSimulators> {
  const sims = await startSimulators({
    plan: 'demo',
    b2bSecret: SIMULATED_B2B_SECRET,
    seed: options.seed,
    overrides: options.overrides,
  })
  for (const kind of options.listedOn ?? ALL_KINDS)
    sims.sims[kind].seed(demoExternalSkus(kind, options.skuCount), options.listedQuantity ?? 0)
  await seedDemo(db, {
    skuCount: options.skuCount,
    simulatorUrls: sims.urls,
    demoApiKey: options.demoApiKey ?? `st_demo_${crypto.randomBytes(8).toString('hex')}`,
    b2bSigningSecret: SIMULATED_B2B_SECRET,
    shopifyWebhookSecret: options.shopifyWebhookSecret,
  })
  return sims
}

/** Per-listing calls only: the bulk (feed) path has its own tests (publish-feed.int.test.ts). */
export async function publishPerListing(db: PrismaClient): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE "Channel" SET settings = settings || '{"bulkThreshold": 1000000}'::jsonb`)
}

/**
 * Recompute, publish (at most 20 runs a channel), apply on the simulators and verify by read-back,
 * until nothing is left to do. `refillRate` gives every channel a full rate budget first.
 */
export async function settleOnSimulators(
  db: PrismaClient,
  sims: RunningSimulators,
  options: { refillRate?: boolean } = {},
): Promise<void> {
  const deps = { connectorFor: connectorForChannel }
  await recomputeAll(db)
  for (const c of await db.channel.findMany()) {
    if (options.refillRate)
      await db.channel.update({ where: { id: c.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
    for (let i = 0; i < 20; i++) {
      const r = await publishChannel(db, c.id, deps)
      if (r.claimed === 0) break
    }
  }
  for (const s of Object.values(sims.sims)) s.applyNow()
  for (const c of await db.channel.findMany()) await verifyChannel(db, c.id, deps)
}
