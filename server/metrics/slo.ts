// SLOs per channel (settings.sloLagP95Seconds, default 60; settings.sloStaleAfterSeconds, default
// 300). Every minute the evaluator compares the last 15 minutes with them: a breach opens one
// `slo_breach` finding (deduplicated while it lasts) and notifies the configured webhook once; when
// the channel is back within its SLO the finding resolves itself and the webhook hears that too.
// The SLO settings are read by sloOf (server/channels/channel-settings.ts).
import type { Db } from '../db'
import { getChannelsHealth, HEALTH_WINDOW_MINUTES } from './channel-health'
import { emitRealtime, ROOMS } from '../realtime/publisher'

export interface SloAlert {
  channel: string
  slo: 'lag_p95' | 'stale_listings'
  state: 'breached' | 'resolved'
  message: string
  value: number
  threshold: number
  at: string
}

export async function evaluateSlos(
  db: Db,
  opts: { now?: Date; notify?: (a: SloAlert) => Promise<void> } = {},
): Promise<SloAlert[]> {
  const now = opts.now ?? new Date()
  // The same measurements and verdicts the screens show (channel-health.ts), for live channels.
  const all = await getChannelsHealth(db, { now })
  const alerts: SloAlert[] = []
  for (const c of all.filter((x) => x.status === 'active' && x.mode === 'live'))
    for (const check of sloChecks(c)) {
      const alert = await recordSloCheck(db, c.code, check, now)
      if (alert) alerts.push(alert)
    }
  if (alerts.length > 0) emitRealtime([ROOMS.kpis, ROOMS.dashboard], 'kpis.changed', { reason: 'slo' })
  if (opts.notify) for (const a of alerts) await opts.notify(a).catch(() => {})
  return alerts
}

type SloCheck = ReturnType<typeof sloChecks>[number]

/** A live channel's two SLOs, from the verdicts channel-health.ts gives the screens. */
function sloChecks(c: Awaited<ReturnType<typeof getChannelsHealth>>[number]) {
  const slo = c.slo
  const p95 = c.health.lagBreached === null ? null : c.lag.p95!.seconds
  const stale = c.listings.stale
  return [
    {
      slo: 'lag_p95' as const,
      breached: c.health.lagBreached === true,
      value: p95 ?? 0,
      threshold: slo.lagP95Seconds,
      message: `${c.code}: event-to-applied lag p95 over ${HEALTH_WINDOW_MINUTES} min is ≈${p95 ?? 0} s, above the SLO of ${slo.lagP95Seconds} s`,
    },
    {
      slo: 'stale_listings' as const,
      breached: c.health.staleBreached,
      value: stale,
      threshold: slo.staleAfterSeconds,
      message: `${c.code}: ${stale} listing(s) waiting longer than ${slo.staleAfterSeconds} s to apply`,
    },
  ]
}

/**
 * One SLO's finding: opened (an alert) on a breach, kept current while it lasts, resolved (an
 * alert) once back within it. Null when nothing changed worth an alert.
 */
async function recordSloCheck(db: Db, channel: string, check: SloCheck, now: Date): Promise<SloAlert | null> {
  const key = `slo:${channel}:${check.slo}`
  const open = await db.finding.findFirst({ where: { dedupeKey: key, status: { in: ['open', 'healing'] } } })
  if (check.breached && !open) {
    await db.finding.create({
      data: {
        kind: 'slo_breach',
        channel,
        cause: check.message,
        dedupeKey: key,
        details: { slo: check.slo, value: check.value, threshold: check.threshold },
        detectedAt: now,
        updatedAt: now,
      },
    })
    return {
      channel,
      slo: check.slo,
      state: 'breached',
      message: check.message,
      value: check.value,
      threshold: check.threshold,
      at: now.toISOString(),
    }
  } else if (check.breached && open) {
    await db.finding.update({
      where: { id: open.id },
      data: {
        cause: check.message,
        updatedAt: now,
        details: { slo: check.slo, value: check.value, threshold: check.threshold },
      },
    })
  } else if (!check.breached && open) {
    await db.finding.update({
      where: { id: open.id },
      data: { status: 'resolved', resolvedAt: now, updatedAt: now, note: 'back within the SLO' },
    })
    return {
      channel,
      slo: check.slo,
      state: 'resolved',
      message: `${channel}: ${check.slo.replace('_', ' ')} back within the SLO`,
      value: check.value,
      threshold: check.threshold,
      at: now.toISOString(),
    }
  }
  return null
}

/** POSTs an alert as JSON to the configured webhook; a failure is logged, never fatal. */
export function webhookNotifier(
  url: string | undefined,
  log: (l: string) => void,
): ((a: SloAlert) => Promise<void>) | undefined {
  if (!url) return undefined
  return async (a) => {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'stocktower', ...a }),
        signal: AbortSignal.timeout(5000),
      })
      if (!r.ok) log(`[slo] webhook answered ${r.status}`)
    } catch (e) {
      log(`[slo] webhook failed: ${(e as Error).message}`)
    }
  }
}
