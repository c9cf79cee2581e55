'use client'
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { LagPoint } from '@/server/metrics/get-dashboard'
import { EmptyState } from '@/components/ui/empty-state'

const COLORS = ['#1f5fbf', '#d9822b', '#2f9e6a', '#8a4fbf', '#c2413b', '#4b6b8a']

/** p95 lag per minute and channel; minutes with no publishes are gaps, not zeros. */
export function LagChart({ points, channels }: { points: LagPoint[]; channels: string[] }) {
  if (points.length === 0) return <EmptyState title="No publishes measured in the last hour">Lag appears once channels confirm applied quantities.</EmptyState>
  const byMinute = new Map<string, Record<string, number | string | null>>()
  for (const p of points) {
    const row = byMinute.get(p.minute) ?? { minute: p.minute.slice(11, 16) }
    row[p.channel] = p.p95Seconds
    byMinute.set(p.minute, row)
  }
  const data = [...byMinute.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row)
  return (
    <div style={{ width: '100%', height: 240 }} data-testid="lag-chart">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis dataKey="minute" fontSize={11} />
          <YAxis fontSize={11} unit=" s" width={56} scale="log" domain={[1, 'auto']} allowDataOverflow />
          <Tooltip formatter={(v) => `≤ ${String(v)} s`} />
          <Legend />
          {channels.map((c, i) => (
            <Line key={c} type="stepAfter" dataKey={c} stroke={COLORS[i % COLORS.length]} dot={false} connectNulls={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}
