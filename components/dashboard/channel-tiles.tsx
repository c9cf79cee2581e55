import Link from 'next/link'
import type { ChannelTile } from '@/server/metrics/get-dashboard'
import { formatCount, formatSeconds } from '@/components/ui/format'
import { HealthChip } from '@/components/channels/health-chip'

/** Lag as measured: interpolated p50 / p95 ("≈"), or "not measured" when no update was confirmed. */
export function lagText(l: { samples: number; p50Seconds: number | null; p95Seconds: number | null }): string {
  return l.samples === 0 || l.p95Seconds === null
    ? 'not measured'
    : `≈${formatSeconds(l.p50Seconds)} / ≈${formatSeconds(l.p95Seconds)}`
}

/** Each tile is one link to the channel page; its health is the shared verdict (channel-health.ts). */
export function ChannelTiles({ channels }: { channels: ChannelTile[] }) {
  return (
    <div className="grid tiles">
      {channels.map((c) => (
        <Link
          className={`tile tile-link tone-${c.health.tone}`}
          key={c.code}
          href={`/channels/${encodeURIComponent(c.code)}`}
          data-testid={`channel-${c.code}`}
          aria-label={`Channel ${c.name}: ${c.health.state}`}
        >
          <div className="title">
            <span>
              {c.name} <span className="chip">{c.mode}</span>
            </span>
            <HealthChip health={c.health} testId={`health-${c.code}`} />
          </div>
          <div className="health-summary" data-testid={`health-summary-${c.code}`}>
            {c.health.summary}
          </div>
          <dl>
            <dt>Listings</dt>
            <dd>{formatCount(c.listings)}</dd>
            <dt>In sync</dt>
            <dd data-testid={`in-sync-${c.code}`}>{formatCount(c.inSync)}</dd>
            <dt>Waiting to apply</dt>
            <dd data-testid={`pending-${c.code}`}>{formatCount(c.pending)}</dd>
            <dt>Past SLO ({formatSeconds(c.slo.staleAfterSeconds)})</dt>
            <dd data-testid={`stale-${c.code}`} className={c.stale > 0 ? 'bad' : undefined}>
              {formatCount(c.stale)}
            </dd>
            <dt>Oldest waiting</dt>
            <dd data-testid={`oldest-${c.code}`}>
              {c.oldestPendingSeconds === null ? 'none waiting' : formatSeconds(c.oldestPendingSeconds)}
            </dd>
            <dt>Lag p50 / p95 ({c.lag.windowMinutes} min)</dt>
            <dd data-testid={`lag-${c.code}`}>{lagText(c.lag)}</dd>
            <dt>Updates measured</dt>
            <dd>{formatCount(c.lag.samples)}</dd>
          </dl>
        </Link>
      ))}
    </div>
  )
}
