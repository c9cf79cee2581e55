// The recompute outbox ("AvailabilityDirty": one row per SKU whose channel quantities must be
// decided again, with the earliest time it changed). Every writer goes through this module, in one
// statement shape: kits containing the SKUs are included, rows are written in id order (so
// concurrent writers lock them in one order and never deadlock on the outbox), and an existing row
// keeps the earliest time. The recompute job (JOB_CATALOG.recomputeAvailability) drains it.
import type { RawSql } from '../db'

/**
 * The outbox upsert for the SKUs `ids` selects (a SELECT of one uuid column), as SQL to embed in a
 * larger statement (ingest writes it in the same round trip as positions). A row is rewritten only
 * when the new time is earlier: rewriting every marked row was most of the cost of a busy batch.
 */
export const markDirtySql = (ids: string, since: string) => `
  INSERT INTO "AvailabilityDirty"("skuId", since)
  SELECT id, ${since} FROM (
    SELECT i.id FROM (${ids}) AS i(id)
    UNION SELECT k."kitSkuId" FROM "KitComponent" k WHERE k."componentSkuId" IN (${ids})
  ) x ORDER BY id
  ON CONFLICT ("skuId") DO UPDATE SET since = EXCLUDED.since WHERE EXCLUDED.since < "AvailabilityDirty".since`

/** Adds SKUs (and every kit that contains them) to the outbox. Returns rows written. */
export async function markSkusDirty(tx: RawSql, skuIds: string[], since: Date): Promise<number> {
  if (skuIds.length === 0) return 0
  return tx.$executeRawUnsafe(markDirtySql('SELECT unnest($1::uuid[])', '$2::timestamptz'), skuIds, since.toISOString())
}

/** Which active SKUs a rule, holdback or degraded condition can touch. */
export interface DirtyScope {
  /** Every active SKU (narrowed by `location` when given). */
  everySku?: boolean
  skuCodes?: string[]
  categories?: string[]
  /** Only SKUs with a position at this location code. */
  location?: string | null
}

/** Adds the active SKUs a scope selects (and kits containing them) to the outbox. Returns rows written. */
export async function markScopeDirty(tx: RawSql, scope: DirtyScope, since: Date): Promise<number> {
  const ids = `SELECT s.id FROM "Sku" s
    WHERE s.active AND ($1::boolean OR s.code = ANY($2::text[]) OR s.category = ANY($3::text[]))
      AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM "Position" p JOIN "Location" l ON l.id = p."locationId" WHERE p."skuId" = s.id AND l.code = $4))`
  return tx.$executeRawUnsafe(
    markDirtySql(ids, '$5::timestamptz'),
    scope.everySku ?? false,
    scope.skuCodes ?? [],
    scope.categories ?? [],
    scope.location ?? null,
    since.toISOString(),
  )
}
