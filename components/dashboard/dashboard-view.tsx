'use client'
// The operations dashboard: per-channel sync state and lag, pushed live. Socket events only say
// "listings changed"; the data is refetched from /api/ui/dashboard (coalesced to one per second).
import Link from 'next/link'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery } from '@tanstack/react-query'
import type { DashboardRange, DashboardView as Dashboard } from '@/server/metrics/get-dashboard'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount } from '@/components/ui/format'
import { Ago, useNow } from '@/components/ui/ago'
import { ChannelTiles } from './channel-tiles'
import { LagChart } from './lag-chart'
import { SkuJump } from '@/components/skus/sku-jump'
import { KpiTile } from '@/components/ui/kpi-tile'
import { DataTable, type Column } from '@/components/ui/data-table'
import { HeadSelect } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'

export const DASHBOARD_KEY = ['dashboard'] as const
const RANGES: Array<{ value: DashboardRange; label: string }> = [
  { value: '1h', label: 'Last hour' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '24h', label: 'Last 24 hours' },
]

export function DashboardView({ initial, canOpenDeadLetters }: { initial: Dashboard; canOpenDeadLetters: boolean }) {
  const router = useRouter()
  const params = useSearchParams()
  const range = (params.get('range') as DashboardRange | null) ?? '1h'
  const initialRange = initial.series.minutes === 360 ? '6h' : initial.series.minutes === 1440 ? '24h' : '1h'
  // After mount only: the server's and the browser's clocks differ (no hydration mismatch).
  const mounted = useNow() !== null
  const { data, error, dataUpdatedAt } = useQuery({
    queryKey: [...DASHBOARD_KEY, range],
    queryFn: () => fetchJson<Dashboard>(`/api/ui/dashboard?range=${range}`),
    initialData: range === initialRange ? initial : undefined,
    // Lag ages and rollups move with the clock even without pushes.
    refetchInterval: 30_000,
  })
  useRealtime({
    rooms: ['dashboard'],
    invalidate: {
      'listings.changed': [DASHBOARD_KEY],
      'dead-letters.changed': [DASHBOARD_KEY],
      'kpis.changed': [DASHBOARD_KEY],
      'channel.updated': [DASHBOARD_KEY],
    },
  })
  const d = data ?? initial

  return (
    <div>
      <PageHead
        title="Sync overview"
        tools={
          <>
            <SkuJump />
            <HeadSelect
              label="Range"
              testId="dashboard-range"
              value={range}
              options={RANGES}
              onChange={(v) => {
                const q = new URLSearchParams(params.toString())
                q.set('range', v)
                router.replace(`/?${q.toString()}`)
              }}
            />
            <span className="muted" data-testid="dashboard-updated">
              {mounted && dataUpdatedAt ? (
                <>
                  updated <Ago iso={new Date(dataUpdatedAt).toISOString()} />
                </>
              ) : null}
            </span>
          </>
        }
      >
        What each channel may sell, whether it shows it, and how long changes take to get there.
      </PageHead>
      {error && <ErrorBox error={error} />}

      <div className="grid kpis" style={{ marginBottom: 16 }}>
        {totalTiles(d.totals, canOpenDeadLetters).map(({ count, alert, ...tile }) => (
          <KpiTile
            key={tile.testId}
            {...tile}
            value={formatCount(count)}
            tone={alert && count > 0 ? alert : undefined}
          />
        ))}
      </div>

      <h2>Channels</h2>
      {d.channels.length === 0 ? (
        <div className="panel">
          <EmptyState title="No channels yet">Channels appear here once they are configured.</EmptyState>
        </div>
      ) : (
        <ChannelTiles channels={d.channels} />
      )}

      <div className="panel" style={{ marginTop: 16 }}>
        <h2>Event-to-channel lag: p95 per minute, {RANGES.find((r) => r.value === range)?.label.toLowerCase()}</h2>
        <div className="muted" style={{ fontSize: 12 }}>
          Interpolated within the lag histogram&apos;s buckets (1 s, 2 s, 5 s, 10 s, 30 s, 1 min, 2 min, 5 min, 10 min,
          30 min, 1 h); hover for the bounds. Gaps are minutes with no update confirmed applied.
        </div>
        <LagChart points={d.lagSeries} channels={d.channels.map((c) => c.code)} from={d.series.from} to={d.series.to} />
      </div>

      <div className="panel">
        <h2>Latest availability decisions</h2>
        {d.recent.length === 0 ? (
          <EmptyState title="No decisions yet">Decisions appear once stock is known and rules have run.</EmptyState>
        ) : (
          <DataTable
            testId="recent-changes"
            columns={RECENT_COLUMNS}
            rows={d.recent}
            rowKey={(r) => r.decisionId}
            row={(r) => ({ className: 'row-link', 'data-testid': `recent-${r.sku}-${r.channel}` })}
          />
        )}
      </div>
    </div>
  )
}

/** The totals tiles: a count each, `alert` its tone when above zero, `href` where it leads. */
function totalTiles(t: Dashboard['totals'], canOpenDeadLetters: boolean) {
  const tiles: Array<{ label: string; count: number; testId: string; href?: string; alert?: 'warn' | 'bad' }> = [
    { label: 'ERP events, last hour', count: t.eventsLastHour, testId: 'kpi-events' },
    { label: 'Channel order events, last hour', count: t.ordersLastHour, testId: 'kpi-orders' },
    {
      label: 'Open dead letters',
      count: t.openDeadLetters,
      testId: 'kpi-dead-letters',
      href: canOpenDeadLetters ? '/dead-letters' : undefined,
      alert: 'warn',
    },
    { label: 'Open findings', count: t.openFindings, testId: 'kpi-findings', href: '/findings', alert: 'warn' },
    {
      label: 'Oversold units, 24 h',
      count: t.oversoldUnits24h,
      testId: 'kpi-oversold',
      href: '/findings?tab=oversells&window=24h',
      alert: 'bad',
    },
  ]
  return tiles
}

const RECENT_COLUMNS: Column<Dashboard['recent'][number]>[] = [
  {
    header: 'SKU',
    cell: (r) => (
      <Link className="stretched" href={`/skus/${encodeURIComponent(r.sku)}`}>
        {r.sku}
      </Link>
    ),
  },
  { header: 'Channel', cell: (r) => r.channel },
  {
    header: 'Decided',
    className: 'num',
    td: { 'data-testid': 'recent-quantity' },
    cell: (r) => formatCount(r.quantity),
  },
  { header: 'Channel shows', className: 'num', cell: (r) => formatCount(r.applied) },
  { header: 'State', cell: (r) => <StateChip state={r.state} /> },
  { header: 'When', className: 'muted', cell: (r) => <Ago iso={r.decidedAt} /> },
]

export function StateChip({ state }: { state: 'applied' | 'pending' | 'failing' | 'superseded' }) {
  const tone = state === 'applied' ? 'ok' : state === 'failing' ? 'bad' : state === 'pending' ? 'warn' : ''
  return <span className={`chip ${tone}`}>{state}</span>
}
