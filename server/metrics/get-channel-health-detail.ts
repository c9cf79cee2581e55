// The channel page's health read model: the shared verdict (channel-health.ts) plus lag
// percentiles per minute over a window, interpolated from the LagMinute histograms with their
// bucket bounds, on a continuous minute axis (the page draws absent minutes as gaps).
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { getChannelsHealth, type ChannelHealthView } from './channel-health'
import { lagPercentile, type LagPercentile } from './lag-percentile'
import {
  getOrderIntakeHealth,
  getOrderIntakeLag,
  loadOrderGraceMs,
  type ChannelIntake,
  type IntakeLag,
} from './order-intake'

export interface ChannelLagMinute {
  minute: string
  samples: number
  p50: LagPercentile | null
  p95: LagPercentile | null
  p99: LagPercentile | null
}
export interface ChannelHealthDetail {
  health: ChannelHealthView
  lag: { from: string; to: string; hours: number; minutes: ChannelLagMinute[] }
  /** Orders intake: lag (marketplace order time to reservation) over the window, health per path, the order grace it sets. */
  intake: ChannelIntake & { lag: IntakeLag; graceSeconds: number }
}

export async function getChannelHealthDetail(
  db: Db,
  code: string,
  opts: { hours?: number; now?: Date } = {},
): Promise<ChannelHealthDetail> {
  const now = opts.now ?? new Date()
  const [health] = await getChannelsHealth(db, { now, codes: [code] })
  if (!health) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
  const hours = Math.min(24, Math.max(1, Math.round(opts.hours ?? 1)))
  const to = Math.floor(now.getTime() / 60_000) * 60_000
  const from = new Date(to - (hours * 60 - 1) * 60_000)
  const channel = await db.channel.findUniqueOrThrow({ where: { code }, select: { id: true, settings: true } })
  const [rows, intakeLag, intakeHealth, graceMs] = await Promise.all([
    db.lagMinute.findMany({
      where: { channelId: channel.id, minute: { gte: from } },
      orderBy: { minute: 'asc' },
      select: { minute: true, count: true, buckets: true },
    }),
    getOrderIntakeLag(db, from),
    getOrderIntakeHealth(db, now),
    loadOrderGraceMs(db, channel, now),
  ])
  const lag = intakeLag.get(channel.id)
  return {
    health,
    intake: {
      ...intakeHealth.find((c) => c.channel === code)!,
      lag: {
        samples: lag?.samples ?? 0,
        p50Seconds: lag?.p50Seconds ?? null,
        p95Seconds: lag?.p95Seconds ?? null,
        p99Seconds: lag?.p99Seconds ?? null,
      },
      graceSeconds: Math.round(graceMs / 1000),
    },
    lag: {
      from: from.toISOString(),
      to: new Date(to).toISOString(),
      hours,
      minutes: rows.map((r) => ({
        minute: r.minute.toISOString(),
        samples: r.count,
        p50: lagPercentile(r.buckets, 50),
        p95: lagPercentile(r.buckets, 95),
        p99: lagPercentile(r.buckets, 99),
      })),
    },
  }
}
