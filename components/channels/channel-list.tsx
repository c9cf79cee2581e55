'use client'
// Channels (analysts): one row per channel with its state and sync health; each links to its page.
import Link from 'next/link'
import { useQuery } from '@tanstack/react-query'
import type { DashboardView } from '@/server/metrics/get-dashboard'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState } from '@/components/ui/empty-state'
import { countColumns, DataTable, type Column } from '@/components/ui/data-table'
import { ExportLink } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'
import { QueryView } from '@/components/ui/query-view'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatSeconds } from '@/components/ui/format'
import { HealthChip } from '@/components/channels/health-chip'
import { lagText } from '@/components/dashboard/channel-tiles'

const KEY = ['dashboard', '1h']

export function ChannelList() {
  const q = useQuery({ queryKey: KEY, queryFn: () => fetchJson<DashboardView>('/api/ui/dashboard?range=1h') })
  useRealtime({
    rooms: ['dashboard'],
    invalidate: { 'channel.updated': [KEY], 'listings.changed': [KEY] },
    coalesceMs: 2_000,
  })
  return (
    <div>
      <PageHead title="Channels" aside={<ExportLink href="/api/ui/channels/export" testId="channels-export" />}>
        Where each channel stands: mode, pause and breaker, what is waiting, and how long updates take to land.
      </PageHead>
      <div className="panel">
        <QueryView
          query={q}
          loading="Loading channels…"
          isEmpty={(d) => d.channels.length === 0}
          empty={<EmptyState title="No channels yet">Add one under Settings; it starts in shadow mode.</EmptyState>}
        >
          {(d) => (
            <DataTable
              testId="channel-table"
              scope
              columns={CHANNEL_COLUMNS}
              rows={d.channels}
              rowKey={(c) => c.code}
              row={(c) => ({ className: 'row-link', 'data-testid': `channel-row-${c.code}` })}
            />
          )}
        </QueryView>
      </div>
    </div>
  )
}

type ChannelRow = DashboardView['channels'][number]

const CHANNEL_COLUMNS: Column<ChannelRow>[] = [
  {
    header: 'Channel',
    cell: (c) => (
      <>
        <Link className="stretched" href={`/channels/${encodeURIComponent(c.code)}`}>
          {c.name}
        </Link>{' '}
        <span className="muted">{c.kind}</span>
      </>
    ),
  },
  { header: 'Mode', cell: (c) => <span className="chip">{c.mode}</span> },
  { header: 'State', cell: (c) => <StateChip status={c.status} breaker={c.breakerState} /> },
  {
    header: 'Health',
    cell: (c) => (
      <>
        <HealthChip health={c.health} testId={`channel-health-${c.code}`} />{' '}
        <div className="muted" style={{ fontSize: 12, maxWidth: 320 }}>
          {c.health.summary}
        </div>
      </>
    ),
  },
  ...countColumns<ChannelRow>([
    ['Listings', (c) => c.listings],
    ['In sync', (c) => c.inSync],
    ['Waiting', (c) => c.pending],
    ['Past SLO', (c) => c.stale, (c) => ({ className: `num${c.stale > 0 ? ' bad' : ''}` })],
    ['Failing', (c) => c.failing],
  ]),
  {
    header: 'Oldest waiting',
    cell: (c) => (c.oldestPendingSeconds === null ? 'none waiting' : formatSeconds(c.oldestPendingSeconds)),
  },
  { header: 'Lag p50 / p95', cell: (c) => lagText(c.lag) },
]

export function StateChip({ status, breaker }: { status: string; breaker: string }) {
  if (breaker !== 'closed') return <span className="chip bad">breaker {breaker.replace('_', '-')}</span>
  if (status === 'paused') return <span className="chip warn">paused</span>
  return <span className="chip ok">running</span>
}
