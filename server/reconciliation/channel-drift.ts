// Channel reconciliation: read back what each channel shows (a slice of its listings per run,
// within the channel's rate budget) and compare with what we last applied. A difference is drift,
// classified by cause, and healed per the channel's policy:
//   own_pending                - our own update is on its way: nothing to do (verify follows it);
//   accepted_not_applied       - the channel accepted an update and never applied it: republish;
//   lost_update                - the channel shows a quantity we sent earlier (an update got lost): republish;
//   shared_quantity_overwrite  - the channel shows another channel's number for this SKU (a shared
//                                quantity on the marketplace side): flag for a person;
//   sold_on_channel            - the channel sold (or took back) units in orders we have received since
//                                its number was last known: a sale is not drift. Healed at once: the
//                                shown number becomes the expected one and ours (which counts the
//                                reservation) goes out over it; no finding, never held;
//   orders_in_flight           - the channel shows fewer units than received orders explain, but orders
//                                it took may still be on their way to us: within the channel's order
//                                grace period (from its measured order intake lag) nothing is flagged;
//                                a compare-and-set conflict waits for the orders (or the grace's end);
//   merchant_edit              - someone changed it on the channel (a decrease only once the grace
//                                has passed with no order to explain it): flag for a person.
// Policy: settings.driftHeal = { <cause>: 'republish' | 'flag' }. A later read-back that matches
// resolves the finding. Findings are deduplicated per listing.
import type { PrismaClient } from '@prisma/client'
import { transaction, type RawSql } from '../db'
import type { Connector } from '../channels/connector'
import { loadChannel, lockListings, spendRateBudget, type ChannelRow } from '../channels/channel.repository'
import { reconcileBatch, verifySlaMs } from '../channels/channel-settings'
import { loadOrderGraceMs } from '../metrics/order-intake'
import { enqueuePublish } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'

export type DriftCause =
  | 'own_pending'
  | 'sold_on_channel'
  | 'orders_in_flight'
  | 'accepted_not_applied'
  | 'lost_update'
  | 'shared_quantity_overwrite'
  | 'merchant_edit'
export type HealAction = 'republish' | 'flag'
/** Causes a policy decides; orders (sold_on_channel, orders_in_flight) are never a person's business. */
export type PolicyCause = Exclude<DriftCause, 'own_pending' | 'sold_on_channel' | 'orders_in_flight'>

export const DEFAULT_HEAL: Record<PolicyCause, HealAction> = {
  accepted_not_applied: 'republish',
  lost_update: 'republish',
  shared_quantity_overwrite: 'flag',
  merchant_edit: 'flag',
}

export interface ListingFacts {
  applied: number | null
  published: number | null
  desiredVersion: number
  publishedVersion: number
  acceptedVersion: number
  appliedVersion: number
  inFlight: boolean
  /** Quantities we sent this listing for older versions. */
  earlierSent: number[]
  /** What the other channels last applied for the same SKU. */
  otherChannelsApplied: number[]
  /** A newer version was accepted longer ago than the channel's verify SLA and has not applied. */
  acceptedStale?: boolean
  /**
   * Units of this SKU in channel orders we have received with a marketplace time after the
   * channel's number was last known (the applied version was sent, or a read-back set it):
   * `sold` by orders created, `returned` by cancellations (the channel restocks them).
   */
  orders?: { sold: number; returned: number }
  /** A shortfall may still be orders the channel took that have not reached us (within its grace). */
  withinOrderGrace?: boolean
  /** Units of this listing in the channel's orders still open (neither cancelled nor shipped): a cancellation not yet received may give them back. */
  openOrderUnits?: number
}

/** What the channel should show after its received orders: applied - sold + returned (null when unknown). */
export function expectedAfterOrders(l: Pick<ListingFacts, 'applied' | 'orders'>): number | null {
  if (l.applied === null) return null
  return l.applied - (l.orders?.sold ?? 0) + (l.orders?.returned ?? 0)
}

/** Pure: why the channel shows `shown` instead of what we last applied. Null when it matches. */
export function classifyDrift(shown: number, l: ListingFacts): DriftCause | null {
  if (l.applied !== null && shown === l.applied) {
    // Still the old number long after the channel accepted a new one: it will never apply.
    if (
      l.acceptedStale &&
      l.acceptedVersion > l.appliedVersion &&
      l.published !== null &&
      l.published !== shown &&
      !l.inFlight
    )
      return 'accepted_not_applied'
    return null
  }
  if (
    l.inFlight ||
    (l.desiredVersion > l.appliedVersion && l.publishedVersion > l.appliedVersion && shown === l.published)
  )
    return 'own_pending'
  // A sale is not drift: the channel's number is ours moved by the orders it took since.
  const afterOrders = expectedAfterOrders(l)
  if (afterOrders !== null && ((l.orders?.sold ?? 0) > 0 || (l.orders?.returned ?? 0) > 0) && shown === afterOrders)
    return 'sold_on_channel'
  // An update accepted within its verify SLA is verification's to follow: it tells an update that
  // applied and then sold from one that never applied (seen in the demo: Walmart and Amazon feeds
  // applied and sold a unit or two before verification came, called accepted-not-applied and sent
  // again over the sales).
  if (l.acceptedVersion > l.appliedVersion) return l.acceptedStale ? 'accepted_not_applied' : 'own_pending'
  // What orders still on their way may explain, until the grace ends: fewer units than received
  // orders explain (a sale not received yet), or more, up to the units of the channel's orders still
  // open (a cancellation not received yet restocks them: seen in the 30-minute demo, Walmart's polled
  // cancellations arrive a minute or two after the marketplace restocks). Also when the number
  // happens to be one we sent earlier or another channel's (seen in the demo: Shopify one or two
  // units short after a sale whose webhook was on its way, equal to a number of ours from minutes
  // before, called a lost update and republished over the sale; Amazon one unit short, equal to
  // Walmart's number, flagged as a shared overwrite). Beyond that, or after the grace, it is not orders.
  if (
    afterOrders !== null &&
    l.withinOrderGrace === true &&
    (shown < afterOrders || shown - afterOrders <= (l.openOrderUnits ?? 0))
  )
    return 'orders_in_flight'
  if (l.earlierSent.includes(shown)) return 'lost_update'
  if (l.otherChannelsApplied.includes(shown)) return 'shared_quantity_overwrite'
  return 'merchant_edit'
}

export function healPolicy(settings: unknown, cause: PolicyCause): HealAction {
  const p = (settings as { driftHeal?: Record<string, unknown> } | null)?.driftHeal?.[cause]
  return p === 'republish' || p === 'flag' ? p : DEFAULT_HEAL[cause]
}

/**
 * Sends our current desired quantity again over what the channel shows: records `shown` as the
 * applied quantity (compare-and-set connectors send it as the expected value) and rewinds the
 * versions so the listing is pending under its own version, with fresh retries.
 */
export async function republishOver(
  tx: RawSql,
  listingId: string,
  shown: number,
  t: Date,
  readAt: Date = t,
): Promise<number> {
  return tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "appliedQuantity" = $2, "appliedReadAt" = $4::timestamptz, "orderGraceSince" = NULL, "publishedVersion" = LEAST("publishedVersion", "desiredVersion" - 1),
            "appliedVersion" = LEAST("appliedVersion", "desiredVersion" - 1), "acceptedVersion" = LEAST("acceptedVersion", "desiredVersion" - 1),
            "pendingSince" = COALESCE("pendingSince", $3::timestamptz), "nextAttemptAt" = NULL, "failedAttempts" = 0, "lastError" = NULL
      WHERE id = $1::uuid`,
    listingId,
    shown,
    t.toISOString(),
    readAt.toISOString(),
  )
}

export interface ReconcileResult {
  channel: string
  checked: number
  matched: number
  drift: Partial<Record<DriftCause, number>>
  resolved: number
  skipped?: string
  /** Listings read back while one of our publishes moved them: not compared, read again later. */
  moved?: number
}

/** What a publish changes on a listing: a read-back is only compared with the facts it was read beside. */
const PUBLISH_STATE_SQL = `"inFlightVersion", "publishedVersion", "acceptedVersion", "appliedVersion", "appliedQuantity"`
const publishState = (r: {
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

interface Row {
  id: string
  sku: string
  skuId: string
  externalSku: string
  externalId: string | null
  applied: number | null
  published: number | null
  desiredVersion: number
  publishedVersion: number
  acceptedVersion: number
  appliedVersion: number
  inFlight: boolean
  inFlightVersion: number | null
  acceptedStale: boolean
  earlierSent: number[] | null
  others: number[] | null
  sold: number
  returned: number
  orderGraceSince: Date | null
  graceOver: boolean
  /** The grace is over and the shortfall that started it was the channel's orders (all received since). */
  graceStartExplained: boolean
  openUnits: number
}

/**
 * A lateral join (alias `ord` unless named: sold, returned) over listing `cl` of SKU `s`: units of the SKU in
 * this channel's orders received with a marketplace time after `since` (and up to `until`; SQL expressions). An
 * order line names the SKU as the channel does (its external SKU) or by our code. Created lines
 * sold units; cancelled lines gave them back (a marketplace restocks a cancellation). Shipping
 * moves nothing on the channel. One place for what "the channel's orders since" means.
 */
export function channelOrdersSinceSql(since: string, until?: string, alias = 'ord'): string {
  return `LEFT JOIN LATERAL (
         SELECT sum((l->>'quantity')::int) FILTER (WHERE o.status = 'created') AS sold,
                sum((l->>'quantity')::int) FILTER (WHERE o.status = 'cancelled') AS returned
           FROM "ChannelOrderEvent" o CROSS JOIN LATERAL jsonb_array_elements(o.lines) l
          WHERE o."channelId" = cl."channelId" AND l->>'sku' IN (cl."externalSku", s.code)
            AND o."occurredAt" > (${since})${until ? ` AND o."occurredAt" <= (${until})` : ''}) ${alias} ON true`
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
/** Orders since the channel's number was last known. */
const ORDERS_SINCE_KNOWN_SQL = channelOrdersSinceSql(KNOWN_SINCE_SQL)

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

/**
 * Orders since the accepted version was last sent (verification: it may have applied and then sold).
 * The last send: a version sent twice sets the number again, absorbing what sold after the first
 * (the demo verified an Amazon feed sent again at 18:19 as "applied, then 2 sold" from sales after
 * the first send at 18:15, recorded 498, and called the second feed's 500 a merchant edit).
 */
export const ORDERS_SINCE_SENT_SQL = channelOrdersSinceSql(
  `SELECT max(pa."startedAt") FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version = cl."acceptedVersion" AND pa.outcome IN ('accepted', 'applied')`,
)

export interface ReconcileDeps {
  connectorFor(channel: ChannelRow): Connector
  now?: () => Date
  batch?: number
  /** Read back exactly these listings (e.g. after a refused compare-and-set) instead of the next slice. */
  listingIds?: string[]
  /** Hold a flagged listing's publishing until a person acts (set with `listingIds` by the publisher). */
  holdFlagged?: boolean
}

export async function reconcileChannel(
  db: PrismaClient,
  channelId: string,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const now = deps.now ?? (() => new Date())
  const channel = await loadChannel(db, channelId)
  if (!channel) return { channel: '?', checked: 0, matched: 0, drift: {}, resolved: 0, skipped: 'unknown channel' }
  if (channel.status !== 'active')
    return { channel: channel.code, checked: 0, matched: 0, drift: {}, resolved: 0, skipped: 'paused' }
  const connector = deps.connectorFor(channel)
  const wanted = deps.listingIds ? deps.listingIds.length : Math.max(1, deps.batch ?? reconcileBatch(channel))
  if (wanted === 0) return { channel: channel.code, checked: 0, matched: 0, drift: {}, resolved: 0 }

  // Read calls come out of the same rate budget as publishing; publishing is not starved: a read
  // takes at most half of what is in the bucket.
  const calls = await transaction(db, async (tx) => {
    const c = await loadChannel(tx, channelId, { forUpdate: true })
    if (!c) return 0
    const want = Math.ceil(wanted / connector.maxBatchSize)
    const { granted } = await spendRateBudget(tx, c, now(), (tokens) => Math.min(want, Math.floor(tokens / 2)))
    return granted
  })
  if (calls === 0)
    return { channel: channel.code, checked: 0, matched: 0, drift: {}, resolved: 0, skipped: 'rate budget' }
  const limit = Math.min(wanted, calls * connector.maxBatchSize)
  const graceMs = await loadOrderGraceMs(db, channel, now())

  // The next slice after the cursor (wrapping around): listings the channel has applied once, and
  // listings with an accepted update never verified (else a lost or late first update stays pending).
  const cursorKey = `reconcile-cursor:${channelId}`
  const state = await db.systemState.findUnique({ where: { key: cursorKey } })
  const after = (state?.value as { after?: string } | null)?.after ?? '00000000-0000-0000-0000-000000000000'
  const select = (from: string, n: number, overdue = false) =>
    db.$queryRawUnsafe<Row[]>(
      `SELECT cl.id::text AS id, s.code AS sku, cl."skuId"::text AS "skuId", cl."externalSku", cl."externalId",
            cl."appliedQuantity" AS applied, cl."publishedQuantity" AS published, cl."desiredVersion", cl."publishedVersion", cl."acceptedVersion", cl."appliedVersion",
            (cl."inFlightVersion" IS NOT NULL AND cl."leaseUntil" > $4::timestamptz) AS "inFlight", cl."inFlightVersion",
            COALESCE(cl."acceptedAt" < $5::timestamptz, false) AS "acceptedStale",
            -- Numbers of ours: earlier ones the channel applied or accepted, and every one decided
            -- since the last applied version (a worker killed between sending and recording its
            -- attempt leaves no attempt row, yet the channel may show that number).
            (SELECT array_agg(DISTINCT q) FROM (
               SELECT pa.quantity AS q FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version < cl."appliedVersion" AND pa.outcome IN ('applied', 'accepted')
               UNION SELECT d.quantity FROM "AvailabilityDecision" d WHERE d."listingId" = cl.id AND d."listingVersion" > cl."appliedVersion" AND d."listingVersion" <= cl."desiredVersion") ours) AS "earlierSent",
            (SELECT array_agg(DISTINCT o."appliedQuantity") FROM "ChannelListing" o WHERE o."skuId" = cl."skuId" AND o."channelId" <> cl."channelId" AND o."appliedQuantity" IS NOT NULL) AS others,
            COALESCE(ord.sold, 0)::int AS sold, COALESCE(ord.returned, 0)::int AS returned, ${GRACE_SINCE_SQL} AS "orderGraceSince",
            (SELECT COALESCE(sum(n.quantity - n."cancelledQuantity" - n."shippedQuantity"), 0)::int FROM "NativeOrderLine" n
              WHERE n."channelId" = cl."channelId" AND n.sku = cl."externalSku") AS "openUnits",
            COALESCE(${GRACE_SINCE_SQL} < $7::timestamptz, false) AS "graceOver",
            COALESCE(${GRACE_SINCE_SQL} < $7::timestamptz AND ${GRACE_START_EXPLAINED_SQL}, false) AS "graceStartExplained"
       FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId"
       ${ORDERS_SINCE_KNOWN_SQL}
       ${GRACE_START_ORDERS_SQL}
      WHERE cl."channelId" = $1::uuid AND cl.active AND cl.id > $2::uuid
        AND (cardinality($6::uuid[]) = 0 OR cl.id = ANY($6::uuid[]))
        AND ${
          deps.listingIds
            ? 'cl."appliedQuantity" IS NOT NULL'
            : // Listings whose channel orders arrived since their last read (readBackDueAt), updates
              // accepted longer ago than the verify SLA and still not applied, oldest first,
              // and shortfalls whose order grace has ended (orders in flight did not explain them), once:
              // a shortfall already flagged is found again by the rotation.
              overdue
              ? `(cl."readBackDueAt" IS NOT NULL OR (cl."acceptedVersion" > cl."appliedVersion" AND cl."acceptedAt" < $5::timestamptz) OR (${GRACE_SINCE_SQL} < $7::timestamptz AND NOT EXISTS (SELECT 1 FROM "Finding" f WHERE f."dedupeKey" = 'drift:' || cl.id::text AND f.status IN ('open', 'healing'))))`
              : // Applied once, or accepted and never verified (a first update verification gave up on).
                '((cl."appliedQuantity" IS NOT NULL AND cl."appliedVersion" > 0) OR cl."acceptedVersion" > cl."appliedVersion")'
        }
      ORDER BY ${overdue ? `COALESCE(cl."readBackDueAt", cl."acceptedAt", ${GRACE_SINCE_SQL}), cl.id` : 'cl.id'} LIMIT $3`,
      channelId,
      from,
      n,
      now().toISOString(),
      new Date(now().getTime() - verifySlaMs(channel)).toISOString(),
      deps.listingIds ?? [],
      new Date(now().getTime() - graceMs).toISOString(),
    )
  // Updates accepted longer ago than the verify SLA and still not applied come first (up to half
  // the read budget): verification has stopped polling them, and waiting for the rotating slice to
  // reach them took a full turn of the catalogue (27 minutes for 2,050 Amazon listings at 75 a
  // minute) before a lost update was sent again. The rest of the budget keeps the rotation going,
  // which is what finds merchant edits and lost updates nobody is waiting for.
  const overdue = deps.listingIds
    ? []
    : await select('00000000-0000-0000-0000-000000000000', Math.floor(limit / 2), true)
  const ZERO = '00000000-0000-0000-0000-000000000000'
  const notOverdue = (r: Row) => !overdue.some((x) => x.id === r.id)
  let slice = (await select(deps.listingIds ? ZERO : after, limit - overdue.length)).filter(notOverdue)
  if (slice.length < limit - overdue.length && !deps.listingIds)
    slice = [
      ...slice,
      ...(await select(ZERO, limit - overdue.length - slice.length)).filter(
        (r) => notOverdue(r) && !slice.some((x) => x.id === r.id),
      ),
    ]
  const rows = [...overdue, ...slice]
  if (rows.length === 0) return { channel: channel.code, checked: 0, matched: 0, drift: {}, resolved: 0 }

  let readBack: Awaited<ReturnType<Connector['readQuantities']>>
  // What the channel shows includes its orders up to the read: a healed number counts orders from here.
  const readAt = now()
  try {
    readBack = await connector.readQuantities(
      rows.map((r) => ({ listingId: r.id, externalSku: r.externalSku, externalId: r.externalId })),
    )
  } catch (e) {
    return {
      channel: channel.code,
      checked: 0,
      matched: 0,
      drift: {},
      resolved: 0,
      skipped: `read-back failed: ${(e as Error).message}`,
    }
  }
  const shownById = new Map(readBack.map((r) => [r.listingId, r.quantity]))
  const t = now()
  const result: ReconcileResult = { channel: channel.code, checked: 0, matched: 0, drift: {}, resolved: 0 }
  let republished = false
  await transaction(db, async (tx) => {
    // The rows this run may write, locked first in id order like every multi-listing writer (a
    // recompute locking the same listings in id order deadlocked with this loop's order).
    const readIds = rows.filter((r) => shownById.get(r.id) != null).map((r) => r.id)
    await lockListings(tx, readIds)
    // Read now: the orders that made them due are in what the channel showed.
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "readBackDueAt" = NULL WHERE id = ANY($1::uuid[]) AND "readBackDueAt" <= $2::timestamptz`,
      readIds,
      readAt.toISOString(),
    )
    // A publish of ours that started, or applied, between the facts' read and the read-back makes
    // the two incomparable (seen in the 30-minute demo: a receipt's new number, decided and applied
    // while the read-back was on its way, was taken for a merchant edit of +21 units).
    const current = await tx.$queryRawUnsafe<
      Array<{
        id: string
        inFlightVersion: number | null
        publishedVersion: number
        acceptedVersion: number
        appliedVersion: number
        appliedQuantity: number | null
      }>
    >(`SELECT id::text AS id, ${PUBLISH_STATE_SQL} FROM "ChannelListing" WHERE id = ANY($1::uuid[])`, readIds)
    const stateNow = new Map(current.map((x) => [x.id, publishState(x)]))
    for (const r of rows) {
      const shown = shownById.get(r.id)
      if (shown === undefined || shown === null) continue // unknown to the channel: the publish stage reports that
      if (stateNow.get(r.id) !== publishState(r)) {
        result.moved = (result.moved ?? 0) + 1
        continue
      }
      result.checked++
      const cause = classifyDrift(shown, {
        ...r,
        earlierSent: r.earlierSent ?? [],
        otherChannelsApplied: r.others ?? [],
        orders: { sold: r.sold, returned: r.returned },
        withinOrderGrace: !r.graceOver || r.graceStartExplained,
        openOrderUnits: r.openUnits,
      })
      if (cause === null) {
        result.matched++
        if (r.orderGraceSince)
          await tx.$executeRawUnsafe(`UPDATE "ChannelListing" SET "orderGraceSince" = NULL WHERE id = $1::uuid`, r.id)
        result.resolved += await tx.$executeRawUnsafe(
          `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = 'read-back matches again'
            WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
          `drift:${r.id}`,
          t.toISOString(),
        )
        continue
      }
      result.drift[cause] = (result.drift[cause] ?? 0) + 1
      if (cause === 'own_pending') {
        // Our accepted update shows now, but past the verify SLA: verification stopped polling it
        // (an `unverified` finding was opened), so nobody else would ever record it applied and
        // the listing would stay pending forever (found by the fault suite, issue 17).
        if (
          shown === r.published &&
          r.acceptedVersion === r.publishedVersion &&
          r.acceptedVersion > r.appliedVersion &&
          r.acceptedStale &&
          !r.inFlight
        ) {
          await tx.$executeRawUnsafe(
            `UPDATE "ChannelListing" SET "appliedQuantity" = $2, "appliedVersion" = $3, "appliedAt" = $4::timestamptz WHERE id = $1::uuid AND "appliedVersion" < $3`,
            r.id,
            shown,
            r.acceptedVersion,
            t.toISOString(),
          )
          await tx.$executeRawUnsafe(
            `UPDATE "PublishAttempt" SET outcome = 'applied', "verifiedAt" = $3::timestamptz WHERE "listingId" = $1::uuid AND version = $2 AND outcome = 'accepted'`,
            r.id,
            r.acceptedVersion,
            t.toISOString(),
          )
          result.resolved += await tx.$executeRawUnsafe(
            `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = 'applied late: a read-back shows it'
              WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
            `unverified:${r.id}`,
            t.toISOString(),
          )
        }
        continue
      }
      if (cause === 'sold_on_channel') {
        // A sale is not drift: the channel's number becomes the expected one (compare-and-set
        // sends it), ours, which counts the orders' reservations, goes out over it. Never held,
        // never a finding; one left from before (flagged while the orders were late) is resolved.
        const note = `${readAt.toISOString()}: the channel showed ${shown} where we had applied ${r.applied}: ${describeOrders(r.sold, r.returned)} since, already received; our number counts them and goes out over it`
        await republishOver(tx, r.id, shown, t, readAt)
        await tx.$executeRawUnsafe(
          `UPDATE "ChannelListing" SET "ordersNote" = $2, "ordersNoteAt" = $3::timestamptz WHERE id = $1::uuid`,
          r.id,
          note,
          t.toISOString(),
        )
        result.resolved += await tx.$executeRawUnsafe(
          `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = $3
            WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
          `drift:${r.id}`,
          t.toISOString(),
          `explained by the channel's orders: ${describeOrders(r.sold, r.returned)}`,
        )
        republished = true
        continue
      }
      if (cause === 'orders_in_flight') {
        // Orders the channel took may still be on their way: no finding until the grace ends. A
        // refused compare-and-set would only be refused again with the old expectation: it waits
        // for the orders (their reservation decides a new number, which resets the wait) or the
        // grace's end, when the read-back decides again. A grace that ended with its start
        // explained by orders (a listing that sells all the time) begins again from this read.
        const again = r.graceOver
        const since = again || !r.orderGraceSince ? readAt : r.orderGraceSince
        const until = new Date(since.getTime() + graceMs)
        const missing =
          (expectedAfterOrders({ applied: r.applied, orders: { sold: r.sold, returned: r.returned } }) ?? 0) - shown
        const difference =
          missing >= 0
            ? `${missing} fewer than we applied`
            : `${-missing} more than we applied (a cancellation of its open orders not received yet?)`
        const before = again
          ? `what it showed when the wait began at ${r.orderGraceSince!.toISOString()} was its orders, all received since, and it keeps selling: `
          : ''
        const sentence = `orders in flight: ${before}the channel shows ${shown}, ${difference}${r.sold || r.returned ? ` and its received orders explain` : ''}; waiting until ${until.toISOString()} (order grace ${Math.round(graceMs / 1000)} s) for its orders before calling it a merchant edit`
        // The number read when a wait begins is kept with the read's window, for the check at its end;
        // a wait that goes on keeps them unless our number applied since (then our number is the start).
        await tx.$executeRawUnsafe(
          `UPDATE "ChannelListing" SET "ordersNote" = $3, "ordersNoteAt" = $2::timestamptz,
                  "orderGraceShown" = CASE WHEN $6 OR "orderGraceSince" IS NULL THEN $5::int WHEN "orderGraceSince" = $4::timestamptz THEN "orderGraceShown" ELSE NULL END,
                  "orderGraceReadEnd" = CASE WHEN $6 OR "orderGraceSince" IS NULL THEN $2::timestamptz WHEN "orderGraceSince" = $4::timestamptz THEN "orderGraceReadEnd" ELSE NULL END,
                  "orderGraceSince" = $4::timestamptz
            WHERE id = $1::uuid`,
          r.id,
          t.toISOString(),
          `${t.toISOString()}: ${sentence}`,
          since.toISOString(),
          shown,
          again,
        )
        if (deps.holdFlagged) {
          await tx.$executeRawUnsafe(
            `UPDATE "ChannelListing" SET "nextAttemptAt" = $2::timestamptz, "lastError" = $3 WHERE id = $1::uuid AND "desiredVersion" > "publishedVersion"`,
            r.id,
            until.toISOString(),
            sentence,
          )
          await enqueuePublish(tx, channelId, until)
        }
        continue
      }
      const heal = healPolicy(channel.settings, cause)
      const sentence = {
        accepted_not_applied: `the channel accepted version ${r.acceptedVersion} but shows ${shown}`,
        lost_update: `the channel shows ${shown}, a quantity we sent earlier: a later update was lost`,
        shared_quantity_overwrite: `the channel shows ${shown}, another channel's number for this SKU (a shared quantity on the marketplace side?)`,
        merchant_edit: `the channel shows ${shown}; we last applied ${r.applied}: changed on the channel`,
      }[cause]
      const cause_ = `${sentence}${heal === 'republish' ? '; republishing' : '; needs a person'}`
      const updated = await tx.$executeRawUnsafe(
        `UPDATE "Finding" SET cause = $2, actual = $3::int, variance = $3::int - expected, "updatedAt" = $4::timestamptz, status = $5, details = details || $6::jsonb
          WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
        `drift:${r.id}`,
        cause_,
        shown,
        t.toISOString(),
        heal === 'republish' ? 'healing' : 'open',
        JSON.stringify({ cause, heal }),
      )
      if (updated === 0) {
        await tx.$executeRawUnsafe(
          `INSERT INTO "Finding"(id, kind, sku, channel, cause, status, field, expected, actual, variance, details, "dedupeKey", "detectedAt", "updatedAt")
           VALUES (gen_random_uuid(), 'drift', $1, $2, $3, $4, 'quantity', $5::int, $6::int, $6::int - $5::int, $7::jsonb, $8, $9::timestamptz, $9::timestamptz)`,
          r.sku,
          channel.code,
          cause_,
          heal === 'republish' ? 'healing' : 'open',
          (cause === 'accepted_not_applied' ? r.published : r.applied) ?? 0,
          shown,
          JSON.stringify({ cause, heal, listingId: r.id, appliedVersion: r.appliedVersion }),
          `drift:${r.id}`,
          t.toISOString(),
        )
      }
      if (heal === 'republish') {
        await republishOver(tx, r.id, shown, t)
        republished = true
      } else if (deps.holdFlagged) {
        // Found because a compare-and-set was refused: retrying would only be refused again (and
        // overwrite what a person is asked to look at). Held until they republish or it matches.
        await tx.$executeRawUnsafe(
          `UPDATE "ChannelListing" SET "nextAttemptAt" = 'infinity', "lastError" = $2 WHERE id = $1::uuid AND "desiredVersion" > "publishedVersion"`,
          r.id,
          `held: ${sentence}; a person decides on the drift finding (Republish, or resolve it)`,
        )
      }
    }
    if (!deps.listingIds && slice.length > 0)
      await tx.systemState.upsert({
        where: { key: cursorKey },
        create: { key: cursorKey, value: { after: slice[slice.length - 1].id } },
        update: { value: { after: slice[slice.length - 1].id }, updatedAt: t },
      })
    if (republished) await enqueuePublish(tx, channelId)
  })
  if (Object.keys(result.drift).length > 0 || result.resolved > 0)
    emitRealtime([ROOMS.findings, ROOMS.dashboard, ROOMS.channel(channel.code)], 'findings.changed', { kind: 'drift' })
  return result
}

/** "2 units sold", "1 unit sold and 1 cancelled" (sentences for the explanation). */
export function describeOrders(sold: number, returned: number): string {
  const u = (n: number) => `${n} unit${n === 1 ? '' : 's'}`
  if (sold > 0 && returned > 0) return `${u(sold)} sold and ${returned} cancelled in its orders`
  return sold > 0 ? `${u(sold)} sold in its orders` : `${u(returned)} cancelled in its orders`
}

/** One pass over every active channel (the periodic job). */
export async function reconcileChannels(
  db: PrismaClient,
  deps: { connectorFor(channel: ChannelRow): Connector; now?: () => Date },
): Promise<ReconcileResult[]> {
  const channels = await db.channel.findMany({ where: { status: 'active' }, select: { id: true } })
  const out: ReconcileResult[] = []
  for (const c of channels) out.push(await reconcileChannel(db, c.id, deps))
  return out
}
