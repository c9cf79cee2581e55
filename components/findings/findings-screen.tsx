'use client'
// Drift and oversells: findings (channel drift by cause, snapshot variances, unverified updates,
// exceptions, aged reservations, SLO breaches) with their state and the actions policy allows, and
// oversell incidents with their attributed cause and revenue at risk. Filters in the URL; live.
import Link from 'next/link'
import { useState } from 'react'
import { useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatMoney } from '@/components/ui/format'
import { actOnFindingAction } from '@/app/(app)/findings/actions'
import { CursorPager } from '@/components/ui/cursor-pager'
import { SortHeader } from '@/components/ui/sort-header'
import { useCursors } from '@/components/ui/cursor-pager'
import { ExportLink, filterQuery, OrderFilter, SearchFilter, SelectFilter, useUrlFilter } from '@/components/ui/filters'
import type { listFindings } from '@/server/reconciliation/list-findings'
import type { listOversells } from '@/server/reconciliation/list-oversells'
import type { SnapshotSummary } from '@/server/reconciliation/snapshot-reads'

type FindingsPage = Awaited<ReturnType<typeof listFindings>>
type OversellsPage = Awaited<ReturnType<typeof listOversells>>

const KINDS = ['drift', 'variance', 'unverified', 'exception', 'aged_reservation', 'slo_breach', 'intake_stopped']
const TABS = [
  ['findings', 'Findings'],
  ['oversells', 'Oversells'],
  ['snapshots', 'ERP snapshots'],
] as const
const STATUSES = ['open', 'healing', 'resolved', 'ignored']

export function FindingsScreen({ canAct, channels }: { canAct: boolean; channels: string[] }) {
  const params = useSearchParams()
  const setParam = useUrlFilter('/findings')
  const tab =
    params.get('tab') === 'oversells' ? 'oversells' : params.get('tab') === 'snapshots' ? 'snapshots' : 'findings'
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
        {TABS.map(([id, label]) => (
          <button
            key={id}
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? 'primary' : ''}
            onClick={() => setParam('tab', id === 'findings' ? '' : id)}
          >
            {label}
          </button>
        ))}
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
  const { cursors, setCursors, cursor } = useCursors()
  const qs = filterQuery({ ...filter, cursor })
  const list = useQuery({
    queryKey: ['findings', qs],
    queryFn: () => fetchJson<FindingsPage>(`/api/ui/findings?${qs}`),
  })
  // The column sort wins over the older newest/oldest picker, which stays for shared links.
  const sortDefault = filter.order === 'oldest' ? 'detectedAt' : '-detectedAt'
  const sorting = { sort: filter.sort, dflt: sortDefault, onSort: (v: string) => set('sort', v) }
  const { pending, message, run } = useAction()
  const [noteFor, setNoteFor] = useState<{ id: string; action: 'ignore' | 'resolve' } | null>(null)
  const [note, setNote] = useState('')
  const act = (id: string, action: 'ignore' | 'resolve' | 'reopen' | 'correct' | 'republish', text?: string) =>
    run(
      () => actOnFindingAction({ id, action, ...(text ? { note: text } : {}) }),
      () =>
        action === 'correct'
          ? 'Corrected through the ledger (a count event); the finding is resolved.'
          : action === 'republish'
            ? 'Our quantity goes out again over what the channel shows; the finding resolves when a read-back matches.'
            : `Finding ${action === 'reopen' ? 'reopened' : `${action}d`}.`,
      async () => {
        setNoteFor(null)
        setNote('')
        await qc.invalidateQueries({ queryKey: ['findings'] })
      },
    )
  const set = (k: string, v: string) => {
    setCursors([])
    setParam(k, v)
  }

  return (
    <div className="panel">
      <FeedbackLine message={message} testId="finding-message" />
      <div className="toolbar" role="search">
        <SelectFilter label="Status" value={filter.status} options={STATUSES} onChange={(v) => set('status', v)} />
        <SelectFilter
          label="Kind"
          value={filter.kind}
          options={KINDS}
          format={(k) => k.replace('_', ' ')}
          onChange={(v) => set('kind', v)}
        />
        <SelectFilter label="Channel" value={filter.channel} options={channels} onChange={(v) => set('channel', v)} />
        <SearchFilter
          label="SKU"
          defaultValue={filter.sku}
          placeholder="any"
          size={12}
          onCommit={(v) => set('sku', v)}
        />
        <OrderFilter value={filter.order} onChange={(v) => set('order', v)} />
        {list.data && (
          <span className="muted" data-testid="findings-total">
            {formatCount(list.data.total)} {list.data.total === 1 ? 'finding matches' : 'findings match'}
          </span>
        )}
        <ExportLink
          style={{ marginLeft: 'auto' }}
          href={`/api/ui/findings/export?${filterQuery(filter)}`}
          testId="findings-export"
        />
      </div>
      {noteFor && (
        <div className="toolbar" data-testid="finding-note">
          <TextInput
            label={noteFor.action === 'ignore' ? 'Why ignore' : 'Resolution note'}
            placeholder={noteFor.action === 'ignore' ? 'why ignore it (required)' : 'what fixed it (optional)'}
            value={note}
            onValue={setNote}
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
                <SortHeader label="Kind" column="kind" {...sorting} />
                <th>Cause</th>
                <SortHeader label="SKU" column="sku" {...sorting} />
                <SortHeader label="Where" column="channel" {...sorting} />
                <th className="num">Expected</th>
                <th className="num">Actual</th>
                <SortHeader label="Variance" column="variance" first="desc" className="num" {...sorting} />
                <th>Status</th>
                <SortHeader label="Detected" column="detectedAt" first="desc" {...sorting} />
                <SortHeader label="Updated" column="updatedAt" first="desc" {...sorting} />
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
  const sorting = { sort: filter.sort, dflt: sortDefault, onSort: (v: string) => set('sort', v) }
  const { cursors, setCursors, cursor } = useCursors()
  const qs = filterQuery({ ...filter, cursor })
  const list = useQuery({
    queryKey: ['oversells', qs],
    queryFn: () => fetchJson<OversellsPage>(`/api/ui/oversells?${qs}`),
  })
  // Totals over the whole filter (the first page carries them; later pages do not).
  const base = filterQuery(filter)
  const first = useQuery({
    queryKey: ['oversells', base, 'totals'],
    queryFn: () => fetchJson<Pick<OversellsPage, 'totals'>>(`/api/ui/oversells?${base}&limit=1`),
  })
  const totals = first.data?.totals
  const set = (k: string, v: string) => {
    setCursors([])
    setParam(k, v)
  }
  return (
    <div className="panel">
      <div className="toolbar" role="search">
        <SelectFilter
          label="Window"
          value={filter.window}
          options={['1h', '24h', '7d', '30d']}
          any={null}
          onChange={(v) => set('window', v)}
        />
        <SelectFilter
          label="Kind"
          value={filter.kind}
          options={[
            { value: 'channel_oversell', label: 'channel oversell' },
            { value: 'shortage', label: 'shortage' },
          ]}
          onChange={(v) => set('kind', v)}
        />
        <SelectFilter label="Channel" value={filter.channel} options={channels} onChange={(v) => set('channel', v)} />
        <SearchFilter
          label="SKU"
          defaultValue={filter.sku}
          placeholder="any (Enter)"
          size={12}
          onCommit={(v) => set('sku', v)}
        />
        <OrderFilter value={filter.order} onChange={(v) => set('order', v)} />
        <ExportLink
          style={{ marginLeft: 'auto' }}
          href={`/api/ui/oversells/export?${base}`}
          testId="oversells-export"
        />
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
            <div className="value">{formatMoney(totals.revenueAtRiskCents)}</div>
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
                <SortHeader label="When" column="occurredAt" first="desc" {...sorting} />
                <th>Kind</th>
                <th>Channel</th>
                <th>SKU</th>
                <th>Order</th>
                <th className="num">Ordered</th>
                <SortHeader label="Oversold" column="oversoldUnits" first="desc" className="num" {...sorting} />
                <SortHeader label="At risk" column="revenueAtRiskCents" first="desc" className="num" {...sorting} />
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
                  <td className="num">{formatMoney(o.revenueAtRiskCents)}</td>
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

/** ERP snapshots and their reconciliation: progress while running (polled), then what they found. */
function SnapshotsTab() {
  const { cursors, setCursors, cursor } = useCursors()
  const list = useQuery({
    queryKey: ['snapshots', cursor],
    queryFn: () =>
      fetchJson<{ items: SnapshotSummary[]; nextCursor: string | null }>(
        `/api/ui/snapshots${cursor ? `?cursor=${cursor}` : ''}`,
      ),
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
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}
