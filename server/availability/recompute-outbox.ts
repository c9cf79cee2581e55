// The recompute outbox ("AvailabilityDirty": one row per SKU whose channel quantities must be
// decided again, with the earliest time it changed). Every writer goes through this module, in one
// statement shape: kits containing the SKUs are included, rows are written in id order (so
// concurrent writers lock them in one order and never deadlock on the outbox), and an existing row
// keeps the earliest time. The recompute job (JOB_CATALOG.recomputeAvailability) drains it:
// - `claimDirty` claims a batch in a statement of its own (committed at once): a claimed row stays,
//   so writers never wait for a recompute deciding it (they used to wait for its whole transaction,
//   holding their positions);
// - marking a claimed row again clears its claim (the recompute may have read the positions before
//   this change), with the new change's time;
// - `finishClaim`, once the recompute's deciding transaction has committed, deletes the rows still
//   claimed by it (never inside that transaction: it holds the SKUs' listings, and writers lock the
//   outbox row first; recompute-availability.ts, decideClaim).
// A claim older than CLAIM_STALE_MS (a recompute that crashed) may be taken again (sweep-recompute.ts
// queues the job that takes it). Two recomputes
// deciding one SKU are safe: each locks the SKU's listings before reading its positions
// (recompute-availability.ts), so the last to write read the newest positions.
import { randomUUID } from 'node:crypto'
import type { RawSql } from '../db'

/** A claim this old belongs to a recompute that died: the rows may be claimed again. */
export const CLAIM_STALE_MS = 30_000

/**
 * The outbox upsert for the SKUs `ids` selects (a SELECT of one uuid column), as SQL to embed in a
 * larger statement (ingest writes it in the same round trip as positions). A row is rewritten only
 * when the new time is earlier or it is claimed: rewriting every marked row was most of the cost of
 * a busy batch. A claimed row loses its claim and takes this change's time (the claim's recompute
 * covers what came before).
 */
export const markDirtySql = (ids: string, since: string) => `
  INSERT INTO "AvailabilityDirty"("skuId", since)
  SELECT id, ${since} FROM (
    SELECT i.id FROM (${ids}) AS i(id)
    UNION SELECT k."kitSkuId" FROM "KitComponent" k WHERE k."componentSkuId" IN (${ids})
  ) x ORDER BY id
  ON CONFLICT ("skuId") DO UPDATE SET since = EXCLUDED.since, claim = NULL, "claimedAt" = NULL
   WHERE EXCLUDED.since < "AvailabilityDirty".since OR "AvailabilityDirty".claim IS NOT NULL`

export interface Claim {
  id: string
  skus: Array<{ skuId: string; since: Date }>
}

/**
 * Claims up to `limit` unclaimed SKUs, oldest change first (with `strategic`, that class's SKUs
 * first: the priority lane), in one statement of its own: call it outside a transaction.
 */
export async function claimDirty(
  db: RawSql,
  limit: number,
  now: Date,
  strategic?: { categories: string[]; skus: string[] } | null,
): Promise<Claim> {
  const id = randomUUID()
  const order = strategic
    ? `EXISTS (SELECT 1 FROM "Sku" s WHERE s.id = x."skuId" AND (s.category = ANY($4::text[]) OR s.code = ANY($5::text[]))) DESC, since`
    : 'since'
  const skus = await db.$queryRawUnsafe<Array<{ skuId: string; since: Date }>>(
    `UPDATE "AvailabilityDirty" d SET claim = $2::uuid, "claimedAt" = $3::timestamptz FROM (
       SELECT "skuId" FROM "AvailabilityDirty" x
        WHERE x.claim IS NULL OR x."claimedAt" < $3::timestamptz - make_interval(secs => ${CLAIM_STALE_MS / 1000})
        ORDER BY ${order} LIMIT $1 FOR UPDATE SKIP LOCKED) c
      WHERE d."skuId" = c."skuId" RETURNING d."skuId"::text AS "skuId", d.since`,
    limit,
    id,
    now.toISOString(),
    ...(strategic ? [strategic.categories, strategic.skus] : []),
  )
  return { id, skus }
}

/** Whether a SKU waits for a recompute to claim it: unclaimed, or claimed by a run that died (stale). */
export async function hasClaimableDirty(db: RawSql, now: Date): Promise<boolean> {
  const [r] = await db.$queryRawUnsafe<Array<{ waiting: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM "AvailabilityDirty"
       WHERE claim IS NULL OR "claimedAt" < $1::timestamptz - make_interval(secs => ${CLAIM_STALE_MS / 1000})) AS waiting`,
    now.toISOString(),
  )
  return r?.waiting === true
}

/** Deletes the claim's rows nothing marked again (after the transaction that wrote their decisions). */
export async function finishClaim(tx: RawSql, claim: Claim): Promise<void> {
  await tx.$executeRawUnsafe(
    `DELETE FROM "AvailabilityDirty" WHERE "skuId" = ANY($1::uuid[]) AND claim = $2::uuid`,
    claim.skus.map((s) => s.skuId),
    claim.id,
  )
}

/** Gives a claim's rows back at once (its recompute failed): another may take them without waiting. */
export async function releaseClaim(db: RawSql, claim: Claim): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE "AvailabilityDirty" SET claim = NULL, "claimedAt" = NULL WHERE claim = $1::uuid`,
    claim.id,
  )
}

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
