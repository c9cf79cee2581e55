// Aliases: a source's or channel's own name for a SKU or a location. Ingest resolves a name as
// (resolve-catalog.ts): an alias in the message's scope, else the canonical code, else a `*` alias.
// So a scoped alias may redirect one source's name, and a `*` alias only ever fills gaps.
// Aliases change how future messages are read, not any quantity: they trigger no recompute.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import {
  LocationAliasInputSchema,
  SkuAliasInputSchema,
  csvText,
  type LocationAliasInput,
  type SkuAliasInput,
} from './catalog.schema'
import { problem, type CatalogEntity, type ItemProblem, type ParsedItem, type PlannedItem } from './catalog-plan'

export interface SkuAliasRecord {
  scope: string
  alias: string
  sku: string
}
export interface LocationAliasRecord {
  scope: string
  alias: string
  location: string
}

export const aliasKey = (scope: string, alias: string) => `${scope}/${alias}`

/** `channel:<code>` scopes must name a channel; source scopes are free (sources need not be registered). */
async function checkScopes(db: Db, scopes: string[]): Promise<(scope: string) => ItemProblem | null> {
  const channelCodes = [
    ...new Set(scopes.filter((s) => s.startsWith('channel:')).map((s) => s.slice('channel:'.length))),
  ]
  const known = new Set(
    channelCodes.length
      ? (await db.channel.findMany({ where: { code: { in: channelCodes } }, select: { code: true } })).map(
          (c) => c.code,
        )
      : [],
  )
  return (scope) => {
    if (!scope.startsWith('channel:')) return null
    const code = scope.slice('channel:'.length)
    return known.has(code)
      ? null
      : problem(
          'scope',
          'UNKNOWN_CHANNEL',
          `scope ${scope} names no channel; use channel:<an existing channel code>, a source code, or *`,
        )
  }
}

/**
 * What tells SKU aliases and location aliases apart: the code an alias names (a SKU or a location),
 * the table the aliases live in and the column that points at the code's row. The rest, scopes,
 * shadowing, planning and the upsert, is the same for both and written once below.
 */
interface AliasKind<F extends 'sku' | 'location'> {
  field: F
  /** How messages name the code: `SKU`, `location`. */
  noun: string
  table: 'SkuAlias' | 'LocationAlias'
  targetTable: 'Sku' | 'Location'
  targetColumn: 'skuId' | 'locationId'
  unknownCode: 'UNKNOWN_SKU' | 'UNKNOWN_LOCATION'
  /** Where the code is created, for the UNKNOWN_* message. */
  createdBy: string
}
type AliasRecord<F extends 'sku' | 'location'> = { scope: string; alias: string } & Record<F, string>

const SKU_ALIASES: AliasKind<'sku'> = {
  field: 'sku',
  noun: 'SKU',
  table: 'SkuAlias',
  targetTable: 'Sku',
  targetColumn: 'skuId',
  unknownCode: 'UNKNOWN_SKU',
  createdBy: 'POST /api/v1/catalog/skus',
}
const LOCATION_ALIASES: AliasKind<'location'> = {
  field: 'location',
  noun: 'location',
  table: 'LocationAlias',
  targetTable: 'Location',
  targetColumn: 'locationId',
  unknownCode: 'UNKNOWN_LOCATION',
  createdBy: 'POST /api/v1/catalog/locations',
}

async function loadAliases(
  db: Db,
  kind: AliasKind<'sku' | 'location'>,
  pairs: Array<{ scope: string; alias: string }>,
): Promise<Map<string, string>> {
  const rows = await db.$queryRawUnsafe<Array<{ scope: string; alias: string; target: string }>>(
    `SELECT a.scope, a.alias, (SELECT code FROM "${kind.targetTable}" WHERE id = a."${kind.targetColumn}") AS target
       FROM "${kind.table}" a JOIN unnest($1::text[], $2::text[]) AS k(s, al) ON a.scope = k.s AND a.alias = k.al`,
    pairs.map((p) => p.scope),
    pairs.map((p) => p.alias),
  )
  return new Map(rows.map((r) => [aliasKey(r.scope, r.alias), r.target]))
}

async function existingCodes(db: Db, kind: AliasKind<'sku' | 'location'>, codes: string[]): Promise<Set<string>> {
  const rows = await db.$queryRawUnsafe<Array<{ code: string }>>(
    `SELECT code FROM "${kind.targetTable}" WHERE code = ANY($1::text[])`,
    codes,
  )
  return new Set(rows.map((r) => r.code))
}

function planAliases<F extends 'sku' | 'location'>(kind: AliasKind<F>) {
  return async (db: Db, items: ParsedItem<AliasRecord<F>>[]): Promise<PlannedItem<AliasRecord<F>>[]> => {
    const existing = await loadAliases(
      db,
      kind,
      items.map((i) => i.input),
    )
    const codes = await existingCodes(db, kind, [
      ...new Set(items.flatMap((i) => [i.input[kind.field], i.input.alias])),
    ])
    const scopeProblem = await checkScopes(
      db,
      items.map((i) => i.input.scope),
    )
    return items.map(({ index, line, input }) => {
      const key = aliasKey(input.scope, input.alias)
      const target = input[kind.field]
      const problems: ItemProblem[] = []
      const sp = scopeProblem(input.scope)
      if (sp) problems.push(sp)
      if (!codes.has(target))
        problems.push(
          problem(
            kind.field,
            kind.unknownCode,
            `unknown ${kind.noun} ${target}; create it first (${kind.createdBy}) or fix the code`,
          ),
        )
      if (input.scope === '*' && codes.has(input.alias))
        problems.push(
          problem(
            'alias',
            'ALIAS_SHADOWED',
            `"${input.alias}" is a ${kind.noun} code, and a code always wins over a * alias, so this alias would never apply; scope it to the source that uses the name`,
          ),
        )
      const record = (code: string) =>
        ({ scope: input.scope, alias: input.alias, [kind.field]: code }) as AliasRecord<F>
      const before = existing.has(key) ? record(existing.get(key)!) : null
      return { index, line, key, before, after: problems.length ? null : record(target), problems }
    })
  }
}

function applyAliases<F extends 'sku' | 'location'>(kind: AliasKind<F>) {
  return async (
    tx: Prisma.TransactionClient,
    items: Array<PlannedItem<AliasRecord<F>> & { after: AliasRecord<F> }>,
  ) => {
    const rows = items.map((i) => i.after)
    await tx.$executeRawUnsafe(
      `INSERT INTO "${kind.table}"(id, scope, alias, "${kind.targetColumn}")
       SELECT gen_random_uuid(), x.sc, x.al, t.id FROM unnest($1::text[], $2::text[], $3::text[]) AS x(sc, al, code) JOIN "${kind.targetTable}" t ON t.code = x.code
       ON CONFLICT (scope, alias) DO UPDATE SET "${kind.targetColumn}" = EXCLUDED."${kind.targetColumn}"`,
      rows.map((r) => r.scope),
      rows.map((r) => r.alias),
      rows.map((r) => r[kind.field]),
    )
    return { dirtySkuIds: [] }
  }
}

/** The catalogue entity for one kind of alias: fields, keys, CSV columns, plan and apply. */
function aliasEntity<F extends 'sku' | 'location'>(
  kind: AliasKind<F>,
  entity: Pick<CatalogEntity<AliasRecord<F>, AliasRecord<F>>, 'name' | 'auditEntity' | 'schema' | 'unknownFieldHints'>,
): CatalogEntity<AliasRecord<F>, AliasRecord<F>> {
  const fields = ['scope', 'alias', kind.field]
  return {
    ...entity,
    fields,
    rawKey: (raw) => aliasKey(String(raw.scope ?? ''), String(raw.alias ?? '')),
    key: (i) => aliasKey(i.scope, i.alias),
    plan: planAliases(kind),
    apply: applyAliases(kind),
    csv: {
      required: [...fields],
      allowed: [...fields],
      columnOf: (f) => f,
      toRaw: (v) => ({ scope: csvText(v.scope), alias: csvText(v.alias), [kind.field]: csvText(v[kind.field]) }),
    },
  }
}

export const skuAliasEntity: CatalogEntity<SkuAliasInput, SkuAliasRecord> = aliasEntity(SKU_ALIASES, {
  name: 'sku-aliases',
  auditEntity: 'sku_alias',
  schema: SkuAliasInputSchema,
  // SkuAlias has no unit column yet (see the report): say where a unit goes instead of dropping it.
  unknownFieldHints: {
    uom: 'an alias cannot carry a unit of measure: send "uom" on each event, and define the unit\'s factor with POST /api/v1/catalog/units',
  },
})

export const locationAliasEntity: CatalogEntity<LocationAliasInput, LocationAliasRecord> = aliasEntity(
  LOCATION_ALIASES,
  {
    name: 'location-aliases',
    auditEntity: 'location_alias',
    schema: LocationAliasInputSchema,
  },
)
