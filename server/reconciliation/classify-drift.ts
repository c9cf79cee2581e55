// Why a channel shows another number than the one we last applied (the pure rule reconciliation
// applies to each read-back), and the policy that heals each cause:
//   own_pending                - our own update is on its way: nothing to do (verify follows it);
//   accepted_not_applied       - the channel accepted an update and never applied it: republish;
//   lost_update                - the channel shows a quantity we sent earlier (an update got lost): republish;
//   shared_quantity_overwrite  - the channel shows another channel's number for this SKU (a shared
//                                quantity on the marketplace side): flag for a person;
//   sold_on_channel            - the channel sold (or took back) units in orders we have received since
//                                its number was last known: a sale is not drift. Healed at once: the
//                                shown number becomes the expected one and ours (which counts the
//                                reservation) goes out over it; no finding, never held;
//   orders_in_flight           - the channel shows another number than received orders explain, but
//                                orders it took (or their cancellations) may still be on their way
//                                to us: within the channel's order grace period (from its measured
//                                order intake lag) nothing is flagged; a compare-and-set conflict
//                                waits for the orders (or the grace's end);
//   merchant_edit              - someone changed it on the channel, once the grace has passed with
//                                no order to explain it: flag for a person.
// Policy: settings.driftHeal = { <cause>: 'republish' | 'flag' }. A later read-back that matches
// resolves the finding. Findings are deduplicated per listing.

import { possibleAfterOrders } from '../orders/orders-since'

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
  /** That newer version was accepted within the verify SLA plus the order grace (verification still waits for a shortfall orders may explain). */
  acceptedWithinGrace?: boolean
  /**
   * Units of this SKU in channel orders we have received with a marketplace time after the
   * channel's number was last known (the applied version was sent, or a read-back set it):
   * `sold` by orders created, `returned` by cancellations (the channel restocks them).
   */
  orders?: { sold: number; returned: number }
  /**
   * Of those, the changes (sale negative, cancellation positive, oldest first) placed before our
   * applied number was verified: the channel may have made them before it applied ours, which its
   * absolute set then absorbed.
   */
  absorbable?: number[]
  /** A shortfall may still be orders the channel took that have not reached us (within its grace). */
  withinOrderGrace?: boolean
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
  // A sale is not drift: the channel's number is ours moved by the orders it took since (those
  // before our number applied there absorbed by it).
  const afterOrders = expectedAfterOrders(l)
  if (
    l.applied !== null &&
    ((l.orders?.sold ?? 0) > 0 || (l.orders?.returned ?? 0) > 0) &&
    possibleAfterOrders(l.applied, l.orders ?? { sold: 0, returned: 0 }, l.absorbable).includes(shown)
  )
    return 'sold_on_channel'
  // An update accepted within its verify SLA is verification's to follow: it tells an update that
  // applied and then sold from one that never applied (seen in the demo: Walmart and Amazon feeds
  // applied and sold a unit or two before verification came, called accepted-not-applied and sent
  // again over the sales).
  // Past the SLA, fewer units than we sent and its received orders explain (and not the number it
  // had before, which says the update never applied) may still be a sale on its way: verification
  // waits for it until the order grace ends too (seen in the demo: Walmart's first full sync,
  // accepted, applied and sold a unit before its polled order arrived, was republished over the sale).
  if (l.acceptedVersion > l.appliedVersion) {
    if (!l.acceptedStale) return 'own_pending'
    const sentAfterOrders =
      l.published === null ? null : l.published - (l.orders?.sold ?? 0) + (l.orders?.returned ?? 0)
    if (l.acceptedWithinGrace && sentAfterOrders !== null && shown < sentAfterOrders && shown !== l.applied)
      return 'own_pending'
    return 'accepted_not_applied'
  }
  // What orders still on their way may explain, until the grace ends. Fewer units than received
  // orders explain is a sale not received yet, also when the number happens to be one we sent
  // earlier or another channel's (seen in the demo: Shopify one or two units short after a sale
  // whose webhook was on its way, equal to a number of ours from minutes before, called a lost
  // update and republished over the sale; Amazon one unit short, equal to Walmart's number, flagged
  // as a shared overwrite).
  const inGrace = afterOrders !== null && l.withinOrderGrace === true
  if (inGrace && shown < afterOrders) return 'orders_in_flight'
  if (l.earlierSent.includes(shown)) return 'lost_update'
  if (l.otherChannelsApplied.includes(shown)) return 'shared_quantity_overwrite'
  // More units than received orders explain may be a cancellation not received yet, of an order
  // not received yet either: the channel sold before our number applied there (our absolute set
  // absorbed the sale), then restocked the cancelled units over ours (seen in the 30-minute demo:
  // Walmart's polled orders, created and cancelled within a minute, reached us after the read-back
  // that showed the restock, flagged as a merchant edit). After the grace it is not orders.
  if (inGrace) return 'orders_in_flight'
  return 'merchant_edit'
}

export function healPolicy(settings: unknown, cause: PolicyCause): HealAction {
  const p = (settings as { driftHeal?: Record<string, unknown> } | null)?.driftHeal?.[cause]
  return p === 'republish' || p === 'flag' ? p : DEFAULT_HEAL[cause]
}
