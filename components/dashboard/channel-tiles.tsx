import Link from 'next/link'
import type { ChannelTile } from '@/server/metrics/get-dashboard'
import { formatCount, formatSeconds } from '@/components/ui/format'

export function ChannelTiles({ channels }: { channels: ChannelTile[] }) {
  return (
    <div className="grid tiles">
      {channels.map((c) => {
        const health = c.breakerState !== 'closed' ? { tone: 'bad', label: `breaker ${c.breakerState}` } : c.status === 'paused' ? { tone: 'warn', label: 'paused' } : c.failing > 0 ? { tone: 'warn', label: `${c.failing} failing` } : { tone: 'ok', label: 'healthy' }
        return (
          <section className="tile" key={c.code} data-testid={`channel-${c.code}`} aria-label={`Channel ${c.name}`}>
            <div className="title">
              <span><Link href={`/channels/${encodeURIComponent(c.code)}`}>{c.name}</Link> <span className="chip">{c.mode}</span></span>
              <span className={`chip ${health.tone}`}>{health.label}</span>
            </div>
            <dl>
              <dt>Listings</dt><dd>{formatCount(c.listings)}</dd>
              <dt>In sync</dt><dd data-testid={`in-sync-${c.code}`}>{formatCount(c.inSync)}</dd>
              <dt>Waiting to apply</dt><dd data-testid={`pending-${c.code}`}>{formatCount(c.pending)}</dd>
              <dt>Oldest waiting</dt><dd>{formatSeconds(c.oldestPendingSeconds)}</dd>
              <dt>Lag p50 / p95 ({c.lag.windowMinutes} min)</dt>
              <dd data-testid={`lag-${c.code}`}>{c.lag.samples === 0 ? '—' : `≤${formatSeconds(c.lag.p50Seconds)} / ≤${formatSeconds(c.lag.p95Seconds)}`}</dd>
              <dt>Updates measured</dt><dd>{formatCount(c.lag.samples)}</dd>
            </dl>
          </section>
        )
      })}
    </div>
  )
}
