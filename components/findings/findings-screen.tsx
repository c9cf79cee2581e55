'use client'
// Drift and oversells: findings (channel drift by cause, snapshot variances, unverified updates,
// exceptions, aged reservations, SLO breaches) with their state and the actions policy allows, and
// oversell incidents with their attributed cause and revenue at risk. Filters in the URL; live.
import Link from 'next/link'
import { useState, useTransition } from 'react'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import { actOnFindingAction } from '@/app/(app)/findings/actions'
import { CursorPager } from '@/components/ui/cursor-pager'
import { SortHeader } from '@/components/ui/sort-header'

interface Finding {
  id: string
  kind: string
  sku: string | null
  channel: string | null
  location: string | null
  cause: string | null
  status: string
  field: string | null
  expected: number | null
  actual: number | null
  variance: number | null
  details: unknown
  detectedAt: string
  updatedAt: string
  resolvedAt: string | null
}
interface Incident {
  id: string
  kind: string
  channel: string
  sku: string
  orderId: string
  lineId: string
  orderedUnits: number
  oversoldUnits: number
  revenueAtRiskCents: number
  cause: string | null
  sentence: string
  details: unknown
  occurredAt: string
  detectedAt: string
}
type Page<T> = { items: T[]; nextCursor: string | null }

const KINDS = ['drift', 'variance', 'unverified', 'exception', 'aged_reservation', 'slo_breach', 'intake_stopped']
const STATUSES = ['open', 'healing', 'resolved', 'ignored']
const money = (cents: number) => (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' })

export function FindingsScreen({ canAct, channels }: { canAct: boolean; channels: string[] }) {
  const router = useRouter()
  const params = useSearchParams()
  const tab =
    params.get('tab') === 'oversells' ? 'oversells' : params.get('tab') === 'snapshots' ? 'snapshots' : 'findings'
  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(params.toString())
    if (value) next.set(name, value)
    else next.delete(name)
    router.replace(`/findings?${next.toString()}`)
  }
  useRealtime({
    rooms: ['dashboard', 'kpis'],
    invalidate: { 'findings.changed': [['findings']], 'kpis.changed': [['oversells']] },
    coalesceMs: 2_000,
  })
  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Drift and oversells</h1>
          <div className="muted">
            What differs from what we published or what the ERP counted, and every order we could not fill, with the
            cause.
          </div>
        </div>
      </div>
      <div className="toolbar" role="tablist">
        <button
          role="tab"
          aria-selected={tab === 'findings'}
          className={tab === 'findings' ? 'primary' : ''}
          onClick={() => setParam('tab', '')}
        >
          Findings
        </button>
        <button
          role="tab"
          aria-selected={tab === 'oversells'}
          className={tab === 'oversells' ? 'primary' : ''}
          onClick={() => setParam('tab', 'oversells')}
        >
          Oversells
        </button>
        <button
          role="tab"
          aria-selected={tab === 'snapshots'}
          className={tab === 'snapshots' ? 'primary' : ''}
          onClick={() => setParam('tab', 'snapshots')}
        >
          ERP snapshots
        </button>
      </div>
      {tab === 'findings' ? (
        <FindingsTab canAct={canAct} channels={channels} setParam={setParam} />
      ) : tab === 'oversells' ? (
        <OversellsTab channels={channels} setParam={setParam} />
      ) : (
        <SnapshotsTab />
      )}
    </div>
  )
}

function FindingsTab({
  canAct,
  channels,
  setParam,
}: {
  canAct: boolean
  channels: string[]
  setParam: (k: string, v: string) => void
}) {
  const params = useSearchParams()
  const qc = useQueryClient()
  const filter = {
    status: params.has('status') ? (params.get('status') ?? '') : 'open',
    kind: params.get('kind') ?? '',
    channel: params.get('channel') ?? '',
    sku: params.get('sku') ?? '',
    order: params.get('order') ?? '',
    sort: params.get('sort') ?? '',
  }
  const [cursors, setCursors] = useState<string[]>([])
  const qs = new URLSearchParams(
    Object.entries({ ...filter, cursor: cursors[cursors.length - 1] ?? '' }).filter(([, v]) => v),
  ).toString()
  const list = useQuery({
    queryKey: ['findings', qs],
    queryFn: () => fetchJson<Page<Finding> & { total: number }>(`/api/ui/findings?${qs}`),
  })
  // The column sort wins over the older newest/oldest picker, which stays for shared links.
  const sortDefault = filter.order === 'oldest' ? 'detectedAt' : '-detectedAt'
  const [pending, start] = useTransition()
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  const [noteFor, setNoteFor] = useState<{ id: string; action: 'ignore' | 'resolve' } | null>(null)
  const [note, setNote] = useState('')
  const act = (id: string, action: 'ignore' | 'resolve' | 'reopen' | 'correct' | 'republish', text?: string) =>
    start(async () => {
      const r = await actOnFindingAction({ id, action, ...(text ? { note: text } : {}) })
      if ('error' in r) {
        setMessage({ tone: 'bad', text: r.error.message })
        return
      }
      setMessage({
        tone: 'ok',
        text:
          action === 'correct'
            ? 'Corrected through the ledger (a count event); the finding is resolved.'
            : action === 'republish'
              ? 'Our quantity goes out again over what the channel shows; the finding resolves when a read-back matches.'
              : `Finding ${action === 'reopen' ? 'reopened' : `${action}d`}.`,
      })
      setNoteFor(null)
      setNote('')
      await qc.invalidateQueries({ queryKey: ['findings'] })
    })
  const set = (k: string, v: string) => {
    setCursors([])
    setParam(k, v)
  }

  return (
    <div className="panel">
      {message && (
        <div className={message.tone === 'bad' ? 'error-box' : 'panel'} role="status" data-testid="finding-message">
          {message.text}
        </div>
      )}
      <div className="toolbar" role="search">
        <label>
          Status{' '}
          <select aria-label="Status" value={filter.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select aria-label="Kind" value={filter.kind} onChange={(e) => set('kind', e.target.value)}>
            <option value="">any</option>
            {KINDS.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel{' '}
          <select aria-label="Channel" value={filter.channel} onChange={(e) => set('channel', e.target.value)}>
            <option value="">any</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          SKU{' '}
          <input
            type="search"
            aria-label="SKU"
            defaultValue={filter.sku}
            placeholder="any"
            onBlur={(e) => set('sku', e.target.value.trim())}
            onKeyDown={(e) => {
              if (e.key === 'Enter') set('sku', e.currentTarget.value.trim())
            }}
            size={12}
          />
        </label>
        <label>
          Order{' '}
          <select
            aria-label="Order"
            value={filter.order || 'recent'}
            onChange={(e) => set('order', e.target.value === 'recent' ? '' : e.target.value)}
          >
            <option value="recent">newest first</option>
            <option value="oldest">oldest first</option>
          </select>
        </label>
        {list.data && (
          <span className="muted" data-testid="findings-total">
            {formatCount(list.data.total)} {list.data.total === 1 ? 'finding matches' : 'findings match'}
          </span>
        )}
        <a
          className="button"
          style={{ marginLeft: 'auto' }}
          href={`/api/ui/findings/export?${new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString()}`}
          download
          data-testid="findings-export"
        >
          Export CSV
        </a>
      </div>
      {noteFor && (
        <div className="toolbar" data-testid="finding-note">
          <input
            type="text"
            aria-label={noteFor.action === 'ignore' ? 'Why ignore' : 'Resolution note'}
            placeholder={noteFor.action === 'ignore' ? 'why ignore it (required)' : 'what fixed it (optional)'}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            size={40}
          />
          <button
            className="primary"
            disabled={pending || (noteFor.action === 'ignore' && !note.trim())}
            onClick={() => act(noteFor.id, noteFor.action, note.trim() || undefined)}
          >
            {noteFor.action === 'ignore' ? 'Ignore' : 'Resolve'}
          </button>
          <button onClick={() => setNoteFor(null)}>Cancel</button>
        </div>
      )}
      {list.error && <ErrorBox error={list.error} />}
      {list.isLoading && <div className="muted">Loading…</div>}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title="No findings match">Nothing differs from what we expected for these filters.</EmptyState>
      ) : (
        list.data && (
          <table className="data" data-testid="findings-table">
            <thead>
              <tr>
                <SortHeader
                  label="Kind"
                  column="kind"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <th>Cause</th>
                <SortHeader
                  label="SKU"
                  column="sku"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <SortHeader
                  label="Where"
                  column="channel"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <th className="num">Expected</th>
                <th className="num">Actual</th>
                <SortHeader
                  label="Variance"
                  column="variance"
                  first="desc"
                  className="num"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <th>Status</th>
                <SortHeader
                  label="Detected"
                  column="detectedAt"
                  first="desc"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <SortHeader
                  label="Updated"
                  column="updatedAt"
                  first="desc"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                {canAct && <th></th>}
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((f) => {
                const open = f.status === 'open' || f.status === 'healing'
                return (
                  <tr key={f.id} data-testid={`finding-${f.id}`}>
                    <td>{f.kind.replace('_', ' ')}</td>
                    {/* The cause is a sentence: it wraps, so the actions stay on a laptop screen. */}
                    <td style={{ minWidth: 220 }}>{f.cause ? f.cause.replace(/_/g, ' ') : '—'}</td>
                    <td className="mono" style={{ whiteSpace: 'nowrap' }}>
                      {f.sku ? <a href={`/skus/${encodeURIComponent(f.sku)}`}>{f.sku}</a> : '—'}
                    </td>
                    <td>{[f.channel, f.location].filter(Boolean).join(' · ') || '—'}</td>
                    <td className="num">{formatCount(f.expected)}</td>
                    <td className="num">{formatCount(f.actual)}</td>
                    <td className="num">
                      {f.variance === null
                        ? '—'
                        : f.variance > 0
                          ? `+${formatCount(f.variance)}`
                          : formatCount(f.variance)}
                    </td>
                    <td>
                      <span className={`chip ${open ? 'warn' : f.status === 'resolved' ? 'ok' : ''}`}>{f.status}</span>
                    </td>
                    <td>
                      <Ago iso={f.detectedAt} />
                    </td>
                    <td>
                      <Ago iso={f.updatedAt} />
                    </td>
                    {canAct && (
                      <td style={{ whiteSpace: 'nowrap' }}>
                        {f.status === 'open' && f.kind === 'drift' && (
                          <button
                            disabled={pending}
                            data-testid="republish"
                            onClick={() => {
                              if (
                                window.confirm(
                                  `Send our quantity for ${f.sku} to ${f.channel} again, over the ${formatCount(f.actual)} it shows now?`,
                                )
                              )
                                act(f.id, 'republish')
                            }}
                          >
                            Republish
                          </button>
                        )}
                        {open && f.kind === 'variance' && (
                          <button
                            disabled={pending}
                            onClick={() => {
                              if (
                                window.confirm(
                                  `Write a count event setting ${f.sku} at ${f.location} to ${f.expected}?`,
                                )
                              )
                                act(f.id, 'correct')
                            }}
                          >
                            Correct
                          </button>
                        )}
                        {open && (
                          <button
                            disabled={pending}
                            style={{ marginLeft: 4 }}
                            onClick={() => {
                              setNoteFor({ id: f.id, action: 'resolve' })
                              setNote('')
                            }}
                          >
                            Resolve
                          </button>
                        )}
                        {open && (
                          <button
                            disabled={pending}
                            style={{ marginLeft: 4 }}
                            onClick={() => {
                              setNoteFor({ id: f.id, action: 'ignore' })
                              setNote('')
                            }}
                          >
                            Ignore…
                          </button>
                        )}
                        {!open && (
                          <button disabled={pending} onClick={() => act(f.id, 'reopen')}>
                            Reopen
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                )
              })}
            </tbody>
          </table>
        )
      )}
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}

function OversellsTab({ channels, setParam }: { channels: string[]; setParam: (k: string, v: string) => void }) {
  const params = useSearchParams()
  const filter = {
    window: params.get('window') ?? '7d',
    channel: params.get('channel') ?? '',
    kind: params.get('kind') ?? '',
    sku: params.get('sku') ?? '',
    order: params.get('order') ?? '',
    sort: params.get('sort') ?? '',
  }
  const sortDefault = filter.order === 'oldest' ? 'detectedAt' : '-detectedAt'
  const [cursors, setCursors] = useState<string[]>([])
  const qs = new URLSearchParams(
    Object.entries({ ...filter, cursor: cursors[cursors.length - 1] ?? '' }).filter(([, v]) => v),
  ).toString()
  const list = useQuery({
    queryKey: ['oversells', qs],
    queryFn: () =>
      fetchJson<
        Page<Incident> & { totals: { incidents: number; oversoldUnits: number; revenueAtRiskCents: number } | null }
      >(`/api/ui/oversells?${qs}`),
  })
  // Totals over the whole filter (the first page carries them; later pages do not).
  const base = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString()
  const first = useQuery({
    queryKey: ['oversells', base, 'totals'],
    queryFn: () =>
      fetchJson<{ totals: { incidents: number; oversoldUnits: number; revenueAtRiskCents: number } | null }>(
        `/api/ui/oversells?${base}&limit=1`,
      ),
  })
  const totals = first.data?.totals
  const set = (k: string, v: string) => {
    setCursors([])
    setParam(k, v)
  }
  return (
    <div className="panel">
      <div className="toolbar" role="search">
        <label>
          Window{' '}
          <select aria-label="Window" value={filter.window} onChange={(e) => set('window', e.target.value)}>
            {['1h', '24h', '7d', '30d'].map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind{' '}
          <select aria-label="Kind" value={filter.kind} onChange={(e) => set('kind', e.target.value)}>
            <option value="">any</option>
            <option value="channel_oversell">channel oversell</option>
            <option value="shortage">shortage</option>
          </select>
        </label>
        <label>
          Channel{' '}
          <select aria-label="Channel" value={filter.channel} onChange={(e) => set('channel', e.target.value)}>
            <option value="">any</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          SKU{' '}
          <input
            type="search"
            aria-label="SKU"
            defaultValue={filter.sku}
            placeholder="any (Enter)"
            onKeyDown={(e) => {
              if (e.key === 'Enter') set('sku', e.currentTarget.value.trim())
            }}
            onBlur={(e) => set('sku', e.target.value.trim())}
            size={12}
          />
        </label>
        <label>
          Order{' '}
          <select
            aria-label="Order"
            value={filter.order || 'recent'}
            onChange={(e) => set('order', e.target.value === 'recent' ? '' : e.target.value)}
          >
            <option value="recent">newest first</option>
            <option value="oldest">oldest first</option>
          </select>
        </label>
        <a
          className="button"
          style={{ marginLeft: 'auto' }}
          href={`/api/ui/oversells/export?${base}`}
          download
          data-testid="oversells-export"
        >
          Export CSV
        </a>
      </div>
      {totals && (
        <div className="grid kpis" style={{ marginBottom: 12 }} data-testid="oversell-totals">
          <div className="kpi">
            <div className="label">Incidents</div>
            <div className="value">{formatCount(totals.incidents)}</div>
          </div>
          <div className="kpi">
            <div className="label">Units oversold</div>
            <div className="value">{formatCount(totals.oversoldUnits)}</div>
          </div>
          <div className="kpi">
            <div className="label">Revenue at risk</div>
            <div className="value">{money(totals.revenueAtRiskCents)}</div>
          </div>
        </div>
      )}
      {list.error && <ErrorBox error={list.error} />}
      {list.isLoading && <div className="muted">Loading…</div>}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title="No oversells in this window">
          Every order in the window could be filled from what we had.
        </EmptyState>
      ) : (
        list.data && (
          <table className="data" data-testid="oversells-table">
            <thead>
              <tr>
                <SortHeader
                  label="When"
                  column="occurredAt"
                  first="desc"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <th>Kind</th>
                <th>Channel</th>
                <th>SKU</th>
                <th>Order</th>
                <th className="num">Ordered</th>
                <SortHeader
                  label="Oversold"
                  column="oversoldUnits"
                  first="desc"
                  className="num"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <SortHeader
                  label="At risk"
                  column="revenueAtRiskCents"
                  first="desc"
                  className="num"
                  sort={filter.sort}
                  dflt={sortDefault}
                  onSort={(v) => set('sort', v)}
                />
                <th>Cause</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((o) => (
                <tr key={o.id} className="row-link" data-testid={`oversell-row-${o.orderId}-${o.lineId}`}>
                  <td>
                    <Link
                      className="stretched"
                      href={`/findings/oversells/${o.id}`}
                      aria-label={`Incident ${o.orderId}/${o.lineId}`}
                    >
                      <Ago iso={o.occurredAt} />
                    </Link>
                  </td>
                  <td>{o.kind.replace('_', ' ')}</td>
                  <td>{o.channel}</td>
                  <td className="mono">
                    <Link href={`/skus/${encodeURIComponent(o.sku)}`}>{o.sku}</Link>
                  </td>
                  <td className="mono">
                    {o.orderId}/{o.lineId}
                  </td>
                  <td className="num">{formatCount(o.orderedUnits)}</td>
                  <td className="num">{formatCount(o.oversoldUnits)}</td>
                  <td className="num">{money(o.revenueAtRiskCents)}</td>
                  <td style={{ minWidth: 260 }}>
                    {o.cause ? <span className="chip warn">{o.cause.replace(/_/g, ' ')}</span> : null}{' '}
                    <span className="muted" style={{ fontSize: 12 }}>
                      {o.sentence}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}

interface SnapshotRow {
  snapshotId: string
  status: string
  mode: string
  format: string
  source: string
  rows: number
  processedRows: number
  rejectedRows: number
  findingsCount: number
  corrected: number
  asOf: string | null
  autoCorrectUnits: number
  error: string | null
  startedAt: string
  completedAt: string | null
  fileName: string | null
}

/** ERP snapshots and their reconciliation: progress while running (polled), then what they found. */
function SnapshotsTab() {
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1] ?? ''
  const list = useQuery({
    queryKey: ['snapshots', cursor],
    queryFn: () => fetchJson<Page<SnapshotRow>>(`/api/ui/snapshots${cursor ? `?cursor=${cursor}` : ''}`),
    refetchInterval: (q) => (q.state.data?.items.some((x) => x.status === 'running') ? 2_000 : false),
  })
  return (
    <div className="panel">
      <div className="muted" style={{ marginBottom: 8 }}>
        Counts from the system of record (<code>POST /api/v1/snapshots</code> or a file in the inbox), compared with our
        positions as of the snapshot time. Variances become findings; small ones are corrected through the ledger by
        policy.
      </div>
      {list.isPending ? (
        <div className="muted" role="status">
          Loading snapshots…
        </div>
      ) : list.isError ? (
        <ErrorBox error={list.error} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No snapshots yet">
          Post one to /api/v1/snapshots or drop a file in the inbox; its progress and variances show here.
        </EmptyState>
      ) : (
        <table className="data" data-testid="snapshots">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Source</th>
              <th scope="col">Kind</th>
              <th scope="col">Progress</th>
              <th scope="col" className="num">
                Variances
              </th>
              <th scope="col" className="num">
                Corrected
              </th>
              <th scope="col" className="num">
                Rejected rows
              </th>
              <th scope="col">As of</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((x) => {
              const pct =
                x.rows > 0
                  ? Math.min(100, Math.round((x.processedRows / x.rows) * 100))
                  : x.status === 'completed'
                    ? 100
                    : 0
              return (
                <tr key={x.snapshotId}>
                  <td>
                    <Ago iso={x.startedAt} />
                  </td>
                  <td>
                    {x.source}
                    {x.fileName ? <span className="muted"> · {x.fileName}</span> : null}
                  </td>
                  <td>
                    {x.mode} · {x.format}
                  </td>
                  <td style={{ minWidth: 180 }}>
                    <progress
                      max={100}
                      value={pct}
                      aria-label={`Snapshot ${x.snapshotId} progress`}
                      style={{ width: 100, verticalAlign: 'middle' }}
                    />{' '}
                    <span className="muted">
                      {formatCount(x.processedRows)} / {formatCount(x.rows)} rows
                    </span>
                  </td>
                  <td className="num">
                    {x.findingsCount > 0 ? <a href="/findings?kind=variance">{formatCount(x.findingsCount)}</a> : '0'}
                  </td>
                  <td className="num">
                    {formatCount(x.corrected)}
                    {x.autoCorrectUnits > 0 ? <span className="muted"> (≤{x.autoCorrectUnits} auto)</span> : null}
                  </td>
                  <td className="num">{formatCount(x.rejectedRows)}</td>
                  <td className="muted">{x.asOf ? <Ago iso={x.asOf} /> : '—'}</td>
                  <td>
                    <span
                      className={`chip ${x.status === 'completed' ? 'ok' : x.status === 'failed' ? 'bad' : 'warn'}`}
                      title={x.error ?? undefined}
                    >
                      {x.status}
                    </span>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <div className="toolbar" style={{ justifyContent: 'flex-end', marginTop: 8 }}>
        <button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous
        </button>
        <button
          disabled={!list.data?.nextCursor}
          onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}
        >
          Next
        </button>
      </div>
    </div>
  )
}
