// Locations (distribution centres, 3PL warehouses, stores). Which channels may sell from a location
// is the rule set's business (channels.<code>.locations / excludeLocations), not the location's.
// An inactive location's stock leaves every pool, and ingest rejects events for it.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { LocationInputSchema, csvBool, csvText, type LocationInput } from './catalog.schema'
import { merge, problem, type CatalogEntity, type ItemProblem, type ParsedItem, type PlannedItem } from './catalog-plan'

export interface LocationRecord {
  code: string
  name: string
  kind: string
  active: boolean
}

async function planLocations(db: Db, items: ParsedItem<LocationInput>[]): Promise<PlannedItem<LocationRecord>[]> {
  const rows = await db.location.findMany({
    where: { code: { in: items.map((i) => i.input.code) } },
    select: { code: true, name: true, kind: true, active: true },
  })
  const existing = new Map(rows.map((r) => [r.code, r]))
  return items.map(({ index, line, input }) => {
    const problems: ItemProblem[] = []
    const before = existing.get(input.code) ?? null
    if (!before && input.name === undefined)
      problems.push(
        problem(
          'name',
          'REQUIRED',
          `name is required to create location ${input.code}; give a human name, e.g. "East distribution centre"`,
        ),
      )
    const after = merge<LocationRecord>(before ?? { code: input.code, name: '', kind: 'dc', active: true }, {
      name: input.name,
      kind: input.kind,
      active: input.active,
    })
    return { index, line, key: input.code, before, after: problems.length ? null : after, problems }
  })
}

async function applyLocations(
  tx: Prisma.TransactionClient,
  items: Array<PlannedItem<LocationRecord> & { after: LocationRecord }>,
): Promise<{ dirtySkuIds: string[] }> {
  const rows = items.map((i) => i.after)
  await tx.$executeRawUnsafe(
    `INSERT INTO "Location"(id, code, name, kind, active)
     SELECT gen_random_uuid(), c, n, k, a FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS x(c, n, k, a)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, active = EXCLUDED.active`,
    rows.map((r) => r.code),
    rows.map((r) => r.name),
    rows.map((r) => r.kind),
    rows.map((r) => r.active),
  )
  // Switching a location on or off moves every pool it holds stock for.
  const toggled = items.filter((i) => i.before && i.before.active !== i.after.active).map((i) => i.after.code)
  if (toggled.length === 0) return { dirtySkuIds: [] }
  const skus = await tx.$queryRawUnsafe<Array<{ skuId: string }>>(
    `SELECT DISTINCT p."skuId"::text AS "skuId" FROM "Position" p JOIN "Location" l ON l.id = p."locationId" WHERE l.code = ANY($1::text[])`,
    toggled,
  )
  return { dirtySkuIds: skus.map((s) => s.skuId) }
}

const CSV_COLUMNS = ['code', 'name', 'kind', 'active']

export const locationEntity: CatalogEntity<LocationInput, LocationRecord> = {
  name: 'locations',
  auditEntity: 'location',
  schema: LocationInputSchema,
  fields: CSV_COLUMNS,
  rawKey: (raw) => (typeof raw.code === 'string' ? raw.code : ''),
  key: (i) => i.code,
  plan: planLocations,
  apply: applyLocations,
  csv: {
    required: ['code'],
    allowed: CSV_COLUMNS,
    columnOf: (field) => field,
    toRaw: (v) => ({
      code: csvText(v.code),
      name: csvText(v.name),
      kind: csvText(v.kind?.toLowerCase()),
      active: csvBool(v.active),
    }),
  },
}
