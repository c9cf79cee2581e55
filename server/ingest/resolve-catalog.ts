// Maps a source's names to canonical ids: SKU (alias scoped to the source, then the canonical
// code, then a global alias), location (likewise) and unit of measure (factor to base units).
import type { Db } from '../db'

export interface SkuRef { id: string; code: string; baseUom: string; factors: Map<string, number> }
export interface CatalogLookup {
  sku(input: string): SkuRef | undefined
  location(input: string): string | undefined
}

export async function resolveCatalog(db: Db, scope: string, skuInputs: string[], locationInputs: string[]): Promise<CatalogLookup> {
  const skus = [...new Set(skuInputs)]
  const locations = [...new Set(locationInputs)]
  const skuRows = skus.length === 0 ? [] : await db.$queryRawUnsafe<Array<{ input: string; rank: number; id: string; code: string; baseUom: string; uoms: Array<{ uom: string; factor: number }> | null }>>(
    `WITH m AS (
       SELECT a.alias AS input, CASE WHEN a.scope = $2 THEN 0 ELSE 2 END AS rank, a."skuId" AS id
         FROM "SkuAlias" a WHERE a.alias = ANY($1::text[]) AND a.scope IN ($2, '*')
       UNION ALL
       SELECT s.code, 1, s.id FROM "Sku" s WHERE s.code = ANY($1::text[])
     )
     SELECT m.input, m.rank, s.id::text AS id, s.code, s."baseUom",
            (SELECT json_agg(json_build_object('uom', u.uom, 'factor', u.factor)) FROM "UnitOfMeasure" u WHERE u."skuId" = s.id) AS uoms
       FROM m JOIN "Sku" s ON s.id = m.id WHERE s.active
      ORDER BY m.input, m.rank`,
    skus, scope,
  )
  const skuMap = new Map<string, SkuRef>()
  for (const r of skuRows) {
    if (skuMap.has(r.input)) continue
    const factors = new Map<string, number>([[r.baseUom.toUpperCase(), 1]])
    for (const u of r.uoms ?? []) factors.set(u.uom.toUpperCase(), u.factor)
    skuMap.set(r.input, { id: r.id, code: r.code, baseUom: r.baseUom, factors })
  }
  const locRows = locations.length === 0 ? [] : await db.$queryRawUnsafe<Array<{ input: string; id: string }>>(
    `SELECT input, id FROM (
       SELECT a.alias AS input, a."locationId"::text AS id, CASE WHEN a.scope = $2 THEN 0 ELSE 2 END AS rank
         FROM "LocationAlias" a WHERE a.alias = ANY($1::text[]) AND a.scope IN ($2, '*')
       UNION ALL
       SELECT l.code, l.id::text, 1 FROM "Location" l WHERE l.code = ANY($1::text[]) AND l.active
     ) x ORDER BY input, rank`,
    locations, scope,
  )
  const locMap = new Map<string, string>()
  for (const r of locRows) if (!locMap.has(r.input)) locMap.set(r.input, r.id)
  return { sku: (s) => skuMap.get(s), location: (l) => locMap.get(l) }
}
