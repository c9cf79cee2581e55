// Order intake, measured (read model): how long a channel's orders take from the marketplace's order
// time to our reservation (a per-minute histogram, OrderLagMinute, recorded by the order use case
// with `recordOrderLag` in lag.ts), and whether each intake path (webhook deliveries, pollers) is
// alive (ChannelOrderIntake, written by the intake). The lag also sets the channel's order grace period (channel-settings.ts): how long
// a shortfall on the channel may still be orders on their way before it is a merchant edit.
import type { Db } from '../db'
import { lagPercentile } from './lag-percentile'
import { orderGraceMs, orderIntakeStaleAfterMs } from '../channels/channel-settings'

export interface IntakeLag {
  samples: number
  p50Seconds: number | null
  p95Seconds: number | null
  p99Seconds: number | null
}

const sumInto = (into: number[], add: number[]) => {
  for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + (add[i] ?? 0)
  return into
}

/** Order intake lag per channel id since `from` (rollups only); channels with no sample are absent. */
export async function getOrderIntakeLag(db: Db, from: Date): Promise<Map<string, IntakeLag & { buckets: number[] }>> {
  const rows = await db.$queryRawUnsafe<Array<{ channelId: string; count: number; buckets: number[] }>>(
    `SELECT "channelId"::text AS "channelId", count, buckets FROM "OrderLagMinute" WHERE minute >= $1::timestamptz`,
    from.toISOString(),
  )
  const out = new Map<string, IntakeLag & { buckets: number[] }>()
  for (const r of rows) {
    const x = out.get(r.channelId) ?? { samples: 0, p50Seconds: null, p95Seconds: null, p99Seconds: null, buckets: [] }
    x.samples += Number(r.count)
    sumInto(x.buckets, r.buckets ?? [])
    out.set(r.channelId, x)
  }
  for (const x of out.values()) {
    x.p50Seconds = lagPercentile(x.buckets, 50)?.seconds ?? null
    x.p95Seconds = lagPercentile(x.buckets, 95)?.seconds ?? null
    x.p99Seconds = lagPercentile(x.buckets, 99)?.seconds ?? null
  }
  return out
}

/** The channel's order grace now: from its p99 intake lag over the last hour (or its setting). */
export async function loadOrderGraceMs(db: Db, channel: { id: string; settings: unknown }, now: Date): Promise<number> {
  const lag = (await getOrderIntakeLag(db, new Date(now.getTime() - 3_600_000))).get(channel.id)
  return orderGraceMs(channel, lag?.p99Seconds ?? null)
}

export interface IntakePath {
  path: string
  cursor: string | null
  cursorAt: string | null
  lastDeliveryAt: string | null
  lastPollAt: string | null
  lastSuccessAt: string | null
  lastFailureAt: string | null
  lastError: string | null
  consecutiveFailures: number
  deliveries: number
}

export type IntakeState = 'ok' | 'stopped' | 'not_connected' | 'not_live'

export interface ChannelIntake {
  channel: string
  state: IntakeState
  message: string
  /** The newest delivery accepted or poll that succeeded, over every path. */
  lastActivityAt: string | null
  staleAfterSeconds: number
  /** When it stopped (last activity + threshold), while it is stopped. */
  stoppedSince: string | null
  paths: IntakePath[]
}

interface PathRow {
  path: string
  cursor: string | null
  cursorAt: Date | null
  lastDeliveryAt: Date | null
  lastPollAt: Date | null
  lastSuccessAt: Date | null
  lastFailureAt: Date | null
  lastError: string | null
  consecutiveFailures: number
  deliveries: number
  updatedAt: Date
}

/**
 * Pure: is a channel's orders intake alive? A path is good at its last success (a webhook path
 * whose deliveries never failed also at its last delivery). A live, active channel whose intake
 * paths have all been silent longer than the threshold has stopped: it still sells, we no longer
 * hear of it. A channel with no intake path has no native orders connected (nothing to watch).
 */
export function intakeState(
  c: { code: string; live: boolean; staleAfterMs: number },
  paths: PathRow[],
  now: Date,
): Omit<ChannelIntake, 'paths'> {
  const staleAfterSeconds = Math.round(c.staleAfterMs / 1000)
  const good = paths
    .map((p) => p.lastSuccessAt ?? (p.consecutiveFailures === 0 ? p.lastDeliveryAt : null))
    .filter((d): d is Date => d !== null)
  const last = good.length > 0 ? new Date(Math.max(...good.map((d) => d.getTime()))) : null
  const base = { channel: c.code, lastActivityAt: last?.toISOString() ?? null, staleAfterSeconds, stoppedSince: null }
  if (paths.length === 0)
    return { ...base, state: 'not_connected', message: 'No native orders intake: orders come through the orders API.' }
  if (!c.live)
    return {
      ...base,
      state: 'not_live',
      message: 'The channel is not live (shadow or paused): its intake is not watched.',
    }
  // Never a success: silent since the intake was set up (the oldest row's last change).
  const since = last ?? new Date(Math.min(...paths.map((p) => p.updatedAt.getTime())))
  if (now.getTime() - since.getTime() > c.staleAfterMs) {
    const failing = paths.find((p) => p.consecutiveFailures > 0 && p.lastError)
    return {
      ...base,
      state: 'stopped',
      stoppedSince: new Date(since.getTime() + c.staleAfterMs).toISOString(),
      message: `Orders intake stopped: ${last ? `nothing received since ${last.toISOString()}` : 'nothing received yet'} (threshold ${staleAfterSeconds} s)${failing ? `; ${failing.path}: ${failing.lastError}` : ''}. The channel still sells; other channels protect themselves under their degraded policy.`,
    }
  }
  // Within the threshold: receiving, or set up and not yet heard from (a first poll still to succeed).
  return {
    ...base,
    state: 'ok',
    message: last
      ? `Receiving: last ${last.toISOString()}.`
      : `Waiting for the first delivery or successful poll (set up ${since.toISOString()}).`,
  }
}

/** Order intake health per channel (the channel page, the freshness check, /api/metrics). */
export async function getOrderIntakeHealth(db: Db, now = new Date()): Promise<ChannelIntake[]> {
  const [channels, rows] = await Promise.all([
    db.channel.findMany({
      select: { id: true, code: true, mode: true, status: true, settings: true },
      orderBy: { code: 'asc' },
    }),
    db.$queryRawUnsafe<Array<PathRow & { channelId: string }>>(
      `SELECT "channelId"::text AS "channelId", path, cursor, "cursorAt", "lastDeliveryAt", "lastPollAt", "lastSuccessAt", "lastFailureAt", "lastError",
              "consecutiveFailures", deliveries, "updatedAt" FROM "ChannelOrderIntake" ORDER BY path`,
    ),
  ])
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null)
  return channels.map((c) => {
    const paths = rows.filter((r) => r.channelId === c.id)
    const state = intakeState(
      { code: c.code, live: c.mode === 'live' && c.status === 'active', staleAfterMs: orderIntakeStaleAfterMs(c) },
      paths,
      now,
    )
    return {
      ...state,
      paths: paths.map((p) => ({
        path: p.path,
        cursor: p.cursor,
        cursorAt: iso(p.cursorAt),
        lastDeliveryAt: iso(p.lastDeliveryAt),
        lastPollAt: iso(p.lastPollAt),
        lastSuccessAt: iso(p.lastSuccessAt),
        lastFailureAt: iso(p.lastFailureAt),
        lastError: p.lastError,
        consecutiveFailures: p.consecutiveFailures,
        deliveries: p.deliveries,
      })),
    }
  })
}
