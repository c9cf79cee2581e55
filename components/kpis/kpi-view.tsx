'use client'
// KPIs and SLOs for executives and analysts: oversell rate and revenue at risk, lag against each
// channel's SLO, stale listings, drift, dead letters and the reservation backlog, over a window
// chosen in the URL (shareable). Live: findings and KPI pushes refetch the view.
import Link from 'next/link'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery } from '@tanstack/react-query'
import type { KpiView as Kpis, KpiWindow } from '@/server/metrics/get-kpis'
import { useRealtime } from '@/components/realtime/use-realtime'
import { ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount, formatSeconds } from '@/components/ui/format'

const WINDOWS: Array<{ value: KpiWindow; label: string }> = [
  { value: '1h', label: 'Last hour' }, { value: '24h', label: 'Last 24 hours' }, { value: '7d', label: 'Last 7 days' },
]

const money = (cents: number) => (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })
/** Lag percentiles come from histogram buckets: each is an upper bound. */
const lag = (s: number | null) => (s === null ? '—' : `≤${formatSeconds(s)}`)
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(r < 0.01 ? 2 : 1)} %`)

export function KpiView({ initial }: { initial: Kpis }) {
  const router = useRouter()
  const params = useSearchParams()
  const window = (params.get('window') as KpiWindow | null) ?? initial.window
  const key = ['kpis', window] as const
  const { data, error } = useQuery({
    queryKey: key,
    queryFn: () => fetchJson<Kpis>(`/api/ui/kpis?window=${window}`),
    initialData: window === initial.window ? initial : undefined,
    refetchInterval: 60_000,
  })
  useRealtime({ rooms: ['kpis', 'dashboard'], invalidate: { 'kpis.changed': [key], 'findings.changed': [key], 'dead-letters.changed': [key] } })
  const k = data ?? initial
  const o = k.overall

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>KPIs and SLOs</h1>
          <div className="muted">Oversells, revenue at risk and how fast each channel reflects stock, against its SLO.</div>
        </div>
        <label className="toolbar" style={{ marginBottom: 0 }}>
          <span className="muted">Window</span>
          <select aria-label="Window" data-testid="kpi-window" value={window} onChange={(e) => router.replace(`/kpis?window=${e.target.value}`)}>
            {WINDOWS.map((w) => <option key={w.value} value={w.value}>{w.label}</option>)}
          </select>
        </label>
      </div>
      {error && <ErrorBox error={error} />}

      <div className="grid kpis" style={{ marginBottom: 16 }}>
        <Tile label="Oversell rate" value={pct(o.oversellRate)} testId="kpi-oversell-rate" tone={o.oversoldUnits > 0 ? 'bad' : undefined} hint={`${formatCount(o.oversoldUnits)} of ${formatCount(o.orderedUnits)} units ordered`} />
        <Tile label="Revenue at risk" value={money(o.revenueAtRiskCents)} testId="kpi-revenue-at-risk" tone={o.revenueAtRiskCents > 0 ? 'bad' : undefined} hint={`${formatCount(o.incidents)} incident(s)`} />
        <Tile label="Lag p95 (all channels)" value={lag(o.lag.p95Seconds)} testId="kpi-lag-p95" hint={`p50 ${lag(o.lag.p50Seconds)} · p99 ${lag(o.lag.p99Seconds)}`} />
        <Tile label="Stale listings" value={formatCount(o.staleListings)} testId="kpi-stale" tone={o.staleListings > 0 ? 'warn' : undefined} hint="waiting longer than their channel's SLO" />
        <Tile label="Open dead letters" value={formatCount(o.deadLettersOpen)} testId="kpi-dead-letters-open" tone={o.deadLettersOpen > 0 ? 'warn' : undefined} hint={o.oldestDeadLetterSeconds === null ? 'none open' : `oldest ${formatSeconds(o.oldestDeadLetterSeconds)}`} />
        <Tile label="Open reservations" value={formatCount(o.reservations.units)} testId="kpi-reservations" hint={`${formatCount(o.reservations.open)} lines · oldest ${formatSeconds(o.reservations.oldestSeconds)}`} />
      </div>

      <div className="panel">
        <h2>By channel</h2>
        <table className="data" data-testid="kpi-channels">
          <thead>
            <tr>
              <th>Channel</th><th>Lag SLO (p95)</th><th className="num">p50</th><th className="num">p95</th><th className="num">p99</th>
              <th className="num">Stale</th><th className="num">Drift</th><th className="num">Dead letters</th>
              <th className="num">Ordered</th><th className="num">Oversold</th><th className="num">Rate</th><th className="num">At risk</th>
            </tr>
          </thead>
          <tbody>
            {k.channels.map((c) => (
              <tr key={c.channel} data-testid={`kpi-row-${c.channel}`}>
                <td>{c.channel}</td>
                <td>
                  {c.lag.p95Seconds === null ? <span className="chip">no samples</span>
                    : <span className={`chip ${c.slo.lagBreached ? 'bad' : 'ok'}`} data-testid={`slo-${c.channel}`}>{c.slo.lagBreached ? 'breached' : 'met'} · ≤{c.slo.lagP95Seconds} s</span>}
                </td>
                <td className="num">{lag(c.lag.p50Seconds)}</td>
                <td className="num">{lag(c.lag.p95Seconds)}</td>
                <td className="num">{lag(c.lag.p99Seconds)}</td>
                <td className="num">{formatCount(c.staleListings)}</td>
                <td className="num">{formatCount(c.driftOpen)}</td>
                <td className="num">{formatCount(c.deadLettersOpen)}</td>
                <td className="num">{formatCount(c.orderedUnits)}</td>
                <td className="num">{formatCount(c.oversoldUnits)}</td>
                <td className="num" data-testid={`oversell-rate-${c.channel}`}>{pct(c.oversellRate)}</td>
                <td className="num">{money(c.revenueAtRiskCents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted" style={{ marginTop: 8 }}>
          Lag is event received to quantity applied at the channel. Oversell rate = oversold units / ordered units in the window.
          Rollups are per minute; see the <Link href="/">sync overview</Link> for the live picture.
        </p>
      </div>
    </div>
  )
}

function Tile({ label, value, hint, testId, tone }: { label: string; value: string; hint?: string; testId: string; tone?: 'warn' | 'bad' }) {
  return (
    <div className="kpi" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value" style={tone ? { color: tone === 'bad' ? 'var(--bad)' : 'var(--warn)' } : undefined}>{value}</div>
      {hint && <div className="muted" style={{ fontSize: 12 }}>{hint}</div>}
    </div>
  )
}
