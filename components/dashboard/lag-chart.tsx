'use client'
import type { LagPoint } from '@/server/metrics/get-dashboard'
import { EmptyState } from '@/components/ui/empty-state'
import { LagLines, type LagSeries } from '@/components/charts/lag-lines'

/** p95 lag per minute and channel over the chosen range; minutes with no measured updates are gaps. */
export function LagChart({
  points,
  channels,
  from,
  to,
}: {
  points: LagPoint[]
  channels: string[]
  from: string
  to: string
}) {
  if (points.length === 0)
    return (
      <EmptyState title="No updates measured in this range">
        Lag appears once channels confirm applied quantities; a channel waiting to apply shows as unhealthy above.
      </EmptyState>
    )
  const series: LagSeries[] = channels.map((c) => ({
    key: c,
    label: c,
    values: new Map(
      points
        .filter((p) => p.channel === c)
        .map((p) => [
          Date.parse(p.minute),
          { seconds: p.p95Seconds, lower: p.p95LowerSeconds, upper: p.p95UpperSeconds, samples: p.samples },
        ]),
    ),
  }))
  return <LagLines from={Date.parse(from)} to={Date.parse(to)} series={series} testId="lag-chart" />
}
