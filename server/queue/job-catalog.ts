// Every background job, declared once: its task name, how many attempts graphile-worker gives it,
// and for periodic jobs their schedule. `enqueue` reads attempts from here (no call site sets them),
// the crontab is generated from here, and workers/jobs/registry.ts must bind a payload schema and a
// handler to every entry (its type fails to compile otherwise).
//
// Periodic jobs run on one worker at their schedule and get one attempt: the next run is their
// retry. Jobs they also get enqueued for a due time (a holdback expiring, a rule version coming into
// force) share that policy, since the next periodic run catches what a failed one left.

export interface JobSpec {
  task: string
  maxAttempts: number
  /** graphile-worker claims lower numbers first (default 0; publishing takes the rules' publishPriority). */
  priority?: number
  /** A cron schedule (graphile-worker crontab syntax) for periodic jobs. */
  cron?: string
}

export const JOB_CATALOG = {
  /**
   * Recompute dirty SKUs' channel quantities (one pending job at most, lanes inside). Claimed before
   * publishing, read-backs and the crons whenever a slot frees: every channel waits on its decisions
   * (a 200,000-SKU first sync left it behind publish and verify runs with half the SKUs undecided).
   */
  recomputeAvailability: { task: 'recompute-availability', maxAttempts: 25, priority: -50 },
  /** Send one channel's pending listing quantities within its rate budget. */
  publishChannel: { task: 'publish-channel', maxAttempts: 25 },
  /** Read back what a channel applied after its verify delay. */
  verifyChannel: { task: 'verify-channel', maxAttempts: 25 },
  /** Poll one submitted feed (Amazon, Walmart) for its per-item results. */
  pollFeed: { task: 'poll-feed', maxAttempts: 25 },
  /** Compare one stored ERP snapshot with positions. */
  processSnapshot: { task: 'process-snapshot', maxAttempts: 5 },
  /** Parse and apply one stored inbox file. */
  ingestFile: { task: 'ingest-file', maxAttempts: 10 },
  /** Recompute at an allocation window's start or end. */
  allocationBoundary: { task: 'allocation-window-boundary', maxAttempts: 10 },
  /**
   * Apply one stored marketplace order message (webhook body) through the native order mapping.
   * Claimed before every other job (a reservation keeps the other channels from selling the units),
   * several at once (differences per order line under row locks taken in one order: no queue).
   */
  processNativeMessage: { task: 'process-native-order-message', maxAttempts: 10, priority: -100 },
  /** Poll one channel's orders API (Amazon, Walmart) or reconcile Shopify's webhooks, from its stored cursor. */
  pollChannelOrders: { task: 'poll-channel-orders', maxAttempts: 3 },
  /** Enqueue an orders poll for every channel whose interval has passed. */
  scheduleOrderPolls: { task: 'schedule-order-polls', maxAttempts: 1, cron: '* * * * *' },
  flagAgedReservations: { task: 'flag-aged-reservations', maxAttempts: 1, cron: '* * * * *' },
  evaluateSlos: { task: 'evaluate-slos', maxAttempts: 1, cron: '* * * * *' },
  reconcileChannels: { task: 'reconcile-channels', maxAttempts: 1, cron: '* * * * *' },
  expireHoldbacks: { task: 'expire-holdbacks', maxAttempts: 1, cron: '* * * * *' },
  activateRules: { task: 'activate-rule-versions', maxAttempts: 1, cron: '* * * * *' },
  checkFreshness: { task: 'check-feed-freshness', maxAttempts: 1, cron: '* * * * *' },
  /** Queue a recompute when SKUs wait with no job to decide them (a claim a stopped worker left). */
  sweepRecompute: { task: 'sweep-recompute', maxAttempts: 1, cron: '* * * * *' },
  /** Delete rows past their retention in small batches (daily, 03:17). */
  applyRetention: { task: 'apply-retention', maxAttempts: 1, cron: '17 3 * * *' },
} as const satisfies Record<string, JobSpec>

export type JobName = keyof typeof JOB_CATALOG

export const JOB_NAMES = Object.keys(JOB_CATALOG) as JobName[]

/** graphile-worker's crontab: every periodic job with its attempts. */
export const CRONTAB = JOB_NAMES.map((name) => JOB_CATALOG[name] as JobSpec)
  .filter((j) => j.cron)
  .map((j) => `${j.cron} ${j.task} ?max=${j.maxAttempts}`)
  .join('\n')
