// Maps a source's names to canonical ids: SKU (alias scoped to the source, then the canonical
// code, then a global alias), location (likewise) and unit of measure (factor to base units).
import type { Db } from '../db'

export interface SkuRef {
  id: string
  code: string
  baseUom: string
  factors: Map<string, number>
}
export interface CatalogLookup {
  sku(input: string): SkuRef | undefined
  location(input: string): string | undefined
}

/**
 * One round trip for SKUs and locations. Inputs travel as one JSON text each and results come back
 * as one JSON text each: on Prisma's raw-query path every parameter element and every result cell
 * costs CPU, which for a 500-event batch was more than the lookup itself (bench/README.md).
 * Per input the best candidate wins (`DISTINCT ON ... ORDER BY input, rank`): 0 an alias in the
 * source's scope, 1 the canonical code (active SKUs; active locations), 2 a global (`*`) alias.
 */
const RESOLVE_SQL = `
WITH inputs AS MATERIALIZED (
  SELECT ARRAY(SELECT json_array_elements_text($1::json)) AS skus, ARRAY(SELECT json_array_elements_text($3::json)) AS locations
), sku AS (
  SELECT DISTINCT ON (m.input) m.input, s.id, s.code, s."baseUom",
         (SELECT json_agg(json_build_array(u.uom, u.factor)) FROM "UnitOfMeasure" u WHERE u."skuId" = s.id) AS uoms
    FROM (
      SELECT a.alias AS input, CASE WHEN a.scope = $2 THEN 0 ELSE 2 END AS rank, a."skuId" AS id
        FROM "SkuAlias" a WHERE a.alias = ANY ((SELECT skus FROM inputs)::text[]) AND a.scope IN ($2, '*')
      UNION ALL
      SELECT s.code, 1, s.id FROM "Sku" s WHERE s.code = ANY ((SELECT skus FROM inputs)::text[])
    ) m JOIN "Sku" s ON s.id = m.id
   WHERE s.active
   ORDER BY m.input, m.rank
), loc AS (
  SELECT DISTINCT ON (input) input, id FROM (
    SELECT a.alias AS input, a."locationId" AS id, CASE WHEN a.scope = $2 THEN 0 ELSE 2 END AS rank
      FROM "LocationAlias" a WHERE a.alias = ANY ((SELECT locations FROM inputs)::text[]) AND a.scope IN ($2, '*')
    UNION ALL
    SELECT l.code, l.id, 1 FROM "Location" l WHERE l.code = ANY ((SELECT locations FROM inputs)::text[]) AND l.active
  ) x ORDER BY input, rank
)
SELECT (SELECT json_agg(json_build_array(input, id, code, "baseUom", uoms)) FROM sku)::text AS skus,
       (SELECT json_agg(json_build_array(input, id)) FROM loc)::text AS locations`

/**
 * A JSON array of strings, lone UTF-16 surrogates replaced by U+FFFD as pg's UTF-8 encoding of a
 * text parameter does (PostgreSQL refuses them in JSON). Such an input then matches nothing, as before.
 */
function jsonTextArray(values: string[]): string {
  // String.prototype.toWellFormed (Node 20+) is ES2024; the project's TypeScript lib stops at ES2023.
  return JSON.stringify(values.map((v) => (v as string & { toWellFormed(): string }).toWellFormed()))
}

export async function resolveCatalog(
  db: Db,
  scope: string,
  skuInputs: string[],
  locationInputs: string[],
): Promise<CatalogLookup> {
  const skus = [...new Set(skuInputs)]
  const locations = [...new Set(locationInputs)]
  const skuMap = new Map<string, SkuRef>()
  const locMap = new Map<string, string>()
  if (skus.length > 0 || locations.length > 0) {
    const [r] = await db.$queryRawUnsafe<Array<{ skus: string | null; locations: string | null }>>(
      RESOLVE_SQL,
      jsonTextArray(skus),
      scope,
      jsonTextArray(locations),
    )
    type SkuRow = [string, string, string, string, Array<[string, number]> | null]
    for (const [input, id, code, baseUom, uoms] of JSON.parse(r.skus ?? '[]') as SkuRow[]) {
      const factors = new Map<string, number>([[baseUom.toUpperCase(), 1]])
      for (const [uom, factor] of uoms ?? []) factors.set(uom.toUpperCase(), factor)
      skuMap.set(input, { id, code, baseUom, factors })
    }
    for (const [input, id] of JSON.parse(r.locations ?? '[]') as Array<[string, string]>) locMap.set(input, id)
  }
  return { sku: (s) => skuMap.get(s), location: (l) => locMap.get(l) }
}
