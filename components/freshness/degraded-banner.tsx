'use client'
// A banner across every page while Stocktower runs in degraded mode (a feed past its cadence, a
// channel whose breaker stays open, or a live channel whose orders intake stopped): what is degraded since when, and what each channel publishes
// meanwhile. It goes away on its own when the feed returns.
import { useQuery } from '@tanstack/react-query'
import type { DegradedView } from '@/server/freshness/degraded-mode'
import { useRealtime } from '@/components/realtime/use-realtime'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatTime } from '@/components/ui/format'

export function DegradedBanner() {
  const { data } = useQuery({
    queryKey: ['degraded'],
    queryFn: () => fetchJson<DegradedView>('/api/ui/degraded'),
    refetchInterval: 5_000,
  })
  useRealtime({ rooms: ['dashboard'], invalidate: { 'findings.changed': [['degraded']] }, coalesceMs: 1_000 })
  if (!data || data.conditions.length === 0) return null
  return (
    <div className="live-banner" role="alert" data-testid="degraded-banner">
      <strong>Degraded mode:</strong>{' '}
      {data.conditions
        .map(
          (c) =>
            `${c.what} ${c.kind === 'feed' ? 'silent' : c.kind === 'intake' ? 'stopped (the channel still sells, its orders do not reach us)' : 'blind'} since ${formatTime(c.staleSince)}`,
        )
        .join('; ')}
      . Channels publish conservatively: {data.policies.map((p) => `${p.channel} ${p.policy}`).join(', ')}.
    </div>
  )
}
