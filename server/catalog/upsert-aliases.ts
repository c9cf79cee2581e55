// Aliases: a source's or channel's own name for a SKU or a location. Ingest resolves a name as
// (resolve-catalog.ts): an alias in the message's scope, else the canonical code, else a `*` alias.
// So a scoped alias may redirect one source's name, and a `*` alias only ever fills gaps.
// Aliases change how future messages are read, not any quantity: they trigger no recompute.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { LocationAliasInputSchema, SkuAliasInputSchema, csvText, type LocationAliasInput, type SkuAliasInput } from './catalog.schema'
import { problem, type CatalogEntity, type ItemProblem, type ParsedItem, type PlannedItem } from './catalog-plan'

export interface SkuAliasRecord { scope: string; alias: string; sku: string }
export interface LocationAliasRecord { scope: string; alias: string; location: string }

export const aliasKey = (scope: string, alias: string) => `${scope}/${alias}`

/** `channel:<code>` scopes must name a channel; source scopes are free (sources need not be registered). */
async function checkScopes(db: Db, scopes: string[]): Promise<(scope: string) => ItemProblem | null> {
  const channelCodes = [...new Set(scopes.filter((s) => s.startsWith('channel:')).map((s) => s.slice('channel:'.length)))]
  const known = new Set(channelCodes.length ? (await db.channel.findMany({ where: { code: { in: channelCodes } }, select: { code: true } })).map((c) => c.code) : [])
  return (scope) => {
    if (!scope.startsWith('channel:')) return null
    const code = scope.slice('channel:'.length)
    return known.has(code) ? null : problem('scope', 'UNKNOWN_CHANNEL', `scope ${scope} names no channel; use channel:<an existing channel code>, a source code, or *`)
  }
}

async function loadAliases(db: Db, table: 'SkuAlias' | 'LocationAlias', pairs: Array<{ scope: string; alias: string }>): Promise<Map<string, string>> {
  const target = table === 'SkuAlias' ? `(SELECT code FROM "Sku" WHERE id = a."skuId")` : `(SELECT code FROM "Location" WHERE id = a."locationId")`
  const rows = await db.$queryRawUnsafe<Array<{ scope: string; alias: string; target: string }>>(
    `SELECT a.scope, a.alias, ${target} AS target FROM "${table}" a JOIN unnest($1::text[], $2::text[]) AS k(s, al) ON a.scope = k.s AND a.alias = k.al`,
    pairs.map((p) => p.scope), pairs.map((p) => p.alias))
  return new Map(rows.map((r) => [aliasKey(r.scope, r.alias), r.target]))
}

async function planSkuAliases(db: Db, items: ParsedItem<SkuAliasInput>[]): Promise<PlannedItem<SkuAliasRecord>[]> {
  const existing = await loadAliases(db, 'SkuAlias', items.map((i) => i.input))
  const names = [...new Set(items.flatMap((i) => [i.input.sku, i.input.alias]))]
  const skuCodes = new Set((await db.sku.findMany({ where: { code: { in: names } }, select: { code: true } })).map((s) => s.code))
  const scopeProblem = await checkScopes(db, items.map((i) => i.input.scope))
  return items.map(({ index, line, input }) => {
    const key = aliasKey(input.scope, input.alias)
    const problems: ItemProblem[] = []
    const sp = scopeProblem(input.scope)
    if (sp) problems.push(sp)
    if (!skuCodes.has(input.sku)) problems.push(problem('sku', 'UNKNOWN_SKU', `unknown SKU ${input.sku}; create it first (POST /api/v1/catalog/skus) or fix the code`))
    if (input.scope === '*' && skuCodes.has(input.alias)) problems.push(problem('alias', 'ALIAS_SHADOWED', `"${input.alias}" is a SKU code, and a code always wins over a * alias, so this alias would never apply; scope it to the source that uses the name`))
    const before = existing.has(key) ? { scope: input.scope, alias: input.alias, sku: existing.get(key)! } : null
    return { index, line, key, before, after: problems.length ? null : { scope: input.scope, alias: input.alias, sku: input.sku }, problems }
  })
}

async function planLocationAliases(db: Db, items: ParsedItem<LocationAliasInput>[]): Promise<PlannedItem<LocationAliasRecord>[]> {
  const existing = await loadAliases(db, 'LocationAlias', items.map((i) => i.input))
  const names = [...new Set(items.flatMap((i) => [i.input.location, i.input.alias]))]
  const locations = new Set((await db.location.findMany({ where: { code: { in: names } }, select: { code: true } })).map((l) => l.code))
  const scopeProblem = await checkScopes(db, items.map((i) => i.input.scope))
  return items.map(({ index, line, input }) => {
    const key = aliasKey(input.scope, input.alias)
    const problems: ItemProblem[] = []
    const sp = scopeProblem(input.scope)
    if (sp) problems.push(sp)
    if (!locations.has(input.location)) problems.push(problem('location', 'UNKNOWN_LOCATION', `unknown location ${input.location}; create it first (POST /api/v1/catalog/locations) or fix the code`))
    if (input.scope === '*' && locations.has(input.alias)) problems.push(problem('alias', 'ALIAS_SHADOWED', `"${input.alias}" is a location code, and a code always wins over a * alias, so this alias would never apply; scope it to the source that uses the name`))
    const before = existing.has(key) ? { scope: input.scope, alias: input.alias, location: existing.get(key)! } : null
    return { index, line, key, before, after: problems.length ? null : { scope: input.scope, alias: input.alias, location: input.location }, problems }
  })
}

async function applySkuAliases(tx: Prisma.TransactionClient, items: Array<PlannedItem<SkuAliasRecord> & { after: SkuAliasRecord }>) {
  const rows = items.map((i) => i.after)
  await tx.$executeRawUnsafe(
    `INSERT INTO "SkuAlias"(id, scope, alias, "skuId")
     SELECT gen_random_uuid(), x.sc, x.al, s.id FROM unnest($1::text[], $2::text[], $3::text[]) AS x(sc, al, code) JOIN "Sku" s ON s.code = x.code
     ON CONFLICT (scope, alias) DO UPDATE SET "skuId" = EXCLUDED."skuId"`,
    rows.map((r) => r.scope), rows.map((r) => r.alias), rows.map((r) => r.sku))
  return { dirtySkuIds: [] }
}

async function applyLocationAliases(tx: Prisma.TransactionClient, items: Array<PlannedItem<LocationAliasRecord> & { after: LocationAliasRecord }>) {
  const rows = items.map((i) => i.after)
  await tx.$executeRawUnsafe(
    `INSERT INTO "LocationAlias"(id, scope, alias, "locationId")
     SELECT gen_random_uuid(), x.sc, x.al, l.id FROM unnest($1::text[], $2::text[], $3::text[]) AS x(sc, al, code) JOIN "Location" l ON l.code = x.code
     ON CONFLICT (scope, alias) DO UPDATE SET "locationId" = EXCLUDED."locationId"`,
    rows.map((r) => r.scope), rows.map((r) => r.alias), rows.map((r) => r.location))
  return { dirtySkuIds: [] }
}

const rawAliasKey = (raw: Record<string, unknown>) => aliasKey(String(raw.scope ?? ''), String(raw.alias ?? ''))

export const skuAliasEntity: CatalogEntity<SkuAliasInput, SkuAliasRecord> = {
  name: 'sku-aliases',
  auditEntity: 'sku_alias',
  schema: SkuAliasInputSchema,
  fields: ['scope', 'alias', 'sku'],
  // SkuAlias has no unit column yet (see the report): say where a unit goes instead of dropping it.
  unknownFieldHints: { uom: 'an alias cannot carry a unit of measure: send "uom" on each event, and define the unit\'s factor with POST /api/v1/catalog/units' },
  rawKey: rawAliasKey,
  key: (i) => aliasKey(i.scope, i.alias),
  plan: planSkuAliases,
  apply: applySkuAliases,
  csv: {
    required: ['scope', 'alias', 'sku'],
    allowed: ['scope', 'alias', 'sku'],
    columnOf: (f) => f,
    toRaw: (v) => ({ scope: csvText(v.scope), alias: csvText(v.alias), sku: csvText(v.sku) }),
  },
}

export const locationAliasEntity: CatalogEntity<LocationAliasInput, LocationAliasRecord> = {
  name: 'location-aliases',
  auditEntity: 'location_alias',
  schema: LocationAliasInputSchema,
  fields: ['scope', 'alias', 'location'],
  rawKey: rawAliasKey,
  key: (i) => aliasKey(i.scope, i.alias),
  plan: planLocationAliases,
  apply: applyLocationAliases,
  csv: {
    required: ['scope', 'alias', 'location'],
    allowed: ['scope', 'alias', 'location'],
    columnOf: (f) => f,
    toRaw: (v) => ({ scope: csvText(v.scope), alias: csvText(v.alias), location: csvText(v.location) }),
  },
}
