// One definition of a channel's health, used by the dashboard tile, the channel page, the KPIs,
// the SLO evaluator and Prometheus alike. `assessChannelHealth` is the pure rule over measured
// inputs; `getChannelsHealth` is the read model that measures them (listing state from the
// ChannelListingState rollup (listing-states.ts), the LagMinute rollup of the last 15 minutes, the
// breaker and open dead letters), never a count over every listing nor a scan of attempts.
//
// Invariants:
// - a listing waits from the receipt of the oldest input its channel does not show yet, until the
//   channel applies it: sending (or an accepted feed) does not stop the clock, so a channel whose
//   sent updates are never applied still has an oldest waiting age and stale listings;
// - a live channel with a listing waiting longer than its SLO (`sloStaleAfterSeconds`) is never
//   healthy, whatever its lag says (no verified updates means no lag samples at all);
// - a measurement that was not taken is null ("not measured"), never 0.
import type { Db } from '../db'
import { sloOf } from '../channels/channel-settings'
import { lagPercentile, sumBuckets, type LagPercentile } from './lag-percentile'
import { getListingStates } from './listing-states'
import { listingCounts, type ListingCounts } from './listing-counts'

export const HEALTH_WINDOW_MINUTES = 15
/** Fewer lag samples than this in the window: p95 is not judged (too few to say). */
export const MIN_LAG_SAMPLES = 5

/** When a listing started waiting: one definition, in SQL (listing-states.ts, the migration's listing_waiting_since). */
export { WAITING_SINCE_SQL } from './listing-states'

export type HealthState = 'healthy' | 'degraded' | 'unhealthy' | 'paused' | 'shadow'
export type HealthCheck = 'stale' | 'lag' | 'lag_unmeasured' | 'breaker' | 'failing' | 'intake' | 'paused' | 'shadow'

export interface HealthReason {
  check: HealthCheck
  severity: 'bad' | 'warn' | 'info'
  message: string
}

export interface HealthInputs {
  mode: string
  status: string
  breakerState: string
  slo: { lagP95Seconds: number; staleAfterSeconds: number }
  listings: ListingCounts
  lag: {
    windowMinutes: number
    samples: number
    p50: LagPercentile | null
    p95: LagPercentile | null
    maxSeconds: number | null
  }
  intake: { deadLettersOpen: number }
}

export interface ChannelHealth {
  state: HealthState
  tone: 'ok' | 'warn' | 'bad' | 'neutral'
  /** The first thing a person should know, one sentence. */
  summary: string
  reasons: HealthReason[]
  /** The two SLOs, judged: null when not measured (lag with too few samples). */
  lagBreached: boolean | null
  staleBreached: boolean
}

const dur = (s: number): string =>
  s < 60
    ? `${Math.round(s)} s`
    : s < 3600
      ? `${Math.round(s / 6) / 10} min`
      : s < 86_400
        ? `${Math.round(s / 360) / 10} h`
        : `${Math.round(s / 8640) / 10} d`
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

export function assessChannelHealth(h: HealthInputs): ChannelHealth {
  const { listings: l, slo } = h
  const staleBreached =
    l.stale > 0 || (l.oldestWaitingSeconds !== null && l.oldestWaitingSeconds > slo.staleAfterSeconds)
  const measured = h.lag.samples >= MIN_LAG_SAMPLES && h.lag.p95 !== null
  const lagBreached = measured ? h.lag.p95!.seconds > slo.lagP95Seconds : null
  const reasons = [...controlReasons(h), ...syncReasons(h, staleBreached, measured, lagBreached)]

  const bad = reasons.some((r) => r.severity === 'bad')
  const warn = reasons.some((r) => r.severity === 'warn')
  const state: HealthState =
    h.mode === 'shadow'
      ? 'shadow'
      : h.status === 'paused'
        ? 'paused'
        : bad
          ? 'unhealthy'
          : warn
            ? 'degraded'
            : 'healthy'
  const tone = state === 'shadow' ? 'neutral' : state === 'unhealthy' ? 'bad' : state === 'healthy' ? 'ok' : 'warn'
  const first = reasons.find((r) => r.severity === 'bad') ?? reasons.find((r) => r.severity === 'warn') ?? reasons[0]
  const summary = first
    ? first.message
    : l.total === 0
      ? 'No listings yet.'
      : `All within the SLO: ${plural(l.inSync, 'listing')} in sync${l.waiting ? `, ${plural(l.waiting, 'listing')} on the way (oldest ${dur(l.oldestWaitingSeconds ?? 0)})` : ''}.`
  return { state, tone, summary, reasons, lagBreached, staleBreached: h.mode === 'shadow' ? false : staleBreached }
}

/** What the channel's controls say: shadow mode, paused, the circuit breaker. */
function controlReasons(h: HealthInputs): HealthReason[] {
  const reasons: HealthReason[] = []
  const { listings: l } = h
  if (h.mode === 'shadow')
    reasons.push({ check: 'shadow', severity: 'info', message: 'Shadow mode: computes and reads back, never writes.' })
  if (h.status === 'paused')
    reasons.push({
      check: 'paused',
      severity: 'warn',
      message: `Paused: nothing is sent; ${plural(l.waiting, 'listing')} waiting.`,
    })
  if (h.breakerState === 'open')
    reasons.push({
      check: 'breaker',
      severity: 'bad',
      message: 'Circuit breaker open: the channel failed repeatedly, sending is suspended.',
    })
  else if (h.breakerState === 'half_open')
    reasons.push({
      check: 'breaker',
      severity: 'warn',
      message: 'Circuit breaker half-open: probing whether the channel recovered.',
    })
  return reasons
}

/** How the channel keeps up: stale listings, lag against the SLO (or unmeasured), failures, intake dead letters. */
function syncReasons(
  h: HealthInputs,
  staleBreached: boolean,
  measured: boolean,
  lagBreached: boolean | null,
): HealthReason[] {
  const reasons: HealthReason[] = []
  const { listings: l, slo } = h
  if (staleBreached && h.mode !== 'shadow') {
    const n = Math.max(l.stale, 1)
    reasons.push({
      check: 'stale',
      severity: 'bad',
      message: `${plural(n, 'listing')} waiting longer than the SLO of ${dur(slo.staleAfterSeconds)}${l.oldestWaitingSeconds !== null ? ` (oldest ${dur(l.oldestWaitingSeconds)})` : ''}.`,
    })
  }
  if (lagBreached)
    reasons.push({
      check: 'lag',
      severity: 'bad',
      message: `Lag p95 ≈ ${dur(h.lag.p95!.seconds)} over ${h.lag.windowMinutes} min, above the SLO of ${dur(slo.lagP95Seconds)}.`,
    })
  if (!measured && l.waiting > 0 && h.mode !== 'shadow') {
    reasons.push({
      check: 'lag_unmeasured',
      severity: 'info',
      message: `Lag not measured: ${h.lag.samples === 0 ? 'no' : `only ${h.lag.samples}`} applied update(s) confirmed in the last ${h.lag.windowMinutes} min while ${plural(l.waiting, 'listing')} wait.`,
    })
  }
  if (l.failing > 0)
    reasons.push({
      check: 'failing',
      severity: 'warn',
      message: `${plural(l.failing, 'listing')} whose last publish failed.`,
    })
  if (h.intake.deadLettersOpen > 0)
    reasons.push({
      check: 'intake',
      severity: 'warn',
      message: `${plural(h.intake.deadLettersOpen, 'open dead letter')} for this channel.`,
    })
  return reasons
}

export interface ChannelHealthView extends HealthInputs {
  code: string
  name: string
  kind: string
  health: ChannelHealth
}

/** Health of every channel (or of `codes`), measured at `now`. */
export async function getChannelsHealth(
  db: Db,
  opts: { now?: Date; codes?: string[] } = {},
): Promise<ChannelHealthView[]> {
  const now = opts.now ?? new Date()
  const channels = await db.channel.findMany({
    where: opts.codes ? { code: { in: opts.codes } } : {},
    orderBy: { code: 'asc' },
  })
  if (channels.length === 0) return []
  const ids = channels.map((c) => c.id)
  const windowFrom = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (HEALTH_WINDOW_MINUTES - 1) * 60_000)
  const [stats, lagRows, dead] = await Promise.all([
    getListingStates(
      db,
      channels.map((c) => ({ id: c.id, staleAfterSeconds: sloOf(c.settings).staleAfterSeconds })),
      now,
    ),
    db.lagMinute.findMany({
      where: { channelId: { in: ids }, minute: { gte: windowFrom } },
      select: { channelId: true, count: true, buckets: true, maxMs: true },
    }),
    db.$queryRawUnsafe<Array<{ channel: string; n: bigint }>>(
      `SELECT channel, count(*) AS n FROM "DeadLetter" WHERE status IN ('open', 'replay_requested') AND channel = ANY($1::text[]) GROUP BY 1`,
      channels.map((c) => c.code),
    ),
  ])
  return channels.map((c) => {
    const buckets: number[] = []
    let samples = 0
    let maxMs: number | null = null
    for (const r of lagRows)
      if (r.channelId === c.id) {
        sumBuckets(buckets, r.buckets)
        samples += r.count
        maxMs = Math.max(maxMs ?? 0, r.maxMs)
      }
    const inputs: HealthInputs = {
      mode: c.mode,
      status: c.status,
      breakerState: c.breakerState,
      slo: sloOf(c.settings),
      listings: listingCounts(stats.get(c.id), now),
      lag: {
        windowMinutes: HEALTH_WINDOW_MINUTES,
        samples,
        p50: lagPercentile(buckets, 50),
        p95: lagPercentile(buckets, 95),
        maxSeconds: maxMs === null ? null : Math.round(maxMs / 100) / 10,
      },
      intake: { deadLettersOpen: Number(dead.find((d) => d.channel === c.code)?.n ?? 0) },
    }
    return { code: c.code, name: c.name, kind: c.kind, ...inputs, health: assessChannelHealth(inputs) }
  })
}
