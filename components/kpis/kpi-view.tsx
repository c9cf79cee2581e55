'use client'
// KPIs and SLOs for executives and analysts: oversell rate and revenue at risk, lag against each
// channel's SLO, stale listings, drift, dead letters and the reservation backlog, over a window
// chosen in the URL (shareable). Live: findings and KPI pushes refetch the view.
import Link from 'next/link'
import { useRouter, useSearchParams } from 'next/navigation'
import type { ComponentProps, ReactNode } from 'react'
import { useQuery } from '@tanstack/react-query'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import type { KpiBucket, KpiView as Kpis, KpiWindow } from '@/server/metrics/get-kpis'
import { useRealtime } from '@/components/realtime/use-realtime'
import { ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount, formatMoney, formatSeconds } from '@/components/ui/format'
import { HealthChip } from '@/components/channels/health-chip'
import { KpiTile } from '@/components/ui/kpi-tile'
import { TREND_LINE } from '@/components/charts/line-style'
import { DataTable, type Column } from '@/components/ui/data-table'
import { ExportLink, HeadSelect } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'

const WINDOWS: Array<{ value: KpiWindow; label: string }> = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
]

const money = (cents: number) => formatMoney(cents, { whole: true })
/** Lag percentiles are interpolated within histogram buckets (≈); null is "not measured". */
const lag = (s: number | null) => (s === null ? 'not measured' : `≈${formatSeconds(s)}`)
const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(r < 0.01 ? 2 : 1)} %`)

const SPARK = { bad: '#c2413b', warn: '#d9822b', ok: '#1f5fbf' }
const COLORS = ['#1f5fbf', '#d9822b', '#2f9e6a', '#8a4fbf', '#c2413b', '#4b6b8a']

export function KpiView({ initial, canOpenDeadLetters }: { initial: Kpis; canOpenDeadLetters: boolean }) {
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
  useRealtime({
    rooms: ['kpis', 'dashboard'],
    invalidate: { 'kpis.changed': [key], 'findings.changed': [key], 'dead-letters.changed': [key] },
  })
  const k = data ?? initial
  const o = k.overall
  const buckets = k.series?.buckets ?? []
  const codes = k.channels.map((c) => c.channel)
  const total = (b: KpiBucket, f: 'ordered' | 'oversold' | 'revenueAtRiskCents') =>
    codes.reduce((n, c) => n + (b.channels[c]?.[f] ?? 0), 0)
  const spark = {
    rate: buckets.map((b) => {
      const ordered = total(b, 'ordered')
      return ordered > 0 ? total(b, 'oversold') / ordered : null
    }),
    revenue: buckets.map((b) => total(b, 'revenueAtRiskCents')),
    lag: buckets.map((b) =>
      codes.reduce<number | null>((m, c) => {
        const v = b.channels[c]?.lagP95Seconds ?? null
        return v === null ? m : Math.max(m ?? 0, v)
      }, null),
    ),
  }
  const dl = (channel?: string) =>
    canOpenDeadLetters ? `/dead-letters${channel ? `?channel=${encodeURIComponent(channel)}` : ''}` : undefined

  return (
    <div>
      <PageHead
        title="KPIs and SLOs"
        tools={
          <>
            <ExportLink href={`/api/ui/kpis/export?window=${window}`} testId="kpis-export" />
            <HeadSelect
              label="Window"
              testId="kpi-window"
              value={window}
              options={WINDOWS}
              onChange={(v) => router.replace(`/kpis?window=${v}`)}
            />
          </>
        }
      >
        Oversells, revenue at risk and how fast each channel reflects stock, against its SLO.
      </PageHead>
      {error && <ErrorBox error={error} />}

      <div className="grid kpis" style={{ marginBottom: 16 }}>
        <Tile
          label="Oversell rate"
          value={pct(o.oversellRate)}
          testId="kpi-oversell-rate"
          href={`/findings?tab=oversells&window=${k.window}`}
          tone={o.oversoldUnits > 0 ? 'bad' : undefined}
          hint={`${formatCount(o.oversoldUnits)} of ${formatCount(o.orderedUnits)} units ordered · ${formatCount(o.cancelledForStockUnits)} cancelled for stock`}
          spark={spark.rate}
        />
        <Tile
          label="Revenue at risk"
          value={money(o.revenueAtRiskCents)}
          testId="kpi-revenue-at-risk"
          href={`/findings?tab=oversells&window=${k.window}`}
          tone={o.revenueAtRiskCents > 0 ? 'bad' : undefined}
          hint={`${formatCount(o.incidents)} incident(s)`}
          spark={spark.revenue}
        />
        <Tile
          label="Lag p95 (all channels)"
          value={lag(o.lag.p95Seconds)}
          testId="kpi-lag-p95"
          href="/channels"
          hint={`p50 ${lag(o.lag.p50Seconds)} · p99 ${lag(o.lag.p99Seconds)}`}
          spark={spark.lag}
        />
        <Tile
          label="Stale listings now"
          value={formatCount(o.staleListings)}
          testId="kpi-stale"
          href="/channels"
          tone={o.staleListings > 0 ? 'bad' : undefined}
          hint={`waiting longer than their channel's SLO · unhealthy: ${
            k.channels
              .filter((c) => c.health.state === 'unhealthy')
              .map((c) => c.channel)
              .join(', ') || 'none'
          }`}
        />
        <Tile
          label="Open drift"
          value={formatCount(o.driftOpen)}
          testId="kpi-drift-open"
          href="/findings?kind=drift"
          tone={o.driftOpen > 0 ? 'warn' : undefined}
          hint="channel differs from what we published"
        />
        <Tile
          label="Open dead letters"
          value={formatCount(o.deadLettersOpen)}
          testId="kpi-dead-letters-open"
          href={dl()}
          tone={o.deadLettersOpen > 0 ? 'warn' : undefined}
          hint={o.oldestDeadLetterSeconds === null ? 'none open' : `oldest ${formatSeconds(o.oldestDeadLetterSeconds)}`}
        />
        <Tile
          label="Open reservations"
          value={formatCount(o.reservations.units)}
          testId="kpi-reservations"
          hint={`${formatCount(o.reservations.open)} lines · oldest ${formatSeconds(o.reservations.oldestSeconds)}`}
        />
      </div>

      {buckets.length > 0 && <Trends buckets={buckets} codes={codes} bucketMinutes={k.series!.bucketMinutes} />}

      <div className="panel">
        <h2>By channel</h2>
        <DataTable
          testId="kpi-channels"
          columns={channelColumns(k.window, dl)}
          rows={k.channels}
          rowKey={(c) => c.channel}
          row={(c) => ({ className: 'row-link', 'data-testid': `kpi-row-${c.channel}` })}
        />
        <p className="muted" style={{ marginTop: 8 }}>
          Lag is event received to quantity applied at the channel; order intake lag is the marketplace&apos;s order
          time to our reservation. Oversell rate = oversold units / ordered units in the window. Rollups are per minute;
          see the <Link href="/">sync overview</Link> for the live picture.
        </p>
      </div>
    </div>
  )
}

type KpiChannel = Kpis['channels'][number]
const testId = (prefix: string) => (c: KpiChannel) => ({ 'data-testid': `${prefix}-${c.channel}` })
const channelQuery = (c: KpiChannel) => `channel=${encodeURIComponent(c.channel)}`

/** The by-channel table: health now, lag against the SLO, and the window's counts, linked to their lists. */
function channelColumns(window: string, dl: (channel?: string) => string | undefined): Column<KpiChannel>[] {
  return [
    {
      header: 'Channel',
      cell: (c) => (
        <Link className="stretched" href={`/channels/${encodeURIComponent(c.channel)}`}>
          {c.channel}
        </Link>
      ),
    },
    {
      header: 'Health now',
      title: 'now: the same verdict as the dashboard and the channel page',
      cell: (c) => <HealthChip health={c.health} testId={`kpi-health-${c.channel}`} />,
    },
    {
      header: 'Lag SLO (p95) in window',
      cell: (c) =>
        c.lag.p95Seconds === null ? (
          <span className="chip">no samples</span>
        ) : (
          <span className={`chip ${c.slo.lagBreached ? 'bad' : 'ok'}`} data-testid={`slo-${c.channel}`}>
            {c.slo.lagBreached ? 'breached' : 'met'} · SLO {formatSeconds(c.slo.lagP95Seconds)}
          </span>
        ),
    },
    { header: 'p50', className: 'num', cell: (c) => lag(c.lag.p50Seconds) },
    { header: 'p95', className: 'num', cell: (c) => lag(c.lag.p95Seconds) },
    { header: 'p99', className: 'num', cell: (c) => lag(c.lag.p99Seconds) },
    {
      header: 'Stale',
      className: 'num',
      td: (c) => ({ className: `num${c.staleListings > 0 ? ' bad' : ''}`, ...testId('kpi-stale')(c) }),
      cell: (c) => formatCount(c.staleListings),
    },
    {
      header: 'Drift',
      className: 'num',
      cell: (c) => <MaybeLink href={`/findings?kind=drift&${channelQuery(c)}`}>{formatCount(c.driftOpen)}</MaybeLink>,
    },
    {
      header: 'Dead letters',
      className: 'num',
      cell: (c) => <MaybeLink href={dl(c.channel)}>{formatCount(c.deadLettersOpen)}</MaybeLink>,
    },
    { header: 'Ordered', className: 'num', cell: (c) => formatCount(c.orderedUnits) },
    {
      header: 'Oversold',
      className: 'num',
      td: testId('oversold'),
      cell: (c) => (
        <MaybeLink href={`/findings?tab=oversells&window=${window}&${channelQuery(c)}`}>
          {formatCount(c.oversoldUnits)}
        </MaybeLink>
      ),
    },
    { header: 'Rate', className: 'num', td: testId('oversell-rate'), cell: (c) => pct(c.oversellRate) },
    { header: 'At risk', className: 'num', cell: (c) => money(c.revenueAtRiskCents) },
    {
      header: 'Cancelled for stock',
      title: 'cancelled order units that could not be filled, of all cancelled units',
      className: 'num',
      td: testId('cancelled-stock'),
      cell: (c) => (
        <>
          {formatCount(c.cancelledForStockUnits)} <span className="muted">of {formatCount(c.cancelledUnits)}</span>
        </>
      ),
    },
    {
      header: 'Order intake p50 / p95 / p99',
      title: 'order intake lag: marketplace order time to our reservation, p50 / p95 / p99 in the window',
      className: 'num',
      td: testId('kpi-intake-lag'),
      cell: ({ intakeLag: l }) =>
        l.samples === 0 ? (
          <span className="muted">no orders</span>
        ) : (
          `${lag(l.p50Seconds)} / ${lag(l.p95Seconds)} / ${lag(l.p99Seconds)}`
        ),
    },
    {
      header: 'Intake now',
      title: "now: is the channel's orders intake receiving",
      td: testId('kpi-intake'),
      cell: (c) =>
        c.intake.state === 'stopped' ? (
          <span className="chip bad">stopped</span>
        ) : c.intake.state === 'ok' ? (
          <span className="chip ok">receiving</span>
        ) : (
          <span className="muted">{c.intake.state === 'not_live' ? 'not watched' : 'not connected'}</span>
        ),
    },
  ]
}

function MaybeLink({ href, children }: { href?: string; children: ReactNode }) {
  return href ? <Link href={href}>{children}</Link> : <>{children}</>
}

/** A KPI tile with an optional hint and a sparkline of its trend (drawn only when it moved). */
function Tile({
  hint,
  spark,
  ...tile
}: Omit<ComponentProps<typeof KpiTile>, 'children'> & { hint?: string; spark?: Array<number | null> }) {
  return (
    <KpiTile {...tile}>
      {hint && (
        <div className="muted" style={{ fontSize: 12 }}>
          {hint}
        </div>
      )}
      {spark && spark.some((v) => v !== null && v > 0) && <Sparkline values={spark} tone={tile.tone} />}
    </KpiTile>
  )
}

function Sparkline({ values, tone }: { values: Array<number | null>; tone?: 'warn' | 'bad' }) {
  const data = values.map((v, i) => ({ i, v }))
  return (
    <div style={{ width: '100%', height: 28 }} aria-hidden="true">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 2, right: 0, bottom: 2, left: 0 }}>
          <Line
            type="monotone"
            dataKey="v"
            stroke={SPARK[tone ?? 'ok']}
            strokeWidth={1.5}
            dot={{ r: 1 }}
            {...TREND_LINE}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}

function Trends({ buckets, codes, bucketMinutes }: { buckets: KpiBucket[]; codes: string[]; bucketMinutes: number }) {
  const label = (iso: string) =>
    bucketMinutes >= 360 ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(11, 16)
  const rate = buckets.map((b) => ({
    t: label(b.bucket),
    ...Object.fromEntries(
      codes.map((c) => {
        const x = b.channels[c]
        return [c, x && x.ordered > 0 ? Math.round((x.oversold / x.ordered) * 10_000) / 100 : null]
      }),
    ),
  }))
  const revenue = buckets.map((b) => ({
    t: label(b.bucket),
    ...Object.fromEntries(codes.map((c) => [c, (b.channels[c]?.revenueAtRiskCents ?? 0) / 100])),
  }))
  const any = buckets.some((b) => codes.some((c) => (b.channels[c]?.ordered ?? 0) > 0))
  return (
    <div className="grid" style={{ gridTemplateColumns: 'minmax(0,1fr) minmax(0,1fr)', marginBottom: 16 }}>
      <section className="panel" aria-labelledby="rate-h" style={{ marginBottom: 0 }}>
        <h2 id="rate-h">Oversell rate by channel</h2>
        <div className="muted" style={{ fontSize: 12 }}>
          Oversold / ordered units per {bucketMinutes >= 60 ? `${bucketMinutes / 60} h` : `${bucketMinutes} min`}; gaps
          had no orders.
        </div>
        {!any ? (
          <div className="empty">No channel orders in this window.</div>
        ) : (
          <div style={{ width: '100%', height: 200 }} data-testid="oversell-trend">
            <ResponsiveContainer>
              <LineChart data={rate} margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
                <CartesianGrid stroke="#eef0f3" />
                <XAxis dataKey="t" fontSize={11} />
                <YAxis fontSize={11} unit=" %" width={52} />
                <Tooltip formatter={(v) => `${String(v)} %`} />
                <Legend />
                {codes.map((c, i) => (
                  <Line
                    key={c}
                    type="monotone"
                    dataKey={c}
                    stroke={COLORS[i % COLORS.length]}
                    dot={{ r: 2 }}
                    {...TREND_LINE}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="risk-h" style={{ marginBottom: 0 }}>
        <h2 id="risk-h">Revenue at risk by channel</h2>
        <div className="muted" style={{ fontSize: 12 }}>
          Oversold units × price, per bucket.
        </div>
        <div style={{ width: '100%', height: 200 }} data-testid="revenue-trend">
          <ResponsiveContainer>
            <BarChart data={revenue} margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="#eef0f3" />
              <XAxis dataKey="t" fontSize={11} />
              <YAxis fontSize={11} width={56} tickFormatter={(v: number) => `$${v}`} />
              <Tooltip formatter={(v) => money(Number(v) * 100)} />
              <Legend />
              {codes.map((c, i) => (
                <Bar key={c} dataKey={c} stackId="risk" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      </section>
    </div>
  )
}
