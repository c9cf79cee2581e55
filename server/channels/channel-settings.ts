// The channel settings publishing, verification, reconciliation and the health verdict read off a
// channel's `settings` JSON, each with its default, in one place.

type WithSettings = { settings: unknown }
const settingsOf = (c: WithSettings) => (c.settings ?? {}) as Record<string, unknown>

/** Pending listings from which a channel with a bulk path sends a feed (settings.bulkThreshold, default 50). */
export function bulkThreshold(channel: WithSettings): number {
  const n = Number(settingsOf(channel).bulkThreshold ?? 50)
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 50
}

/** Listings a feed carries for an ordinary backlog when settings.bulkMaxPerFeed is not set. */
export const DEFAULT_FEED_SIZE = 2_000
/** Unset, a large backlog goes in about this many feeds (each as large as the marketplace allows). */
export const FEEDS_PER_BACKLOG = 10

/**
 * Most listings one feed carries, the marketplace's own maximum capping it: settings.bulkMaxPerFeed
 * when set; unset, a tenth of the backlog and at least 2,000. Amazon asks for fewer, larger feeds
 * ("combine the data into less frequent larger feeds", Feeds API best practices) and takes five
 * listings feeds per five minutes, so a first sync of 200,000 listings goes in 20 feeds, not 100.
 */
export function bulkFeedSize(channel: WithSettings, backlog: number, marketplaceMax: number): number {
  const set = Number(settingsOf(channel).bulkMaxPerFeed)
  const size =
    Number.isFinite(set) && set >= 1
      ? Math.floor(set)
      : Math.max(DEFAULT_FEED_SIZE, Math.ceil(backlog / FEEDS_PER_BACKLOG))
  return Math.min(marketplaceMax, size)
}

/** How long after an accepted update verification first reads it back (settings.verifyAfterSeconds, default 5, at least 1). */
export function verifyDelayMs(channel: WithSettings): number {
  const s = Number(settingsOf(channel).verifyAfterSeconds ?? 5)
  return Math.max(1, s) * 1000
}

/** How long an accepted update may stay unseen before it is an `unverified` finding (settings.verifySlaSeconds, default 300). */
export function verifySlaMs(channel: WithSettings): number {
  return Number(settingsOf(channel).verifySlaSeconds ?? 300) * 1000
}

/** Listings one reconciliation pass reads back (settings.reconcileBatch, default 200). */
export function reconcileBatch(channel: WithSettings): number {
  return Number(settingsOf(channel).reconcileBatch ?? 200)
}

/** The channel's SLOs (settings.sloLagP95Seconds, default 60; settings.sloStaleAfterSeconds, default 300). */
export function sloOf(settings: unknown): { lagP95Seconds: number; staleAfterSeconds: number } {
  const s = (settings ?? {}) as { sloLagP95Seconds?: unknown; sloStaleAfterSeconds?: unknown }
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d)
  return { lagP95Seconds: num(s.sloLagP95Seconds, 60), staleAfterSeconds: num(s.sloStaleAfterSeconds, 300) }
}

/**
 * How long a channel showing fewer units than its received orders explain is given for the orders
 * it took to reach us before the difference counts as a merchant edit. settings.orderGraceSeconds
 * fixes it; otherwise twice the measured p99 order intake lag (marketplace order time to
 * reservation, last hour), clamped to [60 s, 15 min]; 120 s when nothing was measured. The floor:
 * the 30-minute demo measured Shopify's webhooks at a p99 of 23 s (a 46 s grace), and an order
 * delayed past it by a loaded machine would be a merchant edit; a real edit found a minute later
 * costs nothing.
 */
export function orderGraceMs(channel: WithSettings, measuredP99Seconds: number | null): number {
  const fixed = Number(settingsOf(channel).orderGraceSeconds)
  if (Number.isFinite(fixed) && fixed > 0) return Math.round(fixed * 1000)
  if (measuredP99Seconds === null || !Number.isFinite(measuredP99Seconds)) return 120_000
  return Math.round(Math.min(900, Math.max(60, 2 * measuredP99Seconds)) * 1000)
}

/** How long a live channel's orders intake may be silent (no delivery, no successful poll) before it counts as stopped (settings.orderIntakeStaleAfterSeconds, default 900). */
export function orderIntakeStaleAfterMs(channel: WithSettings): number {
  const s = Number(settingsOf(channel).orderIntakeStaleAfterSeconds ?? 900)
  return (Number.isFinite(s) && s > 0 ? s : 900) * 1000
}
