'use client'
// Lag over time, one line per series, on a continuous time axis: every minute of the range is a
// point, minutes without measured updates are gaps (never zeros, never joined across), isolated
// minutes still show as dots, and the axis says which time zone it is in. Values are percentiles
// interpolated from the lag histogram; the tooltip states the bucket bounds they lie between.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { formatSeconds } from '@/components/ui/format'
import { formatDateTime, formatTick, useTimeZone, zoneLabel } from '@/components/ui/time'
import { TREND_LINE } from './line-style'

export const LAG_COLORS = ['#1f5fbf', '#d9822b', '#2f9e6a', '#8a4fbf', '#c2413b', '#4b6b8a']

export interface LagValue {
  seconds: number | null
  lower: number | null
  upper: number | null
  samples: number
}
export interface LagSeries {
  key: string
  label: string
  color?: string
  dashed?: boolean
  values: Map<number, LagValue>
}

/** Smallest value drawn on the log axis: faster than this is drawn at it (stated in the axis label). */
const FLOOR = 0.1

const bounds = (v: LagValue) =>
  v.lower === null
    ? ''
    : v.upper === null
      ? ` (more than ${formatSeconds(v.lower)})`
      : ` (between ${formatSeconds(v.lower)} and ${formatSeconds(v.upper)})`

export function LagLines({
  from,
  to,
  series,
  slo,
  height = 240,
  testId,
}: {
  from: number
  to: number
  series: LagSeries[]
  slo?: number
  height?: number
  testId: string
}) {
  const tz = useTimeZone()
  const rows: Array<Record<string, number | null>> = []
  for (let t = from; t <= to; t += 60_000) {
    const row: Record<string, number | null> = { t }
    for (const s of series) {
      const v = s.values.get(t)
      row[s.key] = v?.seconds === null || v?.seconds === undefined ? null : Math.max(FLOOR, v.seconds)
    }
    rows.push(row)
  }
  const multiDay = to - from > 20 * 3600_000
  const valueAt = (key: string, t: number) => series.find((s) => s.key === key)?.values.get(t)
  return (
    <div style={{ width: '100%', height }} data-testid={testId} data-time-zone={tz}>
      <ResponsiveContainer>
        <LineChart data={rows} margin={{ top: 4, right: 16, bottom: 18, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[from, to]}
            fontSize={11}
            tickFormatter={(ms: number) => formatTick(ms, tz, multiDay)}
            label={{
              value: `time (${zoneLabel(tz, new Date(to))})`,
              position: 'insideBottom',
              offset: -12,
              fontSize: 11,
            }}
          />
          <YAxis
            fontSize={11}
            width={64}
            scale="log"
            domain={[FLOOR, 'auto']}
            allowDataOverflow
            tickFormatter={(v: number) => formatSeconds(v)}
          />
          <Tooltip
            labelFormatter={(t) => formatDateTime(new Date(Number(t)).toISOString(), tz, { seconds: false })}
            formatter={(val, name, item) => {
              const v = valueAt(String(item.dataKey), Number((item.payload as { t: number }).t))
              return [
                v && v.seconds !== null
                  ? `≈ ${formatSeconds(v.seconds)}${bounds(v)}, ${v.samples} update(s)`
                  : String(val),
                String(name),
              ]
            }}
          />
          <Legend verticalAlign="top" height={24} />
          {slo !== undefined && (
            <ReferenceLine
              y={slo}
              stroke="#8a94a6"
              strokeDasharray="4 4"
              label={{ value: `SLO p95 ${formatSeconds(slo)}`, fontSize: 11, position: 'insideTopRight' }}
            />
          )}
          {series.map((s, i) => (
            <Line
              key={s.key}
              type="linear"
              dataKey={s.key}
              name={s.values.size === 0 ? `${s.label} (no updates measured)` : s.label}
              stroke={s.color ?? LAG_COLORS[i % LAG_COLORS.length]}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '5 3' : undefined}
              dot={{ r: 2 }}
              activeDot={{ r: 4 }}
              {...TREND_LINE}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}
