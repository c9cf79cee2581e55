// The demo data set (docs/api.md "Demo mode"): stable codes scripts rely on. Seeded once; every
// start re-points the simulated channels at this run's simulator ports and ensures the demo users
// and key. Opening stock is booked as `count` events through the real ledger, so every number in
// the demo is explainable down to events.
import { demoShopifyInventoryItemGid } from './demo-ids'
import type { PrismaClient, Prisma } from '@prisma/client'
import { hashPassword } from '../auth/passwords'
import { createApiKey, hashApiKey } from '../auth/api-keys'
import { encryptCredentials } from '../channels/credentials'
import { DEFAULT_RULES } from '../rules/rules.schema'
import { ruleVersionId } from '../rules/rule-set.repository'
import { applyEventBatch } from '../ingest/ingest-events'
import { finishInboundMessage, storeInboundMessage } from '../ingest/inbound-message.repository'
import { ROLES } from '../auth/permissions'

export const DEMO_SOURCE = 'erp-demo'
export const DEMO_PASSWORD = 'stocktower-demo'
export const DEMO_LOCATIONS = [
  { code: 'DC-EAST', name: 'East distribution centre', kind: 'dc' },
  { code: 'DC-WEST', name: 'West distribution centre', kind: 'dc' },
  { code: '3PL-CENTRAL', name: 'Central 3PL warehouse', kind: '3pl' },
] as const
export const DEMO_CHANNELS = ['shopify', 'amazon', 'walmart', 'b2b'] as const
export const DEMO_KIT_COUNT = 50
const CATEGORIES = ['apparel', 'electronics', 'home', 'outdoor', 'toys', 'grocery']

export const demoSkuCode = (n: number) => `SKU-${String(n).padStart(5, '0')}`
export const demoKitCode = (n: number) => `KIT-${String(n).padStart(4, '0')}`

export interface SimulatorUrls {
  shopify: string
  amazon: string
  walmart: string
  b2b: string
}

export interface SeedOptions {
  skuCount: number
  simulatorUrls: SimulatorUrls
  demoApiKey: string
  b2bSigningSecret: string
  /** The demo Shopify app's API secret (signs the simulator's order webhooks); a fixed demo value when absent. */
  shopifyWebhookSecret?: string
  log?: (line: string) => void
}

/** The demo Shopify app secret when none is given (tests; `npm start` generates one per data folder). */
export const DEMO_SHOPIFY_WEBHOOK_SECRET = 'shpss_demo_webhook_secret'

/** Deterministic pseudo-random stream, so every demo starts from the same stock. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

interface ChannelDefinition {
  name: string
  kind: string
  ratePerSecond: number
  rateBurst: number
  settings: Record<string, unknown> & { baseUrl: string }
  credentials: Record<string, string>
}

function channelDefinition(
  code: (typeof DEMO_CHANNELS)[number],
  urls: SimulatorUrls,
  b2bSecret: string,
  shopifyWebhookSecret: string = DEMO_SHOPIFY_WEBHOOK_SECRET,
): ChannelDefinition {
  const common = { simulated: true, verifyAfterSeconds: 2, verifySlaSeconds: 60 }
  switch (code) {
    case 'shopify':
      return {
        name: 'Shopify store',
        kind: 'shopify',
        ratePerSecond: 20,
        rateBurst: 20,
        settings: { ...common, baseUrl: urls.shopify, locationId: 'gid://shopify/Location/1' },
        credentials: { accessToken: 'shpat_demo', webhookSecret: shopifyWebhookSecret },
      }
    case 'amazon':
      // What Amazon issues: an LWA app (client id + secret) and the seller's refresh token; the
      // simulator serves Login with Amazon's token endpoint on its own host.
      return {
        name: 'Amazon US',
        kind: 'amazon',
        ratePerSecond: 150,
        rateBurst: 150,
        settings: {
          ...common,
          baseUrl: urls.amazon,
          lwaTokenUrl: `${urls.amazon}/auth/o2/token`,
          sellerId: 'A1DEMOSELLER',
          marketplaceId: 'ATVPDKIKX0DER',
          productType: 'PRODUCT',
        },
        credentials: {
          clientId: 'amzn1.application-oa2-client.demo',
          clientSecret: 'demo-lwa-client-secret',
          refreshToken: 'Atzr|demo-refresh-token',
        },
      }
    case 'walmart':
      // What Walmart issues: a client id and secret, exchanged at POST /v3/token for 900 s tokens.
      return {
        name: 'Walmart Marketplace',
        kind: 'walmart',
        ratePerSecond: 150,
        rateBurst: 150,
        settings: { ...common, baseUrl: urls.walmart },
        credentials: { clientId: 'demo-walmart-client-id', clientSecret: 'demo-walmart-client-secret' },
      }
    case 'b2b':
      return {
        name: 'B2B portal',
        kind: 'b2b',
        ratePerSecond: 20,
        rateBurst: 20,
        settings: { ...common, baseUrl: urls.b2b, webhookPath: '/webhooks/inventory' },
        credentials: { signingSecret: b2bSecret },
      }
  }
}

export function externalSkuFor(channel: string, skuCode: string): string {
  if (channel === 'amazon') return `AMZ-${skuCode}`
  if (channel === 'walmart') return `WM-${skuCode}`
  return skuCode
}

export async function isDemoSeeded(db: PrismaClient): Promise<boolean> {
  return (await db.systemState.findUnique({ where: { key: 'demo.seeded' } })) !== null
}

/** Things every start must (re)assert, seeded or not. */
export async function ensureDemoAccess(
  db: PrismaClient,
  opts: Pick<SeedOptions, 'demoApiKey' | 'simulatorUrls' | 'b2bSigningSecret' | 'shopifyWebhookSecret'>,
): Promise<void> {
  const hash = await hashPassword(DEMO_PASSWORD)
  for (const role of ROLES) {
    await db.user.upsert({
      where: { email: `${role}@example.com` },
      create: { email: `${role}@example.com`, name: `Demo ${role}`, role, passwordHash: hash },
      update: {},
    })
  }
  const existing = await db.apiKey.findUnique({ where: { secretHash: hashApiKey(opts.demoApiKey) } })
  if (!existing)
    await createApiKey(db, {
      name: 'Demo key (all scopes)',
      key: opts.demoApiKey,
      scopes: ['ingest:erp', 'ingest:channel:*', 'read', 'rules:write', 'catalog:write'],
    })
  for (const code of DEMO_CHANNELS) {
    const def = channelDefinition(code, opts.simulatorUrls, opts.b2bSigningSecret, opts.shopifyWebhookSecret)
    const ch = await db.channel.findUnique({ where: { code } })
    if (!ch) continue
    const settings = (ch.settings ?? {}) as Record<string, unknown>
    // Only channels still pointing at the simulator follow its ports; an operator's URL is kept.
    // The simulator's URLs (API and token endpoint) follow its ports.
    const followed = {
      baseUrl: def.settings.baseUrl,
      ...(typeof def.settings.lwaTokenUrl === 'string' ? { lwaTokenUrl: def.settings.lwaTokenUrl } : {}),
    }
    if (settings.simulated)
      await db.channel.update({
        where: { code },
        data: { settings: { ...settings, ...followed }, credentialsEnc: encryptCredentials(def.credentials) },
      })
  }
}

export async function seedDemo(db: PrismaClient, opts: SeedOptions): Promise<{ seeded: boolean }> {
  const log = opts.log ?? (() => {})
  if (await isDemoSeeded(db)) {
    await ensureDemoAccess(db, opts)
    return { seeded: false }
  }
  const started = Date.now()
  await seedLocationsAndChannels(db, opts)
  await ensureDemoAccess(db, opts)
  await seedSkus(db, opts.skuCount)
  // One seeded sequence for kits, then opening stock: the same demo every time.
  const rand = prng(20261122)
  await seedKits(db, opts.skuCount, rand)
  await seedListings(db)
  await seedRuleSet(db)
  const at = new Date().toISOString()
  const counts = await seedOpeningStock(db, rand, at)
  await db.systemState.upsert({
    where: { key: 'demo.seeded' },
    create: { key: 'demo.seeded', value: { at, skus: opts.skuCount, kits: DEMO_KIT_COUNT } },
    update: {},
  })
  log(
    `[demo] seeded ${opts.skuCount} SKUs, ${DEMO_KIT_COUNT} kits, ${DEMO_CHANNELS.length} channels, ${counts} opening counts in ${Date.now() - started} ms`,
  )
  return { seeded: true }
}

async function seedLocationsAndChannels(db: PrismaClient, opts: SeedOptions): Promise<void> {
  for (const l of DEMO_LOCATIONS) await db.location.upsert({ where: { code: l.code }, create: l, update: {} })
  for (const code of DEMO_CHANNELS) {
    const def = channelDefinition(code, opts.simulatorUrls, opts.b2bSigningSecret, opts.shopifyWebhookSecret)
    await db.channel.upsert({
      where: { code },
      create: {
        code,
        name: def.name,
        kind: def.kind,
        mode: 'live',
        settings: def.settings as Prisma.InputJsonObject,
        credentialsEnc: encryptCredentials(def.credentials),
        ratePerSecond: def.ratePerSecond,
        rateBurst: def.rateBurst,
        rateTokens: def.rateBurst,
      },
      update: {},
    })
  }
}

async function seedSkus(db: PrismaClient, skuCount: number): Promise<void> {
  // SKUs in one statement. The codes match demoSkuCode: lpad alone would cut SKU-100000 to SKU-10000.
  await db.$executeRawUnsafe(
    `INSERT INTO "Sku"(id, code, name, category, "baseUom", "unitCostCents", "priceCents", "updatedAt")
     SELECT gen_random_uuid(), 'SKU-' || lpad(n::text, GREATEST(5, length(n::text)), '0'), 'Demo product ' || n, ($2::text[])[1 + (n % array_length($2::text[], 1))], 'EA',
            500 + (n * 37) % 9500, 1000 + (n * 53) % 19000, now()
       FROM generate_series(1, $1::int) AS n
     ON CONFLICT (code) DO NOTHING`,
    skuCount,
    CATEGORIES,
  )
  // Cases of 12 for every tenth SKU, and the ERP's own item numbers as aliases.
  await db.$executeRawUnsafe(
    `INSERT INTO "UnitOfMeasure"("skuId", uom, factor) SELECT id, 'CASE', 12 FROM "Sku" WHERE code LIKE 'SKU-%' AND substring(code from 5)::int % 10 = 0 ON CONFLICT DO NOTHING`,
  )
  await db.$executeRawUnsafe(
    `INSERT INTO "SkuAlias"(id, scope, alias, "skuId") SELECT gen_random_uuid(), $1, 'ERP-' || substring(code from 5), id FROM "Sku" WHERE code LIKE 'SKU-%' ON CONFLICT DO NOTHING`,
    DEMO_SOURCE,
  )
}

/** Kits built from the first SKUs. */
async function seedKits(db: PrismaClient, skuCount: number, rand: () => number): Promise<void> {
  const skuIds = await db.sku.findMany({
    where: { isKit: false },
    select: { id: true, code: true },
    orderBy: { code: 'asc' },
    take: Math.min(skuCount, 400),
  })
  for (let k = 1; k <= DEMO_KIT_COUNT; k++) {
    const kit = await db.sku.upsert({
      where: { code: demoKitCode(k) },
      create: { code: demoKitCode(k), name: `Demo bundle ${k}`, category: 'bundles', isKit: true, priceCents: 4999 },
      update: {},
    })
    const count = 2 + (k % 2)
    const picked = new Set<number>()
    while (picked.size < count) picked.add(Math.floor(rand() * skuIds.length))
    for (const i of picked) {
      await db.kitComponent.upsert({
        where: { kitSkuId_componentSkuId: { kitSkuId: kit.id, componentSkuId: skuIds[i].id } },
        create: { kitSkuId: kit.id, componentSkuId: skuIds[i].id, quantity: 1 + Math.floor(rand() * 2) },
        update: {},
      })
    }
  }
}

async function seedListings(db: PrismaClient): Promise<void> {
  // Every SKU and kit listed on every channel.
  // Shopify listings carry the store's inventory item id (the demo store's ids: demo-ids.ts).
  const codes = (await db.sku.findMany({ select: { code: true } })).map((s) => s.code)
  const gids = codes.map(demoShopifyInventoryItemGid)
  for (const code of DEMO_CHANNELS) {
    await db.$executeRawUnsafe(
      `INSERT INTO "ChannelListing"(id, "channelId", "skuId", "externalSku", "externalId")
       SELECT gen_random_uuid(), c.id, s.id,
              CASE c.code WHEN 'amazon' THEN 'AMZ-' || s.code WHEN 'walmart' THEN 'WM-' || s.code ELSE s.code END,
              CASE c.code WHEN 'shopify' THEN g.gid ELSE NULL END
         FROM "Sku" s CROSS JOIN "Channel" c
         JOIN unnest($2::text[], $3::text[]) AS g(code, gid) ON g.code = s.code
        WHERE c.code = $1
       ON CONFLICT DO NOTHING`,
      code,
      codes,
      gids,
    )
  }
  // Demo databases seeded before the ids were shared numbered them 1000001...: move them over.
  await db.$executeRawUnsafe(
    `UPDATE "ChannelListing" l SET "externalId" = g.gid
       FROM "Channel" c, unnest($1::text[], $2::text[]) AS g(code, gid)
      WHERE c.id = l."channelId" AND c.code = 'shopify' AND l."externalSku" = g.code
        AND l."externalId" ~ '^gid://shopify/InventoryItem/1[0-9]{6}$'`,
    codes,
    gids,
  )
}

async function seedRuleSet(db: PrismaClient): Promise<void> {
  await db.ruleSetVersion.upsert({
    where: { id: ruleVersionId(1) },
    create: {
      id: ruleVersionId(1),
      number: 1,
      rules: DEFAULT_RULES,
      comment: 'Demo default rule set',
      authorLabel: 'system',
      effectiveFrom: new Date(0),
      activatedAt: new Date(),
    },
    update: {},
  })
}

/** Opening stock through the ledger, in 5,000-event batches; returns the number of counts. */
async function seedOpeningStock(db: PrismaClient, rand: () => number, at: string): Promise<number> {
  const skus = await db.sku.findMany({ where: { isKit: false }, select: { code: true }, orderBy: { code: 'asc' } })
  const events: unknown[] = []
  for (const s of skus) {
    for (const l of DEMO_LOCATIONS) {
      const r = rand()
      // Some SKUs are out of stock somewhere, a few are scarce, most are healthy.
      const q = r < 0.08 ? 0 : r < 0.2 ? Math.floor(rand() * 8) : 20 + Math.floor(rand() * 180)
      events.push({
        idempotencyKey: `seed:count:${s.code}:${l.code}`,
        type: 'count',
        sku: s.code,
        location: l.code,
        quantity: q,
        occurredAt: at,
        reference: 'opening stock',
      })
    }
  }
  for (let i = 0; i < events.length; i += 5000) {
    const rawEvents = events.slice(i, i + 5000)
    const receivedAt = new Date()
    const messageId = await storeInboundMessage(db, {
      source: DEMO_SOURCE,
      kind: 'events',
      transport: 'seed',
      body: JSON.stringify({ source: DEMO_SOURCE, events: rawEvents }),
      receivedAt,
    })
    const r = await applyEventBatch(db, { source: DEMO_SOURCE, rawEvents, messageId, receivedAt })
    await finishInboundMessage(db, messageId, {
      status: 'processed',
      accepted: r.accepted,
      duplicates: r.duplicates,
      rejected: r.rejected.length,
    })
  }
  return events.length
}

/** The seller SKUs the demo lists on a channel (the simulators create these listings at start). */
export function demoExternalSkus(channel: string, skuCount: number): string[] {
  const codes = [
    ...Array.from({ length: skuCount }, (_, i) => demoSkuCode(i + 1)),
    ...Array.from({ length: DEMO_KIT_COUNT }, (_, i) => demoKitCode(i + 1)),
  ]
  return codes.map((c) => externalSkuFor(channel, c))
}
