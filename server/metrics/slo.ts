// SLOs per channel (settings.sloLagP95Seconds, default 60; settings.sloStaleAfterSeconds, default
// 300). Every minute the evaluator compares the last 15 minutes with them: a breach opens one
// `slo_breach` finding (deduplicated while it lasts) and notifies the configured webhook once; when
// the channel is back within its SLO the finding resolves itself and the webhook hears that too.
import type { Db } from '../db'
import { LAG_BUCKETS_SECONDS, percentileFromBuckets } from './lag'

export const EVALUATE_SLOS_TASK = 'evaluate-slos'
const WINDOW_MINUTES = 15
const MIN_SAMPLES = 5

export function sloOf(settings: unknown): { lagP95Seconds: number; staleAfterSeconds: number } {
  const s = (settings ?? {}) as { sloLagP95Seconds?: unknown; sloStaleAfterSeconds?: unknown }
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d)
  return { lagP95Seconds: num(s.sloLagP95Seconds, 60), staleAfterSeconds: num(s.sloStaleAfterSeconds, 300) }
}

export interface SloAlert { channel: string; slo: 'lag_p95' | 'stale_listings'; state: 'breached' | 'resolved'; message: string; value: number; threshold: number; at: string }

export async function evaluateSlos(db: Db, opts: { now?: Date; notify?: (a: SloAlert) => Promise<void> } = {}): Promise<SloAlert[]> {
  const now = opts.now ?? new Date()
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (WINDOW_MINUTES - 1) * 60_000)
  const channels = await db.channel.findMany({ where: { status: 'active', mode: 'live' } })
  const lag = await db.lagMinute.findMany({ where: { minute: { gte: from } }, select: { channelId: true, count: true, buckets: true } })
  const alerts: SloAlert[] = []
  for (const c of channels) {
    const slo = sloOf(c.settings)
    const buckets: number[] = []
    let samples = 0
    for (const r of lag) if (r.channelId === c.id) { r.buckets.forEach((b, i) => { buckets[i] = (buckets[i] ?? 0) + b }); samples += r.count }
    const raw = samples >= MIN_SAMPLES ? percentileFromBuckets(buckets, 95) : null
    const p95 = raw === null ? null : Number.isFinite(raw) ? raw : LAG_BUCKETS_SECONDS[LAG_BUCKETS_SECONDS.length - 1] * 2
    const [stale] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM "ChannelListing" WHERE "channelId" = $1::uuid AND active AND "pendingSince" < $2::timestamptz`,
      c.id, new Date(now.getTime() - slo.staleAfterSeconds * 1000).toISOString())
    const checks = [
      { slo: 'lag_p95' as const, breached: p95 !== null && p95 > slo.lagP95Seconds, value: p95 ?? 0, threshold: slo.lagP95Seconds,
        message: `${c.code}: event-to-applied lag p95 over ${WINDOW_MINUTES} min is ≤${p95 ?? 0} s, above the SLO of ${slo.lagP95Seconds} s` },
      { slo: 'stale_listings' as const, breached: Number(stale.n) > 0, value: Number(stale.n), threshold: slo.staleAfterSeconds,
        message: `${c.code}: ${stale.n} listing(s) waiting longer than ${slo.staleAfterSeconds} s to apply` },
    ]
    for (const check of checks) {
      const key = `slo:${c.code}:${check.slo}`
      const open = await db.finding.findFirst({ where: { dedupeKey: key, status: { in: ['open', 'healing'] } } })
      if (check.breached && !open) {
        await db.finding.create({ data: { kind: 'slo_breach', channel: c.code, cause: check.message, dedupeKey: key, details: { slo: check.slo, value: check.value, threshold: check.threshold }, detectedAt: now, updatedAt: now } })
        alerts.push({ channel: c.code, slo: check.slo, state: 'breached', message: check.message, value: check.value, threshold: check.threshold, at: now.toISOString() })
      } else if (check.breached && open) {
        await db.finding.update({ where: { id: open.id }, data: { cause: check.message, updatedAt: now, details: { slo: check.slo, value: check.value, threshold: check.threshold } } })
      } else if (!check.breached && open) {
        await db.finding.update({ where: { id: open.id }, data: { status: 'resolved', resolvedAt: now, updatedAt: now, note: 'back within the SLO' } })
        alerts.push({ channel: c.code, slo: check.slo, state: 'resolved', message: `${c.code}: ${check.slo.replace('_', ' ')} back within the SLO`, value: check.value, threshold: check.threshold, at: now.toISOString() })
      }
    }
  }
  if (opts.notify) for (const a of alerts) await opts.notify(a).catch(() => {})
  return alerts
}

/** POSTs an alert as JSON to the configured webhook; a failure is logged, never fatal. */
export function webhookNotifier(url: string | undefined, log: (l: string) => void): ((a: SloAlert) => Promise<void>) | undefined {
  if (!url) return undefined
  return async (a) => {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'stocktower', ...a }), signal: AbortSignal.timeout(5000) })
      if (!r.ok) log(`[slo] webhook answered ${r.status}`)
    } catch (e) { log(`[slo] webhook failed: ${(e as Error).message}`) }
  }
}
