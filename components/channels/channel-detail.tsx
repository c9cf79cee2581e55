'use client'
// One channel for analysts: lag percentiles per minute, rate-budget use, breaker and pause state,
// listing health, publish attempts (sorted, filtered and paged on the server); pause/resume (with a
// reason) and, for admins, shadow/live with what the first live publish would change. Live over the
// channel's room.
import Link from 'next/link'
import { useState, useTransition } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { ChannelOpsView } from '@/server/channels/channel-ops'
import type { ChannelHealthDetail } from '@/server/metrics/get-channel-health-detail'
import { HealthChip } from '@/components/channels/health-chip'
import { LagLines } from '@/components/charts/lag-lines'
import { formatTick, useTimeZone } from '@/components/ui/time'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatSeconds } from '@/components/ui/format'
import { StateChip } from '@/components/channels/channel-list'
import { PublishAttempts } from '@/components/channels/publish-attempts'
import { setChannelModeAction, setChannelSloAction, setChannelStatusAction } from '@/app/(app)/channels/actions'

const WINDOWS = [1, 6, 24]

export function ChannelDetail({ code, can }: { code: string; can: { pause: boolean; configure: boolean } }) {
  const [hours, setHours] = useState(1)
  const key = ['channel', code, hours]
  const q = useQuery({
    queryKey: key,
    queryFn: () => fetchJson<ChannelOpsView>(`/api/ui/channels/${encodeURIComponent(code)}?hours=${hours}`),
  })
  // The shared health verdict (server/metrics/channel-health.ts), the same as the dashboard tile's.
  const hq = useQuery({
    queryKey: ['channel', code, 'health', hours],
    queryFn: () => fetchJson<ChannelHealthDetail>(`/api/ui/channels/${encodeURIComponent(code)}/health?hours=${hours}`),
    refetchInterval: 30_000,
  })
  useRealtime({
    rooms: [`channel:${code}`, 'dashboard'],
    invalidate: { 'channel.updated': [['channel', code]], 'listings.changed': [['channel', code]] },
    coalesceMs: 2_000,
  })
  if (q.isPending || hq.isPending)
    return (
      <div className="muted" role="status">
        Loading {code}…
      </div>
    )
  if (q.isError) return <ErrorBox error={q.error} />
  if (hq.isError) return <ErrorBox error={hq.error} />
  const v = q.data
  const c = v.channel
  const h = hq.data.health
  const l = h.listings
  return (
    <div>
      <div className="page-head">
        <div>
          <div className="muted">
            <Link href="/channels">Channels</Link> /
          </div>
          <h1>
            {c.name} <span className="chip">{c.mode}</span> <StateChip status={c.status} breaker={c.breakerState} />{' '}
            <HealthChip health={h.health} testId="channel-health" />
          </h1>
          <div className="muted">
            {c.kind} · budget {c.ratePerSecond}/s (burst {c.rateBurst}) · lag SLO p95 ≤{' '}
            {formatSeconds(c.slo.lagP95Seconds)} · stale after {formatSeconds(c.slo.staleAfterSeconds)}
          </div>
        </div>
      </div>
      <section className={`panel tone-${h.health.tone}`} aria-label="Health" data-testid="channel-health-panel">
        <strong data-testid="channel-health-summary">{h.health.summary}</strong>
        {h.health.reasons.length > 1 && (
          <ul className="reasons">
            {h.health.reasons.map((r) => (
              <li key={r.check} className={r.severity}>
                {r.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Switches view={v} can={can} />
      {can.configure && <SloForm channel={c.code} slo={c.slo} />}
      <div className="grid kpis">
        <Kpi label="Listings" value={formatCount(l.total)} />
        <Kpi label="In sync" value={formatCount(l.inSync)} testId="ops-in-sync" />
        <Kpi label="Waiting to apply" value={formatCount(l.waiting)} testId="ops-pending" />
        <Kpi
          label="Stale (past SLO)"
          value={formatCount(l.stale)}
          tone={l.stale > 0 ? 'bad' : undefined}
          testId="ops-stale"
        />
        <Kpi label="Failing" value={formatCount(l.failing)} tone={l.failing > 0 ? 'warn' : undefined} />
        <Kpi
          label="Oldest waiting"
          value={l.oldestWaitingSeconds === null ? 'none waiting' : formatSeconds(l.oldestWaitingSeconds)}
          tone={h.health.staleBreached ? 'bad' : undefined}
          testId="ops-oldest"
        />
        <Kpi
          label={`Lag p95 (${h.lag.windowMinutes} min)`}
          value={h.lag.p95 === null ? 'not measured' : `≈${formatSeconds(h.lag.p95.seconds)}`}
          sub={
            h.lag.p95
              ? `between ${formatSeconds(h.lag.p95.lowerSeconds)} and ${h.lag.p95.upperSeconds === null ? '∞' : formatSeconds(h.lag.p95.upperSeconds)}, ${formatCount(h.lag.samples)} updates`
              : `${formatCount(h.lag.samples)} updates confirmed`
          }
          tone={h.health.lagBreached ? 'bad' : undefined}
          testId="ops-lag-p95"
        />
        <Kpi
          label="Breaker"
          value={c.breakerState.replace('_', '-')}
          sub={
            c.breakerOpenedAt ? (
              <>
                opened <Ago iso={c.breakerOpenedAt} />, {c.breakerFailures} failures
              </>
            ) : (
              `${c.breakerFailures} recent failures`
            )
          }
        />
      </div>
      <section className="panel" aria-labelledby="lag-h">
        <div className="toolbar">
          <h2 id="lag-h" style={{ margin: 0 }}>
            Lag, event to applied
          </h2>
          <label>
            Window{' '}
            <select aria-label="Window" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              {WINDOWS.map((h) => (
                <option key={h} value={h}>
                  last {h} h
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="muted" style={{ fontSize: 12 }}>
          Percentiles per minute interpolated within the lag histogram&apos;s buckets; hover for the bounds. Gaps are
          minutes with no update confirmed applied.
        </div>
        <LagPercentiles detail={hq.data} slo={c.slo.lagP95Seconds} />
      </section>
      <div className="grid" style={{ gridTemplateColumns: 'minmax(0,1fr) minmax(0,1fr)' }}>
        <section className="panel" aria-labelledby="budget-h">
          <h2 id="budget-h">Rate budget, last hour</h2>
          <div className="muted">
            Requests per minute (a batch or feed is one request) against what the channel allows.
          </div>
          <BudgetChart points={v.budget} />
        </section>
        <section className="panel" aria-labelledby="outcome-h">
          <h2 id="outcome-h">Outcomes, last hour</h2>
          {Object.keys(v.outcomes).length === 0 ? (
            <EmptyState title="No attempts in the last hour" />
          ) : (
            <table className="data">
              <tbody>
                {Object.entries(v.outcomes)
                  .sort((a, b) => b[1] - a[1])
                  .map(([o, n]) => (
                    <tr key={o}>
                      <td>{o}</td>
                      <td className="num">{formatCount(n)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <OrdersIntake intake={hq.data.intake} />
      <PublishAttempts code={c.code} mode={c.mode} />
    </div>
  )
}

const INTAKE_TONE: Record<string, string> = { ok: 'ok', stopped: 'bad', not_connected: '', not_live: '' }
const INTAKE_LABEL: Record<string, string> = {
  ok: 'receiving',
  stopped: 'stopped',
  not_connected: 'not connected',
  not_live: 'not watched',
}
const secondsOrNone = (s: number | null) => (s === null ? 'not measured' : `≈${formatSeconds(s)}`)

/** How the channel's orders reach us: lag from the marketplace's order time to our reservation, and each path's health. */
function OrdersIntake({ intake }: { intake: ChannelHealthDetail['intake'] }) {
  return (
    <section
      className={`panel${intake.state === 'stopped' ? ' tone-bad' : ''}`}
      aria-labelledby="intake-h"
      data-testid="orders-intake"
    >
      <div className="toolbar">
        <h2 id="intake-h" style={{ margin: 0 }}>
          Orders intake
        </h2>
        <span className={`chip ${INTAKE_TONE[intake.state] ?? ''}`} data-testid="intake-state">
          {INTAKE_LABEL[intake.state] ?? intake.state}
        </span>
      </div>
      <div
        className={intake.state === 'stopped' ? 'error-box' : 'muted'}
        role={intake.state === 'stopped' ? 'alert' : undefined}
        data-testid="intake-message"
      >
        {intake.message}
      </div>
      <div className="grid kpis">
        <Kpi
          label="Intake lag p50"
          value={secondsOrNone(intake.lag.p50Seconds)}
          sub={`${formatCount(intake.lag.samples)} orders, marketplace order time to reservation`}
          testId="intake-lag-p50"
        />
        <Kpi label="Intake lag p95" value={secondsOrNone(intake.lag.p95Seconds)} testId="intake-lag-p95" />
        <Kpi label="Intake lag p99" value={secondsOrNone(intake.lag.p99Seconds)} testId="intake-lag-p99" />
        <Kpi
          label="Order grace"
          value={formatSeconds(intake.graceSeconds)}
          sub="a difference on the channel waits this long for its orders before it is a merchant edit"
          testId="intake-grace"
        />
      </div>
      {intake.paths.length === 0 ? (
        <EmptyState title="No native orders intake">
          Orders reach us through POST /api/v1/channels/{intake.channel}/orders.
        </EmptyState>
      ) : (
        <table className="data" data-testid="intake-paths">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Last poll</th>
              <th scope="col">Last success</th>
              <th scope="col">Cursor</th>
              <th scope="col" className="num">
                Deliveries
              </th>
              <th scope="col" className="num">
                Failures in a row
              </th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {intake.paths.map((p) => (
              <tr key={p.path} data-testid={`intake-path-${p.path}`}>
                <td>{p.path.replace('_', ' ')}</td>
                <td>{p.lastDeliveryAt ? <Ago iso={p.lastDeliveryAt} /> : '—'}</td>
                <td>{p.lastPollAt ? <Ago iso={p.lastPollAt} /> : '—'}</td>
                <td>{p.lastSuccessAt ? <Ago iso={p.lastSuccessAt} /> : 'never'}</td>
                <td className="muted" style={{ fontSize: 12, overflowWrap: 'anywhere' }}>
                  {p.cursor ?? '—'}
                  {p.cursorAt ? (
                    <>
                      {' '}
                      (caught up to <Ago iso={p.cursorAt} />)
                    </>
                  ) : null}
                </td>
                <td className="num">{formatCount(p.deliveries)}</td>
                <td className="num" style={p.consecutiveFailures > 0 ? { color: 'var(--warn)' } : undefined}>
                  {formatCount(p.consecutiveFailures)}
                </td>
                <td className="muted" style={{ maxWidth: 320, overflowWrap: 'anywhere' }}>
                  {p.lastError ?? ''}
                  {p.lastFailureAt ? (
                    <>
                      {' '}
                      (<Ago iso={p.lastFailureAt} />)
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Kpi({
  label,
  value,
  sub,
  tone,
  testId,
}: {
  label: string
  value: string
  sub?: React.ReactNode
  tone?: 'warn' | 'bad'
  testId?: string
}) {
  return (
    <div className="kpi">
      <div className="label">{label}</div>
      <div className="value" data-testid={testId} style={tone ? { color: `var(--${tone})` } : undefined}>
        {value}
      </div>
      {sub && (
        <div className="muted" style={{ fontSize: 12 }}>
          {sub}
        </div>
      )}
    </div>
  )
}

/** Pause/resume and shadow/live, each with a reason; going live shows what it would change first. */
function Switches({ view, can }: { view: ChannelOpsView; can: { pause: boolean; configure: boolean } }) {
  const c = view.channel
  const qc = useQueryClient()
  const [open, setOpen] = useState<null | 'status' | 'mode'>(null)
  const [reason, setReason] = useState('')
  const [pending, start] = useTransition()
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  if (!can.pause && !can.configure) {
    return c.mode === 'shadow' && view.shadowPreview ? <ShadowPreview preview={view.shadowPreview} /> : null
  }
  const nextStatus = c.status === 'paused' ? 'active' : 'paused'
  const nextMode = c.mode === 'shadow' ? 'live' : 'shadow'
  const submit = () =>
    start(async () => {
      const r =
        open === 'status'
          ? await setChannelStatusAction({ channel: c.code, status: nextStatus, reason })
          : await setChannelModeAction({ channel: c.code, mode: nextMode, reason })
      if ('error' in r) {
        setMessage({ tone: 'bad', text: r.error.message })
        return
      }
      setMessage({
        tone: 'ok',
        text:
          open === 'status'
            ? nextStatus === 'paused'
              ? `${c.name} is paused: nothing is sent; desired quantities keep updating.`
              : `${c.name} resumed: the newest quantity of every waiting listing is going out.`
            : nextMode === 'live'
              ? `${c.name} is live: publishing starts now.`
              : `${c.name} is back in shadow mode: nothing more is written.`,
      })
      setOpen(null)
      setReason('')
      await qc.invalidateQueries({ queryKey: ['channel', c.code] })
      await qc.invalidateQueries({ queryKey: ['dashboard'] })
    })
  /** Opens the confirmation of one switch, clearing the last outcome. */
  const ask = (what: 'status' | 'mode') => {
    setOpen(what)
    setMessage(null)
  }
  return (
    <section className="panel" aria-label="Channel switches">
      {message && (
        <div className={message.tone === 'bad' ? 'error-box' : 'muted'} role="status" data-testid="channel-message">
          {message.text}
        </div>
      )}
      <div className="toolbar">
        {can.pause && (
          <button
            className={c.status === 'paused' ? 'primary' : ''}
            disabled={pending}
            data-testid="toggle-pause"
            onClick={() => ask('status')}
          >
            {c.status === 'paused' ? 'Resume channel' : 'Pause channel'}
          </button>
        )}
        {can.configure && (
          <button disabled={pending} data-testid="toggle-mode" onClick={() => ask('mode')}>
            {c.mode === 'shadow' ? 'Go live…' : 'Back to shadow…'}
          </button>
        )}
        {c.status === 'paused' && (
          <span className="muted">Paused: desired quantities keep updating; the newest goes out on resume.</span>
        )}
      </div>
      {c.mode === 'shadow' && view.shadowPreview && <ShadowPreview preview={view.shadowPreview} />}
      {open && (
        <div className="toolbar" data-testid="switch-confirm">
          <strong>
            {open === 'status'
              ? nextStatus === 'paused'
                ? `Pause ${c.name}?`
                : `Resume ${c.name}? ${formatCount(view.listings.pending)} waiting listing(s) will be sent.`
              : nextMode === 'live'
                ? `Go live on ${c.name}? ${view.shadowPreview ? `${formatCount(view.shadowPreview.up + view.shadowPreview.down + view.shadowPreview.unknown)} listing(s) will be written.` : ''}`
                : `Return ${c.name} to shadow mode? Nothing more will be written.`}
          </strong>
          <TextInput
            caption="Reason"
            label="Reason"
            value={reason}
            onValue={setReason}
            placeholder="why (audited)"
            size={32}
          />
          <button
            className="primary"
            disabled={pending || reason.trim().length < 3}
            data-testid="confirm-switch"
            onClick={submit}
          >
            {pending ? 'Working…' : 'Confirm'}
          </button>
          <button
            disabled={pending}
            onClick={() => {
              setOpen(null)
              setReason('')
            }}
          >
            Cancel
          </button>
        </div>
      )}
    </section>
  )
}

function ShadowPreview({ preview: p }: { preview: NonNullable<ChannelOpsView['shadowPreview']> }) {
  return (
    <div data-testid="shadow-preview">
      <strong>Shadow mode:</strong> nothing is written. The first live publish would change {formatCount(p.up + p.down)}{' '}
      of {formatCount(p.listings)} listing(s): {formatCount(p.up)} up, {formatCount(p.down)} down (
      {formatCount(p.toZero)} to zero, {formatCount(p.fromZero)} from zero), {formatCount(p.unchanged)} unchanged
      {p.unknown > 0 ? `, ${formatCount(p.unknown)} not read back yet (sent as they are)` : ''}.
    </div>
  )
}

function LagPercentiles({ detail, slo }: { detail: ChannelHealthDetail; slo: number }) {
  const minutes = detail.lag.minutes
  if (minutes.length === 0)
    return (
      <EmptyState title="No updates measured in this window">
        Lag appears once the channel confirms applied quantities; waiting listings are counted above.
      </EmptyState>
    )
  const line = (key: 'p50' | 'p95' | 'p99', color: string, dashed = false) => ({
    key,
    label: key,
    color,
    dashed,
    values: new Map(
      minutes.map((m) => {
        const p = m[key]
        return [
          Date.parse(m.minute),
          {
            seconds: p?.seconds ?? null,
            lower: p?.lowerSeconds ?? null,
            upper: p?.upperSeconds ?? null,
            samples: m.samples,
          },
        ]
      }),
    ),
  })
  return (
    <LagLines
      from={Date.parse(detail.lag.from)}
      to={Date.parse(detail.lag.to)}
      slo={slo}
      testId="channel-lag-chart"
      series={[line('p50', '#2f9e6a'), line('p95', '#1f5fbf'), line('p99', '#c2413b', true)]}
    />
  )
}

function BudgetChart({ points }: { points: ChannelOpsView['budget'] }) {
  const tz = useTimeZone()
  const data = points.map((p) => ({
    minute: formatTick(Date.parse(p.minute), tz),
    requests: p.requests,
    capacity: p.capacity,
  }))
  if (data.every((d) => d.requests === 0)) return <EmptyState title="No requests in the last hour" />
  return (
    <div style={{ width: '100%', height: 200 }} data-testid="budget-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 4, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis
            dataKey="minute"
            fontSize={11}
            label={{ value: `time (${tz})`, position: 'insideBottom', offset: -2, fontSize: 11 }}
            height={36}
          />
          <YAxis fontSize={11} width={48} />
          <Tooltip />
          <Legend />
          <Bar dataKey="requests" fill="#1f5fbf" isAnimationActive={false} />
          <Line
            type="stepAfter"
            dataKey="capacity"
            name="allowed"
            stroke="#c2413b"
            strokeDasharray="4 4"
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  )
}

/** The channel's two SLOs, which every health verdict is judged by (admins). */
function SloForm({ channel, slo }: { channel: string; slo: { lagP95Seconds: number; staleAfterSeconds: number } }) {
  const qc = useQueryClient()
  const [open, setOpen] = useState(false)
  const [lag, setLag] = useState(String(slo.lagP95Seconds))
  const [stale, setStale] = useState(String(slo.staleAfterSeconds))
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  const [pending, start] = useTransition()
  if (!open)
    return (
      <div className="toolbar">
        <button
          type="button"
          data-testid="edit-slo"
          onClick={() => {
            setOpen(true)
            setLag(String(slo.lagP95Seconds))
            setStale(String(slo.staleAfterSeconds))
          }}
        >
          Edit SLOs…
        </button>
        {message && (
          <span className={message.tone === 'bad' ? 'error-box' : 'muted'} role="status" data-testid="slo-message">
            {message.text}
          </span>
        )}
      </div>
    )
  const save = () =>
    start(async () => {
      const r = await setChannelSloAction({ channel, lagP95Seconds: lag, staleAfterSeconds: stale })
      if ('error' in r) {
        setMessage({ tone: 'bad', text: r.error.message })
        return
      }
      setMessage({
        tone: 'ok',
        text: `SLOs saved: lag p95 ≤ ${r.data.slo.lagP95Seconds} s, stale after ${r.data.slo.staleAfterSeconds} s.`,
      })
      setOpen(false)
      await qc.invalidateQueries({ queryKey: ['channel', channel] })
      await qc.invalidateQueries({ queryKey: ['dashboard'] })
    })
  return (
    <form
      className="toolbar panel"
      aria-label="SLOs"
      onSubmit={(e) => {
        e.preventDefault()
        save()
      }}
    >
      {(
        [
          ['Lag p95 SLO (s)', 'Lag p95 SLO in seconds', lag, setLag],
          ['Stale after (s)', 'Stale after seconds', stale, setStale],
        ] as const
      ).map(([caption, label, value, onValue]) => (
        <TextInput
          key={label}
          caption={caption}
          type="number"
          min={1}
          max={86400}
          label={label}
          value={value}
          onValue={onValue}
          style={{ width: 90 }}
        />
      ))}
      <button className="primary" type="submit" disabled={pending} data-testid="save-slo">
        {pending ? 'Saving…' : 'Save SLOs'}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {message?.tone === 'bad' && (
        <span className="error-box" role="alert">
          {message.text}
        </span>
      )}
    </form>
  )
}
