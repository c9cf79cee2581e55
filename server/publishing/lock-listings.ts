// The order in which a publish claims a channel's changed listings (priority lanes). Locking several
// listings in one order is channels/channel.repository.ts `lockListings`.
import type { RawSql } from '../db'

/**
 * A channel's listings with a decided number not sent yet: the predicate of every publish claim,
 * served by the partial index "ChannelListing_unsent_idx" (migration 20261204110000_unsent_listings),
 * so finding them costs what is unsent, not the channel's whole catalogue (589 ms -> 5 ms per
 * claim at 200,000 listings per channel with 10 unsent). Columns unqualified: the claim's own rows.
 */
export const UNSENT_SQL = `active AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion"`

export interface StrategicClass {
  categories: string[]
  skus: string[]
}

/** Pure: a listing's publish lane (lower first): 0 zero-out, 1 decrease, 2 strategic increase, 3 other. */
export function publishLane(l: {
  desiredQuantity: number
  publishedQuantity: number | null
  appliedQuantity: number | null
  strategic: boolean
}): number {
  if (l.desiredQuantity === 0) return 0
  if (l.desiredQuantity < (l.publishedQuantity ?? l.appliedQuantity ?? 2147483647)) return 1
  return l.strategic ? 2 : 3
}

/**
 * The ORDER BY of a publish claim over "ChannelListing" rows (as publishLane, then the oldest
 * pending): an oversell risk is worse than a late increase, and a strategic SKU's increase goes
 * before the others under congestion. SKU classes are inlined as literals (they come from the
 * validated rule set), and the class test only runs when a class is defined.
 */
export function publishClaimOrder(strategic: StrategicClass | null): string {
  const lit = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`
  const isStrategic =
    strategic && (strategic.categories.length || strategic.skus.length)
      ? `EXISTS (SELECT 1 FROM "Sku" s WHERE s.id = "skuId" AND (s.category = ANY(${lit(strategic.categories)}) OR s.code = ANY(${lit(strategic.skus)})))`
      : 'false'
  return `CASE WHEN "desiredQuantity" = 0 THEN 0 WHEN "desiredQuantity" < COALESCE("publishedQuantity", "appliedQuantity", 2147483647) THEN 1 WHEN ${isStrategic} THEN 2 ELSE 3 END, "pendingSince" NULLS LAST`
}

/** The strategic SKU class of the rule set in force (null: none defined). */
export async function loadStrategicClass(db: RawSql, at = new Date()): Promise<StrategicClass | null> {
  const [row] = await db.$queryRawUnsafe<Array<{ s: { categories?: string[]; skus?: string[] } | null }>>(
    `SELECT rules->'strategic' AS s FROM "RuleSetVersion" WHERE "effectiveFrom" <= $1::timestamptz ORDER BY number DESC LIMIT 1`,
    at.toISOString(),
  )
  const s = row?.s
  if (!s || (!s.categories?.length && !s.skus?.length)) return null
  return {
    categories: (s.categories ?? []).filter((x) => typeof x === 'string'),
    skus: (s.skus ?? []).filter((x) => typeof x === 'string'),
  }
}
