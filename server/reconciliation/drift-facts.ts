// What reconciliation compares a read-back with, per listing (a read model): our publish state, the
// channel's orders since its number was last known, and the listing's order grace. One query
// builds the slice a run reads; the publish state is read again under the row locks.
import type { Db } from '../db'
import { channelOrdersSinceSql } from '../orders/orders-since'
import type { ListingFacts } from './classify-drift'

/** What a publish changes on a listing: a read-back is only compared with the facts it was read beside. */
export const PUBLISH_STATE_SQL = `"inFlightVersion", "publishedVersion", "acceptedVersion", "appliedVersion", "appliedQuantity"`
export const publishState = (r: {
  inFlightVersion: number | null
  publishedVersion: number
  acceptedVersion: number
  appliedVersion: number
  applied?: number | null
  appliedQuantity?: number | null
}) =>
  [
    r.inFlightVersion,
    r.publishedVersion,
    r.acceptedVersion,
    r.appliedVersion,
    r.applied ?? r.appliedQuantity ?? null,
  ].join('/')

/** A listing as the slice reads it: the publish facts classifyDrift takes, and what the rest are made from. */
export interface DriftRow extends Pick<
  ListingFacts,
  'applied' | 'published' | 'desiredVersion' | 'publishedVersion' | 'acceptedVersion' | 'appliedVersion' | 'inFlight'
> {
  id: string
  sku: string
  skuId: string
  externalSku: string
  externalId: string | null
  inFlightVersion: number | null
  acceptedStale: boolean
  acceptedWithinGrace: boolean
  earlierSent: number[] | null
  others: number[] | null
  sold: number
  returned: number
  /** Order changes (sale negative, cancellation positive) that may have come before our number applied, oldest first. */
  absorbable: number[] | null
  orderGraceSince: Date | null
  graceOver: boolean
  /** The grace is over and the shortfall that started it was the channel's orders (all received since). */
  graceStartExplained: boolean
}

/**
 * When a listing's order grace started: when a shortfall was first seen, or later when our number
 * was applied (or read back) since, whichever is later: a number the channel applied since absorbed
 * what it sold before, so only sales after it count (the 30-minute demo flagged a one-unit Amazon
 * sale 71 s old as a merchant edit because the grace had started at another shortfall ten minutes
 * and ten applied versions earlier). NULL when no shortfall is waiting.
 */
const GRACE_SINCE_SQL = `CASE WHEN cl."orderGraceSince" IS NULL THEN NULL ELSE GREATEST(cl."orderGraceSince", cl."appliedAt", cl."appliedReadAt") END`

/** When the channel's number was last known: the applied version was sent (its first attempt), or a read-back set it, whichever is later. */
const KNOWN_SINCE_SQL = `GREATEST(
                  COALESCE((SELECT min(pa."startedAt") FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version = cl."appliedVersion" AND pa.outcome IN ('applied', 'accepted')), cl."appliedAt"),
                  cl."appliedReadAt")`
/**
 * Orders since the channel's number was last known; those up to the applied version's verification
 * (appliedAt) may have come before it applied there, absorbed by it (possibleAfterOrders).
 */
const ORDERS_SINCE_KNOWN_SQL = channelOrdersSinceSql(KNOWN_SINCE_SQL, undefined, 'ord', `cl."appliedAt"`)

/**
 * Whether the shortfall that started a listing's order grace was the channel's orders after all:
 * the number it showed then (orderGraceShown, read between orderGraceSince and orderGraceReadEnd)
 * lies between our applied number moved by the orders placed before the read started and by those
 * placed before it ended, all of them received by the grace's end. NULL shown: the grace started
 * at our own applied number (known exactly). A listing that sells all the time always has a sale
 * in flight, so its read-back never equals what received orders explain (seen in the 30-minute
 * demo: Amazon's busiest SKU, one sale a minute arriving minutes late, flagged as a merchant edit
 * when its grace ended); when the start is explained the grace begins again from the current read,
 * and a merchant's edit is still found one grace later: orders never explain it.
 */
const GRACE_START_EXPLAINED_SQL = `(cl."orderGraceShown" IS NULL OR cl."orderGraceSince" < GREATEST(cl."appliedAt", cl."appliedReadAt")
            OR cl."orderGraceShown" BETWEEN
               LEAST(cl."appliedQuantity" - COALESCE(gs.sold, 0) + COALESCE(gs.returned, 0), cl."appliedQuantity" - COALESCE(ge.sold, 0) + COALESCE(ge.returned, 0))
               AND GREATEST(cl."appliedQuantity" - COALESCE(gs.sold, 0) + COALESCE(gs.returned, 0), cl."appliedQuantity" - COALESCE(ge.sold, 0) + COALESCE(ge.returned, 0)))`
const GRACE_START_ORDERS_SQL = `${channelOrdersSinceSql(KNOWN_SINCE_SQL, `CASE WHEN cl."orderGraceShown" IS NULL THEN NULL ELSE cl."orderGraceSince" END`, 'gs')}
       ${channelOrdersSinceSql(KNOWN_SINCE_SQL, `CASE WHEN cl."orderGraceShown" IS NULL THEN NULL ELSE cl."orderGraceReadEnd" END`, 'ge')}`

const ZERO = '00000000-0000-0000-0000-000000000000'

export interface SliceQuery {
  channelId: string
  /** Read back exactly these listings instead of a slice. */
  listingIds?: string[]
  /** The rotating slice starts after this listing id. */
  after: string
  limit: number
  now: Date
  verifySlaMs: number
  graceMs: number
}

/**
 * The listings one run reads back: listings due first (up to half the budget), then the rotating
 * slice after the cursor (wrapping around). Due: channel orders arrived since their last read
 * (readBackDueAt), updates accepted longer ago than the verify SLA and still not applied (waiting
 * for the rotation to reach them took a full turn of the catalogue, 27 minutes for 2,050 Amazon
 * listings at 75 a minute, before a lost update was sent again), and shortfalls whose order grace
 * has ended, once (a shortfall already flagged is found again by the rotation). The rotation finds
 * merchant edits and lost updates nobody is waiting for. `slice` is the rotating part (the cursor
 * moves to its last id).
 */
export async function loadDriftSlice(db: Db, q: SliceQuery): Promise<{ rows: DriftRow[]; slice: DriftRow[] }> {
  const select = (from: string, n: number, overdue = false) =>
    db.$queryRawUnsafe<DriftRow[]>(
      `SELECT cl.id::text AS id, s.code AS sku, cl."skuId"::text AS "skuId", cl."externalSku", cl."externalId",
            cl."appliedQuantity" AS applied, cl."publishedQuantity" AS published, cl."desiredVersion", cl."publishedVersion", cl."acceptedVersion", cl."appliedVersion",
            (cl."inFlightVersion" IS NOT NULL AND cl."leaseUntil" > $4::timestamptz) AS "inFlight", cl."inFlightVersion",
            COALESCE(cl."acceptedAt" < $5::timestamptz, false) AS "acceptedStale",
            COALESCE(cl."acceptedAt" >= $8::timestamptz, false) AS "acceptedWithinGrace",
            -- Numbers of ours: earlier ones the channel applied or accepted, and every one decided
            -- since the last applied version (a worker killed between sending and recording its
            -- attempt leaves no attempt row, yet the channel may show that number).
            (SELECT array_agg(DISTINCT q) FROM (
               SELECT pa.quantity AS q FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version < cl."appliedVersion" AND pa.outcome IN ('applied', 'accepted')
               UNION SELECT d.quantity FROM "AvailabilityDecision" d WHERE d."listingId" = cl.id AND d."listingVersion" > cl."appliedVersion" AND d."listingVersion" <= cl."desiredVersion") ours) AS "earlierSent",
            (SELECT array_agg(DISTINCT o."appliedQuantity") FROM "ChannelListing" o WHERE o."skuId" = cl."skuId" AND o."channelId" <> cl."channelId" AND o."appliedQuantity" IS NOT NULL) AS others,
            COALESCE(ord.sold, 0)::int AS sold, COALESCE(ord.returned, 0)::int AS returned, ord.absorbable, ${GRACE_SINCE_SQL} AS "orderGraceSince",
            COALESCE(${GRACE_SINCE_SQL} < $7::timestamptz, false) AS "graceOver",
            COALESCE(${GRACE_SINCE_SQL} < $7::timestamptz AND ${GRACE_START_EXPLAINED_SQL}, false) AS "graceStartExplained"
       FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId"
       ${ORDERS_SINCE_KNOWN_SQL}
       ${GRACE_START_ORDERS_SQL}
      WHERE cl."channelId" = $1::uuid AND cl.active AND cl.id > $2::uuid
        AND (cardinality($6::uuid[]) = 0 OR cl.id = ANY($6::uuid[]))
        AND ${
          q.listingIds
            ? 'cl."appliedQuantity" IS NOT NULL'
            : overdue
              ? `(cl."readBackDueAt" IS NOT NULL OR (cl."acceptedVersion" > cl."appliedVersion" AND cl."acceptedAt" < $5::timestamptz) OR (${GRACE_SINCE_SQL} < $7::timestamptz AND NOT EXISTS (SELECT 1 FROM "Finding" f WHERE f."dedupeKey" = 'drift:' || cl.id::text AND f.status IN ('open', 'healing'))))`
              : // Applied once, or accepted and never verified (a first update verification gave up on).
                '((cl."appliedQuantity" IS NOT NULL AND cl."appliedVersion" > 0) OR cl."acceptedVersion" > cl."appliedVersion")'
        }
      ORDER BY ${overdue ? `COALESCE(cl."readBackDueAt", cl."acceptedAt", ${GRACE_SINCE_SQL}), cl.id` : 'cl.id'} LIMIT $3`,
      q.channelId,
      from,
      n,
      q.now.toISOString(),
      new Date(q.now.getTime() - q.verifySlaMs).toISOString(),
      q.listingIds ?? [],
      new Date(q.now.getTime() - q.graceMs).toISOString(),
      new Date(q.now.getTime() - q.verifySlaMs - q.graceMs).toISOString(),
    )
  if (q.listingIds) {
    const rows = await select(ZERO, q.limit)
    return { rows, slice: rows }
  }
  const overdue = await select(ZERO, Math.floor(q.limit / 2), true)
  const rest = q.limit - overdue.length
  const notOverdue = (r: DriftRow) => !overdue.some((x) => x.id === r.id)
  let slice = (await select(q.after, rest)).filter(notOverdue)
  if (slice.length < rest)
    slice = [
      ...slice,
      ...(await select(ZERO, rest - slice.length)).filter((r) => notOverdue(r) && !slice.some((x) => x.id === r.id)),
    ]
  return { rows: [...overdue, ...slice], slice }
}

/** Each listing's publish state now (read under the row locks): what moved since the slice was read. */
export async function readPublishStates(db: Db, ids: string[]): Promise<Map<string, string>> {
  const current = await db.$queryRawUnsafe<
    Array<{
      id: string
      inFlightVersion: number | null
      publishedVersion: number
      acceptedVersion: number
      appliedVersion: number
      appliedQuantity: number | null
    }>
  >(`SELECT id::text AS id, ${PUBLISH_STATE_SQL} FROM "ChannelListing" WHERE id = ANY($1::uuid[])`, ids)
  return new Map(current.map((x) => [x.id, publishState(x)]))
}
