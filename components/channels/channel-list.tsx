'use client'
// Channels (analysts): one row per channel with its state and sync health; each links to its page.
import Link from 'next/link'
import { useQuery } from '@tanstack/react-query'
import type { DashboardView } from '@/server/metrics/get-dashboard'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount, formatSeconds } from '@/components/ui/format'
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
      <div className="page-head">
        <div>
          <h1>Channels</h1>
          <div className="muted">
            Where each channel stands: mode, pause and breaker, what is waiting, and how long updates take to land.
          </div>
        </div>
        <a className="button" href="/api/ui/channels/export" download data-testid="channels-export">
          Export CSV
        </a>
      </div>
      <div className="panel">
        {q.isPending ? (
          <div className="muted" role="status">
            Loading channels…
          </div>
        ) : q.isError ? (
          <ErrorBox error={q.error} />
        ) : q.data.channels.length === 0 ? (
          <EmptyState title="No channels yet">Add one under Settings; it starts in shadow mode.</EmptyState>
        ) : (
          <table className="data" data-testid="channel-table">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Mode</th>
                <th scope="col">State</th>
                <th scope="col">Health</th>
                <th scope="col" className="num">
                  Listings
                </th>
                <th scope="col" className="num">
                  In sync
                </th>
                <th scope="col" className="num">
                  Waiting
                </th>
                <th scope="col" className="num">
                  Past SLO
                </th>
                <th scope="col" className="num">
                  Failing
                </th>
                <th scope="col">Oldest waiting</th>
                <th scope="col">Lag p50 / p95</th>
              </tr>
            </thead>
            <tbody>
              {q.data.channels.map((c) => (
                <tr key={c.code} className="row-link" data-testid={`channel-row-${c.code}`}>
                  <td>
                    <Link className="stretched" href={`/channels/${encodeURIComponent(c.code)}`}>
                      {c.name}
                    </Link>{' '}
                    <span className="muted">{c.kind}</span>
                  </td>
                  <td>
                    <span className="chip">{c.mode}</span>
                  </td>
                  <td>
                    <StateChip status={c.status} breaker={c.breakerState} />
                  </td>
                  <td>
                    <HealthChip health={c.health} testId={`channel-health-${c.code}`} />{' '}
                    <div className="muted" style={{ fontSize: 12, maxWidth: 320 }}>
                      {c.health.summary}
                    </div>
                  </td>
                  <td className="num">{formatCount(c.listings)}</td>
                  <td className="num">{formatCount(c.inSync)}</td>
                  <td className="num">{formatCount(c.pending)}</td>
                  <td className={`num${c.stale > 0 ? ' bad' : ''}`}>{formatCount(c.stale)}</td>
                  <td className="num">{formatCount(c.failing)}</td>
                  <td>{c.oldestPendingSeconds === null ? 'none waiting' : formatSeconds(c.oldestPendingSeconds)}</td>
                  <td>{lagText(c.lag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  )
}

export function StateChip({ status, breaker }: { status: string; breaker: string }) {
  if (breaker !== 'closed') return <span className="chip bad">breaker {breaker.replace('_', '-')}</span>
  if (status === 'paused') return <span className="chip warn">paused</span>
  return <span className="chip ok">running</span>
}
