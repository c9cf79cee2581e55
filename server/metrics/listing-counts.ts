// A channel's listing counts as read off its listing-state rollup (listing-states.ts), with the
// oldest wait as an age at a moment: what the health rule judges, and the screens' words for it
// (a waiting listing is "pending").
import type { ListingStates } from './listing-states'

export interface ListingCounts {
  total: number
  inSync: number
  waiting: number
  failing: number
  stale: number
  oldestWaitingSeconds: number | null
}

const NO_LISTINGS: ListingStates = { total: 0, inSync: 0, waiting: 0, failing: 0, stale: 0, oldestWaitingAt: null }

/** The counts of one channel's state row (none: a channel without listings), the oldest wait in whole seconds at `now`. */
export function listingCounts(s: ListingStates | undefined, now: Date): ListingCounts {
  const { total, inSync, waiting, failing, stale, oldestWaitingAt } = s ?? NO_LISTINGS
  const oldestWaitingSeconds = oldestWaitingAt
    ? Math.max(0, Math.round((now.getTime() - oldestWaitingAt.getTime()) / 1000))
    : null
  return { total, inSync, waiting, failing, stale, oldestWaitingSeconds }
}

export interface ListingsView {
  total: number
  /** Applied at the channel at the version we last decided. */
  inSync: number
  /** Decided but not yet confirmed applied by the channel. */
  pending: number
  /** Listings whose last publish attempt failed or was rejected. */
  failing: number
  /** Listings waiting longer than the channel's SLO (sloStaleAfterSeconds). */
  stale: number
  /** Age in seconds of the oldest input the channel does not show yet (null when none waits). */
  oldestPendingSeconds: number | null
}

export function listingsView(l: ListingCounts): ListingsView {
  const { total, inSync, waiting, failing, stale, oldestWaitingSeconds } = l
  return { total, inSync, pending: waiting, failing, stale, oldestPendingSeconds: oldestWaitingSeconds }
}
