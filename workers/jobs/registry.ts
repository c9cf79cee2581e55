// Binds every job of the catalogue (server/queue/job-catalog.ts: task name, attempts, schedule) to
// its payload schema and handler. The mapped type makes a catalogue entry without a handler, or a
// handler without an entry, fail to compile. Handlers are idempotent and only call server/.
import { z } from 'zod'
import type { PrismaClient } from '@prisma/client'
import { CRONTAB, JOB_CATALOG, JOB_NAMES, type JobName } from '../../server/queue/job-catalog'
import { recomputeInLanes } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { verifyChannel } from '../../server/publishing/verify-channel'
import { pollFeed, type PollFeedPayload } from '../../server/publishing/poll-feed'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { emitListingsChanged, emitRealtime, ROOMS } from '../../server/realtime/publisher'
import { processSnapshot } from '../../server/reconciliation/process-snapshot'
import { ingestFile } from '../../server/ingest/inbox/ingest-file'
import { config } from '../../server/env'
import { flagAgedReservations } from '../../server/reconciliation/flag-aged-reservations'
import { evaluateSlos, webhookNotifier } from '../../server/metrics/slo'
import { compactListingStates } from '../../server/metrics/compact-listing-states'
import { reconcileChannels } from '../../server/reconciliation/channel-drift'
import { applyExpiredHoldbacks } from '../../server/rules/expire-holdbacks'
import { activateDueRuleVersions } from '../../server/rules/activate-rule-versions'
import { applyAllocationBoundary } from '../../server/rules/allocation-windows'
import { checkFeedFreshness } from '../../server/freshness/check-feed-freshness'
import { processNativeMessage } from '../../server/orders/native-message'
import { pollChannelOrders, scheduleOrderPolls } from '../../server/orders/poll-orders'
import { applyRetention } from '../../server/retention/apply-retention'
import { sweepRecomputeOutbox } from '../../server/availability/sweep-recompute'
import { recordInvalidJobPayload } from '../../server/queue/invalid-job-payload'
import { describeIssues } from '../../server/errors'

export interface JobContext {
  db: PrismaClient
  log: (line: string) => void
}

export interface JobDefinition<S extends z.ZodType> {
  payload: S
  /** graphile-worker retries a throwing handler with exponential backoff up to the catalogue's maxAttempts. */
  handler(payload: z.infer<S>, ctx: JobContext): Promise<unknown>
}

function job<S extends z.ZodType>(d: JobDefinition<S>): JobDefinition<S> {
  return d
}

const channelPayload = z.object({ channelId: z.string().uuid() })

export const JOBS: { [K in JobName]: JobDefinition<z.ZodType> } = {
  recomputeAvailability: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db }) {
      return recomputeInLanes(db, {
        lanes: 2,
        batchSize: 500,
        budgetMs: 10_000,
        onBatch: (r) => {
          // Every new decision, not only new quantities: a SKU page shows the reasons too.
          if (r.decided.length === 0) return
          emitListingsChanged(
            r.decided.map((c) => c.sku),
            [...new Set(r.decided.map((c) => c.channel))],
          )
        },
      })
    },
  }),
  publishChannel: job({
    payload: channelPayload,
    handler: (p, { db }) => publishChannel(db, p.channelId, { connectorFor: connectorForChannel }),
  }),
  verifyChannel: job({
    payload: channelPayload,
    handler: (p, { db }) => verifyChannel(db, p.channelId, { connectorFor: connectorForChannel }),
  }),
  pollFeed: job({
    payload: z.object({
      channelId: z.string().uuid(),
      handle: z
        .object({
          feedId: z.string(),
          feedType: z.string(),
          submittedAt: z.string(),
          messages: z.array(
            z.object({ messageId: z.number(), listingId: z.string(), externalSku: z.string(), quantity: z.number() }),
          ),
        })
        .passthrough(),
      versions: z.record(z.string(), z.number()),
      attempt: z.number().optional(),
    }),
    handler: (p, { db }) => pollFeed(db, p as PollFeedPayload, { connectorFor: connectorForChannel }),
  }),
  processSnapshot: job({
    payload: z.object({ snapshotId: z.string().uuid() }),
    handler: (p, { db }) => processSnapshot(db, p.snapshotId),
  }),
  ingestFile: job({
    payload: z.object({ messageId: z.string().uuid(), source: z.string() }),
    async handler(p, { db, log }) {
      const r = await ingestFile(db, p.messageId, { inboxDir: config().inboxDir })
      log(
        `[inbox] ${p.source} file ${p.messageId}: ${r.outcome}${r.kind ? ` (${r.kind})` : ''}${r.accepted !== undefined ? `, ${r.accepted} applied, ${r.duplicates} duplicates, ${r.rejected} rejected` : ''}${r.error ? `: ${r.error}` : ''}`,
      )
      return r
    },
  }),
  flagAgedReservations: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db }) {
      const r = await flagAgedReservations(db, { defaultMaxAgeHours: config().reservationMaxAgeHours })
      if (r.opened + r.resolved > 0)
        emitRealtime([ROOMS.dashboard, ROOMS.findings], 'findings.changed', { kind: 'aged_reservation' })
      return r
    },
  }),
  evaluateSlos: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db, log }) {
      // The listing state rollup grows a row per listing statement; fold it each minute so the
      // health reads below (and every dashboard refetch) sum a few rows per channel.
      await compactListingStates(db)
      const alerts = await evaluateSlos(db, { notify: webhookNotifier(config().alertWebhookUrl, log) })
      for (const a of alerts) log(`[slo] ${a.state}: ${a.message}`)
      if (alerts.length > 0)
        emitRealtime([ROOMS.dashboard, ROOMS.findings, ROOMS.kpis], 'findings.changed', { kind: 'slo_breach' })
      return alerts
    },
  }),
  reconcileChannels: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db, log }) {
      const results = await reconcileChannels(db, { connectorFor: connectorForChannel })
      for (const r of results)
        if (Object.keys(r.drift).length > 0)
          log(`[reconcile] ${r.channel}: checked ${r.checked}, drift ${JSON.stringify(r.drift)}`)
      return results
    },
  }),
  expireHoldbacks: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db, log }) {
      const r = await applyExpiredHoldbacks(db)
      if (r.expired > 0) log(`[holdbacks] ${r.expired} expired; ${r.skus} SKUs recomputing`)
      return r
    },
  }),
  activateRules: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db, log }) {
      const versions = await activateDueRuleVersions(db)
      if (versions.length > 0) log(`[rules] now in force: ${versions.join(', ')}; recomputing every SKU`)
      return versions
    },
  }),
  allocationBoundary: job({
    payload: z.object({ at: z.iso.datetime({ offset: true }) }),
    async handler(p, { db, log }) {
      const r = await applyAllocationBoundary(db, new Date(p.at))
      if (r.windows.length > 0)
        log(`[rules] allocation window boundary ${p.at}: ${r.windows.join('; ')}; ${r.skus} SKUs recomputing`)
      return r
    },
  }),
  checkFreshness: job({
    payload: z.object({}).passthrough(),
    async handler(_p, { db, log }) {
      const transitions = await checkFeedFreshness(db)
      for (const t of transitions)
        log(
          `[degraded] ALERT ${t.what} ${t.state === 'stale' ? 'is stale: degraded policies apply' : 'returned: degraded policies lifted'}`,
        )
      if (transitions.length > 0)
        emitRealtime([ROOMS.dashboard, ROOMS.findings], 'findings.changed', { kind: 'degraded' })
      return transitions
    },
  }),
  processNativeMessage: job({
    payload: z.object({ messageId: z.string().uuid() }),
    async handler(p, { db, log }) {
      const r = await processNativeMessage(db, p.messageId)
      if (r && r.rejected.length > 0)
        log(`[orders] ${r.channel} message ${p.messageId}: ${r.rejected.length} dead-lettered (${r.rejected[0].code})`)
      return r
    },
  }),
  scheduleOrderPolls: job({
    payload: z.object({}).passthrough(),
    handler: (_p, { db }) => scheduleOrderPolls(db),
  }),
  pollChannelOrders: job({
    payload: channelPayload,
    async handler(p, { db, log }) {
      const r = await pollChannelOrders(db, p.channelId)
      if (r.outcome === 'failed') log(`[orders] ${r.channel} poll failed: ${r.error}`)
      return r
    },
  }),
  sweepRecompute: job({
    payload: z.object({}).passthrough(),
    handler: (_p, { db }) => sweepRecomputeOutbox(db),
  }),
  applyRetention: job({
    payload: z.object({}).passthrough(),
    handler: (_p, { db, log }) => applyRetention(db, { log }),
  }),
}

export { CRONTAB }

/** graphile-worker task list: parse the payload at the boundary, then call the handler. */
export function taskList(ctx: JobContext): Record<string, (payload: unknown) => Promise<void>> {
  const list: Record<string, (payload: unknown) => Promise<void>> = {}
  for (const name of JOB_NAMES) {
    const d = JOBS[name]
    list[JOB_CATALOG[name].task] = async (payload: unknown) => {
      const parsed = (d.payload as z.ZodType).safeParse(payload ?? {})
      if (!parsed.success) {
        // A malformed payload will never succeed: it becomes a dead letter rather than retrying forever.
        const task = JOB_CATALOG[name].task
        const reason = describeIssues(parsed.error.issues, { root: 'payload' })
        await recordInvalidJobPayload(ctx.db, task, payload, reason)
        ctx.log(`[job ${task}] invalid payload dead-lettered: ${reason}`)
        return
      }
      await (d.handler as (p: unknown, c: JobContext) => Promise<unknown>)(parsed.data, ctx)
    }
  }
  return list
}
