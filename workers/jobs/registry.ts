// Every job, declared once: name, payload schema, retry policy, handler. Handlers are idempotent
// and only call server/.
import { z } from 'zod'
import type { PrismaClient } from '@prisma/client'
import { TASKS } from '../../server/queue/enqueue'
import { recomputeInLanes } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { verifyChannel } from '../../server/publishing/verify-channel'
import { pollFeed, type PollFeedPayload } from '../../server/publishing/poll-feed'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { emitListingsChanged, emitRealtime, ROOMS } from '../../server/realtime/publisher'
import { PROCESS_SNAPSHOT_TASK, processSnapshot } from '../../server/reconciliation/snapshots'
import { INGEST_FILE_TASK } from '../../server/ingest/inbox/scan-inbox'
import { ingestFile } from '../../server/ingest/inbox/ingest-file'
import { config } from '../../server/env'
import { FLAG_AGED_RESERVATIONS_TASK, flagAgedReservations } from '../../server/reconciliation/flag-aged-reservations'
import { EVALUATE_SLOS_TASK, evaluateSlos, webhookNotifier } from '../../server/metrics/slo'
import { RECONCILE_CHANNELS_TASK, reconcileChannels } from '../../server/reconciliation/channel-drift'
import { applyExpiredHoldbacks, EXPIRE_HOLDBACKS_TASK } from '../../server/rules/holdbacks'
import { ACTIVATE_RULES_TASK, activateDueRuleVersions } from '../../server/rules/save-rule-set'
import { ALLOCATION_BOUNDARY_TASK, applyAllocationBoundary } from '../../server/rules/allocation-windows'
import { CHECK_FRESHNESS_TASK, checkFeedFreshness } from '../../server/freshness/check-feed-freshness'
import { PROCESS_NATIVE_MESSAGE_TASK } from '../../server/orders/receive-webhook'
import { processNativeMessage } from '../../server/orders/native-message'
import { POLL_ORDERS_TASK, pollChannelOrders, SCHEDULE_ORDER_POLLS_TASK, scheduleOrderPolls } from '../../server/orders/poll-orders'

export interface JobContext { db: PrismaClient; log: (line: string) => void }

export interface JobDefinition<S extends z.ZodType> {
  name: string
  payload: S
  /** graphile-worker retries a throwing handler with exponential backoff up to maxAttempts. */
  maxAttempts: number
  handler(payload: z.infer<S>, ctx: JobContext): Promise<unknown>
}

function job<S extends z.ZodType>(d: JobDefinition<S>): JobDefinition<S> { return d }

const channelPayload = z.object({ channelId: z.string().uuid() })

export const JOBS = [
  job({
    name: TASKS.recomputeAvailability,
    payload: z.object({}).passthrough(),
    maxAttempts: 25,
    async handler(_p, { db }) {
      return recomputeInLanes(db, {
        lanes: 2, batchSize: 500, budgetMs: 10_000,
        onBatch: (r) => {
          // Every new decision, not only new quantities: a SKU page shows the reasons too.
          if (r.decided.length === 0) return
          emitListingsChanged(r.decided.map((c) => c.sku), [...new Set(r.decided.map((c) => c.channel))])
        },
      })
    },
  }),
  job({
    name: TASKS.publishChannel,
    payload: channelPayload,
    maxAttempts: 25,
    handler: (p, { db }) => publishChannel(db, p.channelId, { connectorFor: connectorForChannel }),
  }),
  job({
    name: TASKS.verifyChannel,
    payload: channelPayload,
    maxAttempts: 25,
    handler: (p, { db }) => verifyChannel(db, p.channelId, { connectorFor: connectorForChannel }),
  }),
  job({
    name: TASKS.pollFeed,
    payload: z.object({ channelId: z.string().uuid(), handle: z.object({ feedId: z.string(), feedType: z.string(), submittedAt: z.string(), messages: z.array(z.object({ messageId: z.number(), listingId: z.string(), externalSku: z.string(), quantity: z.number() })) }).passthrough(), versions: z.record(z.string(), z.number()), attempt: z.number().optional() }),
    maxAttempts: 25,
    handler: (p, { db }) => pollFeed(db, p as PollFeedPayload, { connectorFor: connectorForChannel }),
  }),
  job({
    name: PROCESS_SNAPSHOT_TASK,
    payload: z.object({ snapshotId: z.string().uuid() }),
    maxAttempts: 5,
    handler: (p, { db }) => processSnapshot(db, p.snapshotId),
  }),
  job({
    name: INGEST_FILE_TASK,
    payload: z.object({ messageId: z.string().uuid(), source: z.string() }),
    maxAttempts: 10,
    async handler(p, { db, log }) {
      const r = await ingestFile(db, p.messageId, { inboxDir: config().inboxDir })
      log(`[inbox] ${p.source} file ${p.messageId}: ${r.outcome}${r.kind ? ` (${r.kind})` : ''}${r.accepted !== undefined ? `, ${r.accepted} applied, ${r.duplicates} duplicates, ${r.rejected} rejected` : ''}${r.error ? `: ${r.error}` : ''}`)
      return r
    },
  }),
  job({
    name: FLAG_AGED_RESERVATIONS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    async handler(_p, { db }) {
      const r = await flagAgedReservations(db, { defaultMaxAgeHours: config().reservationMaxAgeHours })
      if (r.opened + r.resolved > 0) emitRealtime([ROOMS.dashboard, ROOMS.findings], 'findings.changed', { kind: 'aged_reservation' })
      return r
    },
  }),
  job({
    name: EVALUATE_SLOS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    async handler(_p, { db, log }) {
      const alerts = await evaluateSlos(db, { notify: webhookNotifier(config().alertWebhookUrl, log) })
      for (const a of alerts) log(`[slo] ${a.state}: ${a.message}`)
      if (alerts.length > 0) emitRealtime([ROOMS.dashboard, ROOMS.findings, ROOMS.kpis], 'findings.changed', { kind: 'slo_breach' })
      return alerts
    },
  }),
  job({
    name: RECONCILE_CHANNELS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    async handler(_p, { db, log }) {
      const results = await reconcileChannels(db, { connectorFor: connectorForChannel })
      for (const r of results) if (Object.keys(r.drift).length > 0) log(`[reconcile] ${r.channel}: checked ${r.checked}, drift ${JSON.stringify(r.drift)}`)
      return results
    },
  }),
  job({
    name: EXPIRE_HOLDBACKS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 5,
    async handler(_p, { db, log }) {
      const r = await applyExpiredHoldbacks(db)
      if (r.expired > 0) log(`[holdbacks] ${r.expired} expired; ${r.skus} SKUs recomputing`)
      return r
    },
  }),
  job({
    name: ACTIVATE_RULES_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 10,
    async handler(_p, { db, log }) {
      const versions = await activateDueRuleVersions(db)
      if (versions.length > 0) log(`[rules] now in force: ${versions.join(', ')}; recomputing every SKU`)
      return versions
    },
  }),
  job({
    name: ALLOCATION_BOUNDARY_TASK,
    payload: z.object({ at: z.iso.datetime({ offset: true }) }),
    maxAttempts: 10,
    async handler(p, { db, log }) {
      const r = await applyAllocationBoundary(db, new Date(p.at))
      if (r.windows.length > 0) log(`[rules] allocation window boundary ${p.at}: ${r.windows.join('; ')}; ${r.skus} SKUs recomputing`)
      return r
    },
  }),
  job({
    name: CHECK_FRESHNESS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    async handler(_p, { db, log }) {
      const transitions = await checkFeedFreshness(db)
      for (const t of transitions) log(`[degraded] ALERT ${t.what} ${t.state === 'stale' ? 'is stale: degraded policies apply' : 'returned: degraded policies lifted'}`)
      if (transitions.length > 0) emitRealtime([ROOMS.dashboard, ROOMS.findings], 'findings.changed', { kind: 'degraded' })
      return transitions
    },
  }),
  job({
    name: PROCESS_NATIVE_MESSAGE_TASK,
    payload: z.object({ messageId: z.string().uuid() }),
    maxAttempts: 10,
    async handler(p, { db, log }) {
      const r = await processNativeMessage(db, p.messageId)
      if (r && r.rejected.length > 0) log(`[orders] ${r.channel} message ${p.messageId}: ${r.rejected.length} dead-lettered (${r.rejected[0].code})`)
      return r
    },
  }),
  job({
    name: SCHEDULE_ORDER_POLLS_TASK,
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    handler: (_p, { db }) => scheduleOrderPolls(db),
  }),
  job({
    name: POLL_ORDERS_TASK,
    payload: channelPayload,
    maxAttempts: 3,
    async handler(p, { db, log }) {
      const r = await pollChannelOrders(db, p.channelId)
      if (r.outcome === 'failed') log(`[orders] ${r.channel} poll failed: ${r.error}`)
      return r
    },
  }),
] as const

/** Periodic jobs (graphile-worker crontab: one run per minute across all workers). */
export const CRONTAB = [`* * * * * ${FLAG_AGED_RESERVATIONS_TASK} ?max=1`, `* * * * * ${EVALUATE_SLOS_TASK} ?max=1`, `* * * * * ${RECONCILE_CHANNELS_TASK} ?max=1`, `* * * * * ${EXPIRE_HOLDBACKS_TASK} ?max=1`, `* * * * * ${ACTIVATE_RULES_TASK} ?max=1`, `* * * * * ${CHECK_FRESHNESS_TASK} ?max=1`, `* * * * * ${SCHEDULE_ORDER_POLLS_TASK} ?max=1`].join('\n')

/** graphile-worker task list: parse the payload at the boundary, then call the handler. */
export function taskList(ctx: JobContext): Record<string, (payload: unknown) => Promise<void>> {
  const list: Record<string, (payload: unknown) => Promise<void>> = {}
  for (const d of JOBS) {
    list[d.name] = async (payload: unknown) => {
      const parsed = (d.payload as z.ZodType).safeParse(payload ?? {})
      if (!parsed.success) {
        // A malformed payload will never succeed: log it and drop it rather than retry forever.
        ctx.log(`[job ${d.name}] invalid payload dropped: ${parsed.error.message}`)
        return
      }
      await (d.handler as (p: unknown, c: JobContext) => Promise<unknown>)(parsed.data, ctx)
    }
  }
  return list
}
