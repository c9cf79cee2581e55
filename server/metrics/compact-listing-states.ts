// The ChannelListingState rollup's upkeep (the worker's compaction job); the read model and the
// rollup's invariants are in listing-states.ts.
import type { RawSql } from '../db'

/**
 * Folds the rollup's rows into one per (channel, waiting, minute), dropping those that sum to
 * nothing, in one statement: a reader sees either the rows before or the folded rows, never both
 * or neither. Run every minute by the worker; correctness never depends on it, only read cost.
 */
export async function compactListingStates(db: RawSql): Promise<{ before: number; after: number }> {
  const r = await db.$queryRawUnsafe<Array<{ before: bigint; after: bigint }>>(
    `WITH moved AS (
       DELETE FROM "ChannelListingState" RETURNING "channelId", waiting, "sinceMinute", listings, "inSync", failing
     ), folded AS (
       INSERT INTO "ChannelListingState" ("channelId", waiting, "sinceMinute", listings, "inSync", failing)
       SELECT "channelId", waiting, "sinceMinute", sum(listings)::int, sum("inSync")::int, sum(failing)::int
         FROM moved GROUP BY 1, 2, 3
       HAVING sum(listings) <> 0 OR sum("inSync") <> 0 OR sum(failing) <> 0
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM moved) AS before, (SELECT count(*) FROM folded) AS after`,
  )
  return { before: Number(r[0]?.before ?? 0), after: Number(r[0]?.after ?? 0) }
}
