// Test data through the real schema (no mocks): small builders with sensible defaults.
import type { PrismaClient } from '@prisma/client'
import { createApiKey } from '../../server/auth/api-keys'
import { DEFAULT_RULES, RuleSetSchema, type RuleSet } from '../../server/rules/rules.schema'
import { ruleVersionId } from '../../server/rules/rule-set.repository'

let n = 0
const next = () => ++n

export async function makeLocation(db: PrismaClient, code = `LOC-${next()}`) {
  return db.location.create({ data: { code, name: code } })
}

export async function makeSku(
  db: PrismaClient,
  code = `SKU-T${next()}`,
  extra: { category?: string; isKit?: boolean; priceCents?: number } = {},
) {
  return db.sku.create({
    data: {
      code,
      name: code,
      category: extra.category ?? 'toys',
      isKit: extra.isKit ?? false,
      priceCents: extra.priceCents ?? 1000,
    },
  })
}

export async function makeChannel(
  db: PrismaClient,
  code: string,
  extra: {
    kind?: string
    baseUrl?: string
    mode?: 'live' | 'shadow'
    credentialsEnc?: string | null
    settings?: Record<string, unknown>
    ratePerSecond?: number
    rateBurst?: number
  } = {},
) {
  return db.channel.create({
    data: {
      code,
      name: code,
      kind: extra.kind ?? code,
      mode: extra.mode ?? 'live',
      credentialsEnc: extra.credentialsEnc ?? null,
      settings: {
        baseUrl: extra.baseUrl ?? 'http://127.0.0.1:1',
        verifyAfterSeconds: 1,
        verifySlaSeconds: 60,
        ...(extra.settings ?? {}),
      },
      ratePerSecond: extra.ratePerSecond ?? 100,
      rateBurst: extra.rateBurst ?? 100,
      rateTokens: extra.rateBurst ?? 100,
    },
  })
}

export async function makeListing(
  db: PrismaClient,
  channelId: string,
  skuId: string,
  externalSku: string,
  externalId: string | null = null,
) {
  return db.channelListing.create({ data: { channelId, skuId, externalSku, externalId } })
}

/** A SKU and its listing `${externalPrefix}-${code}` on a channel, for each code. */
export async function makeListedSkus(
  db: PrismaClient,
  channelId: string,
  externalPrefix: string,
  codes: readonly string[],
  extra: Parameters<typeof makeSku>[2] = {},
) {
  for (const code of codes) {
    const sku = await makeSku(db, code, extra)
    await makeListing(db, channelId, sku.id, `${externalPrefix}-${code}`)
  }
}

/**
 * One channel, no safety stock, fulfilling from DC-WEST first and then DC-EAST (both created), that
 * lists each of `codes` at 25.00: where the order tests start.
 */
export async function makeTwoWarehouseChannel(
  db: PrismaClient,
  channel: string,
  externalPrefix: string,
  codes: readonly string[],
) {
  await saveRules(
    db,
    RuleSetSchema.parse({
      defaults: { safetyStock: { units: 0 } },
      channels: { [channel]: { priority: 1, share: { type: 'shared' }, locations: ['DC-WEST', 'DC-EAST'] } },
    }),
  )
  await makeLocation(db, 'DC-EAST')
  await makeLocation(db, 'DC-WEST')
  const ch = await makeChannel(db, channel)
  await makeListedSkus(db, ch.id, externalPrefix, codes, { priceCents: 2500 })
  return ch
}

export async function saveRules(db: PrismaClient, rules: RuleSet = DEFAULT_RULES, number = 1) {
  return db.ruleSetVersion.create({
    data: {
      id: ruleVersionId(number),
      number,
      rules,
      comment: 'test',
      effectiveFrom: new Date(0),
      activatedAt: new Date(0),
    },
  })
}

export async function makeApiKey(db: PrismaClient, scopes: string[] = ['ingest:erp', 'read']) {
  return (await createApiKey(db, { name: 'test', scopes })).key
}

export function receipt(
  key: string,
  sku: string,
  location: string,
  quantity: number,
  extra: Record<string, unknown> = {},
) {
  return { idempotencyKey: key, type: 'receipt', sku, location, quantity, occurredAt: '2026-11-22T10:00:00Z', ...extra }
}
