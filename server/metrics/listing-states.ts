// Per-channel listing state (total, in sync, waiting, failing, stale, oldest waiting) read from the
// ChannelListingState rollup, which statement triggers on ChannelListing keep in the same
// transaction as every listing change (migration 20261203120000_read_rollups). A dashboard refetch
// then costs the rollup's rows (a few per channel after compaction) plus two index probes per
// channel, whatever the catalogue's size; it never counts every listing.
//
// Invariants:
// - the sum of a channel's rollup rows equals the live count over its active listings, always:
//   each statement appends what it added minus what it removed, and compaction folds rows in one
//   statement (test/int/listing-states.int.test.ts checks it after a mixed stream);
// - stale is exact: rollup minutes wholly older than the SLO boundary are summed, and the one
//   minute the boundary falls in is counted on the partial index of waiting listings;
// - everything is read in one statement (one snapshot), so the figures agree with each other.
import type { Db, RawSql } from '../db'

/** SQL for when a listing (alias `cl`) started waiting; null when the channel shows what we decided. */
export const WAITING_SINCE_SQL = `listing_waiting_since(cl."desiredVersion", cl."appliedVersion", cl."publishedVersion", cl."pendingSince", cl."publishedInputAt", cl."decidedAt")`

/** The predicate of the partial indexes on waiting listings (alias `cl`). */
export const WAITING_SQL = `cl.active AND cl."desiredVersion" > cl."appliedVersion"`

export interface ListingStates {
  total: number
  inSync: number
  waiting: number
  failing: number
  stale: number
  oldestWaitingAt: Date | null
}

/** Listing state of each channel (absent channels have none), stale judged against each one's `staleAfterSeconds`. */
export async function getListingStates(
  db: Db,
  channels: Array<{ id: string; staleAfterSeconds: number }>,
  now: Date,
): Promise<Map<string, ListingStates>> {
  if (channels.length === 0) return new Map()
  const rows = await db.$queryRawUnsafe<
    Array<{
      channelId: string
      total: bigint
      inSync: bigint
      waiting: bigint
      failing: bigint
      staleWhole: bigint
      staleEdge: bigint
      oldest: Date | null
    }>
  >(
    `WITH t AS (
       SELECT id, boundary, date_bin('1 minute', boundary, 'epoch'::timestamptz) AS edge
         FROM (SELECT id, $3::timestamptz - make_interval(secs => stale_after) AS boundary FROM unnest($1::uuid[], $2::float8[]) AS u(id, stale_after)) b
     ), r AS (
       SELECT "channelId", waiting, "sinceMinute", sum(listings) AS listings, sum("inSync") AS "inSync", sum(failing) AS failing
         FROM "ChannelListingState" WHERE "channelId" = ANY($1::uuid[]) GROUP BY 1, 2, 3
     )
     SELECT t.id::text AS "channelId",
            coalesce(sum(r.listings), 0) AS total,
            coalesce(sum(r."inSync"), 0) AS "inSync",
            coalesce(sum(r.listings) FILTER (WHERE r.waiting), 0) AS waiting,
            coalesce(sum(r.failing), 0) AS failing,
            coalesce(sum(r.listings) FILTER (WHERE r.waiting AND r."sinceMinute" < t.edge), 0) AS "staleWhole",
            (SELECT count(*) FROM "ChannelListing" cl WHERE cl."channelId" = t.id AND ${WAITING_SQL}
                AND ${WAITING_SINCE_SQL} >= t.edge AND ${WAITING_SINCE_SQL} < t.boundary) AS "staleEdge",
            (SELECT min(${WAITING_SINCE_SQL}) FROM "ChannelListing" cl WHERE cl."channelId" = t.id AND ${WAITING_SQL}) AS oldest
       FROM t LEFT JOIN r ON r."channelId" = t.id
      GROUP BY t.id, t.edge, t.boundary`,
    channels.map((c) => c.id),
    channels.map((c) => c.staleAfterSeconds),
    now.toISOString(),
  )
  return new Map(
    rows.map((r) => [
      r.channelId,
      {
        total: Number(r.total),
        inSync: Number(r.inSync),
        waiting: Number(r.waiting),
        failing: Number(r.failing),
        stale: Number(r.staleWhole) + Number(r.staleEdge),
        oldestWaitingAt: r.oldest,
      },
    ]),
  )
}
