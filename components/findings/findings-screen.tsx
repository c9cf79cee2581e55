'use client'
// Drift and oversells: findings (channel drift by cause, snapshot variances, unverified updates,
// exceptions, aged reservations, SLO breaches) with their state and the actions policy allows, and
// oversell incidents with their attributed cause and revenue at risk. Filters in the URL; live.
import Link from 'next/link'
import { useState } from 'react'
import { useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { NoteRow } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatMoney } from '@/components/ui/format'
import { actOnFindingAction } from '@/app/(app)/findings/actions'
import { CursorPager, useCursors } from '@/components/ui/cursor-pager'
import { DataTable, type Column, type Sorting } from '@/components/ui/data-table'
import { KpiTile } from '@/components/ui/kpi-tile'
import { PageHead } from '@/components/ui/page-head'
import { QueryView } from '@/components/ui/query-view'
import {
  ExportLink,
  filterQuery,
  OrderFilter,
  SearchFilter,
  SelectFilter,
  useListFilter,
  useUrlFilter,
} from '@/components/ui/filters'
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
      <PageHead title="Drift and oversells">
        What differs from what we published or what the ERP counted, and every order we could not fill, with the cause.
      </PageHead>
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
        <FindingsTab canAct={canAct} channels={channels} />
      ) : tab === 'oversells' ? (
        <OversellsTab channels={channels} />
      ) : (
        <SnapshotsTab />
      )}
    </div>
  )
}

type Finding = FindingsPage['items'][number]
type Oversell = OversellsPage['items'][number]
type FindingAction = 'ignore' | 'resolve' | 'reopen' | 'correct' | 'republish'
type SetFilter = (k: string, v: string) => void

/** The filters both lists share: channel, SKU (applied on Enter or blur) and newest/oldest first. */
function ChannelSkuOrder({
  filter,
  set,
  channels,
  skuPlaceholder,
}: {
  filter: { channel: string; sku: string; order: string }
  set: SetFilter
  channels: string[]
  skuPlaceholder: string
}) {
  return (
    <>
      <SelectFilter label="Channel" value={filter.channel} options={channels} onChange={(v) => set('channel', v)} />
      <SearchFilter
        label="SKU"
        defaultValue={filter.sku}
        placeholder={skuPlaceholder}
        size={12}
        onCommit={(v) => set('sku', v)}
      />
      <OrderFilter value={filter.order} onChange={(v) => set('order', v)} />
    </>
  )
}

/** The column sort wins over the older newest/oldest picker, which stays for shared links. */
function detectedSorting(filter: { sort: string; order: string }, set: SetFilter): Sorting {
  return {
    sort: filter.sort,
    dflt: filter.order === 'oldest' ? 'detectedAt' : '-detectedAt',
    onSort: (v) => set('sort', v),
  }
}

const FINDING_FILTERS = ['status', 'kind', 'channel', 'sku', 'order', 'sort'] as const

function FindingsTab({ canAct, channels }: { canAct: boolean; channels: string[] }) {
  const qc = useQueryClient()
  const { filter, set, qs, cursors, setCursors } = useListFilter('/findings', FINDING_FILTERS, { status: 'open' })
  const list = useQuery({
    queryKey: ['findings', qs],
    queryFn: () => fetchJson<FindingsPage>(`/api/ui/findings?${qs}`),
  })
  const { pending, message, run } = useAction()
  const [noteFor, setNoteFor] = useState<{ id: string; action: 'ignore' | 'resolve' } | null>(null)
  const [note, setNote] = useState('')
  const act = (id: string, action: FindingAction, text?: string) =>
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
  const askNote = (id: string, action: 'ignore' | 'resolve') => {
    setNoteFor({ id, action })
    setNote('')
  }
  const actions = { pending, act, askNote }

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
        <ChannelSkuOrder filter={filter} set={set} channels={channels} skuPlaceholder="any" />
        {list.data && (
          <span className="muted" data-testid="findings-total">
            {formatCount(list.data.total)} {list.data.total === 1 ? 'finding matches' : 'findings match'}
          </span>
        )}
        <ExportLink right href={`/api/ui/findings/export?${filterQuery(filter)}`} testId="findings-export" />
      </div>
      {noteFor && (
        <NoteRow
          testId="finding-note"
          label={noteFor.action === 'ignore' ? 'Why ignore' : 'Resolution note'}
          placeholder={noteFor.action === 'ignore' ? 'why ignore it (required)' : 'what fixed it (optional)'}
          value={note}
          onValue={setNote}
          confirm={noteFor.action === 'ignore' ? 'Ignore' : 'Resolve'}
          disabled={pending || (noteFor.action === 'ignore' && !note.trim())}
          onConfirm={() => act(noteFor.id, noteFor.action, note.trim() || undefined)}
          onCancel={() => setNoteFor(null)}
        />
      )}
      <QueryView
        query={list}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No findings match">Nothing differs from what we expected for these filters.</EmptyState>
        }
      >
        {(d) => (
          <DataTable
            testId="findings-table"
            columns={findingColumns(canAct ? actions : null)}
            rows={d.items}
            rowKey={(f) => f.id}
            row={(f) => ({ 'data-testid': `finding-${f.id}` })}
            sorting={detectedSorting(filter, set)}
          />
        )}
      </QueryView>
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}

const isOpen = (f: Finding) => f.status === 'open' || f.status === 'healing'
const signed = (n: number | null) => (n === null ? '—' : n > 0 ? `+${formatCount(n)}` : formatCount(n))

interface FindingActions {
  pending: boolean
  act: (id: string, action: FindingAction) => void
  askNote: (id: string, action: 'ignore' | 'resolve') => void
}

function findingColumns(actions: FindingActions | null): Column<Finding>[] {
  const cols: Column<Finding>[] = [
    { header: 'Kind', sort: 'kind', cell: (f) => f.kind.replace('_', ' ') },
    // The cause is a sentence: it wraps, so the actions stay on a laptop screen.
    { header: 'Cause', td: { style: { minWidth: 220 } }, cell: (f) => (f.cause ? f.cause.replace(/_/g, ' ') : '—') },
    {
      header: 'SKU',
      sort: 'sku',
      className: 'mono',
      td: { style: { whiteSpace: 'nowrap' } },
      cell: (f) => (f.sku ? <a href={`/skus/${encodeURIComponent(f.sku)}`}>{f.sku}</a> : '—'),
    },
    { header: 'Where', sort: 'channel', cell: (f) => [f.channel, f.location].filter(Boolean).join(' · ') || '—' },
    { header: 'Expected', className: 'num', cell: (f) => formatCount(f.expected) },
    { header: 'Actual', className: 'num', cell: (f) => formatCount(f.actual) },
    { header: 'Variance', sort: '-variance', className: 'num', cell: (f) => signed(f.variance) },
    {
      header: 'Status',
      cell: (f) => (
        <span className={`chip ${isOpen(f) ? 'warn' : f.status === 'resolved' ? 'ok' : ''}`}>{f.status}</span>
      ),
    },
    { header: 'Detected', sort: '-detectedAt', cell: (f) => <Ago iso={f.detectedAt} /> },
    { header: 'Updated', sort: '-updatedAt', cell: (f) => <Ago iso={f.updatedAt} /> },
  ]
  if (!actions) return cols
  return [
    ...cols,
    { header: null, td: { style: { whiteSpace: 'nowrap' } }, cell: (f) => <FindingButtons f={f} {...actions} /> },
  ]
}

/** What policy allows on a finding: republish a drift, correct a variance, resolve, ignore, reopen. */
function FindingButtons({ f, pending, act, askNote }: { f: Finding } & FindingActions) {
  const open = isOpen(f)
  const confirmed = (question: string, action: FindingAction) => () => {
    if (window.confirm(question)) act(f.id, action)
  }
  return (
    <>
      {f.status === 'open' && f.kind === 'drift' && (
        <button
          disabled={pending}
          data-testid="republish"
          onClick={confirmed(
            `Send our quantity for ${f.sku} to ${f.channel} again, over the ${formatCount(f.actual)} it shows now?`,
            'republish',
          )}
        >
          Republish
        </button>
      )}
      {open && f.kind === 'variance' && (
        <button
          disabled={pending}
          onClick={confirmed(`Write a count event setting ${f.sku} at ${f.location} to ${f.expected}?`, 'correct')}
        >
          Correct
        </button>
      )}
      {open &&
        NOTE_ACTIONS.map(([action, label]) => (
          <button key={action} disabled={pending} style={{ marginLeft: 4 }} onClick={() => askNote(f.id, action)}>
            {label}
          </button>
        ))}
      {!open && (
        <button disabled={pending} onClick={() => act(f.id, 'reopen')}>
          Reopen
        </button>
      )}
    </>
  )
}
const NOTE_ACTIONS = [
  ['resolve', 'Resolve'],
  ['ignore', 'Ignore…'],
] as const

const OVERSELL_FILTERS = ['window', 'channel', 'kind', 'sku', 'order', 'sort'] as const

function OversellsTab({ channels }: { channels: string[] }) {
  const { filter, set, qs, cursors, setCursors } = useListFilter('/findings', OVERSELL_FILTERS, { window: '7d' })
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
        <SelectFilter label="Kind" value={filter.kind} options={OVERSELL_KINDS} onChange={(v) => set('kind', v)} />
        <ChannelSkuOrder filter={filter} set={set} channels={channels} skuPlaceholder="any (Enter)" />
        <ExportLink right href={`/api/ui/oversells/export?${base}`} testId="oversells-export" />
      </div>
      {totals && (
        <div className="grid kpis" style={{ marginBottom: 12 }} data-testid="oversell-totals">
          <KpiTile label="Incidents" value={formatCount(totals.incidents)} />
          <KpiTile label="Units oversold" value={formatCount(totals.oversoldUnits)} />
          <KpiTile label="Revenue at risk" value={formatMoney(totals.revenueAtRiskCents)} />
        </div>
      )}
      <QueryView
        query={list}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No oversells in this window">
            Every order in the window could be filled from what we had.
          </EmptyState>
        }
      >
        {(d) => (
          <DataTable
            testId="oversells-table"
            columns={OVERSELL_COLUMNS}
            rows={d.items}
            rowKey={(o) => o.id}
            row={(o) => ({ className: 'row-link', 'data-testid': `oversell-row-${o.orderId}-${o.lineId}` })}
            sorting={detectedSorting(filter, set)}
          />
        )}
      </QueryView>
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}

const OVERSELL_KINDS = [
  { value: 'channel_oversell', label: 'channel oversell' },
  { value: 'shortage', label: 'shortage' },
]

const OVERSELL_COLUMNS: Column<Oversell>[] = [
  {
    header: 'When',
    sort: '-occurredAt',
    cell: (o) => (
      <Link className="stretched" href={`/findings/oversells/${o.id}`} aria-label={`Incident ${o.orderId}/${o.lineId}`}>
        <Ago iso={o.occurredAt} />
      </Link>
    ),
  },
  { header: 'Kind', cell: (o) => o.kind.replace('_', ' ') },
  { header: 'Channel', cell: (o) => o.channel },
  { header: 'SKU', className: 'mono', cell: (o) => <Link href={`/skus/${encodeURIComponent(o.sku)}`}>{o.sku}</Link> },
  { header: 'Order', className: 'mono', cell: (o) => `${o.orderId}/${o.lineId}` },
  { header: 'Ordered', className: 'num', cell: (o) => formatCount(o.orderedUnits) },
  { header: 'Oversold', sort: '-oversoldUnits', className: 'num', cell: (o) => formatCount(o.oversoldUnits) },
  { header: 'At risk', sort: '-revenueAtRiskCents', className: 'num', cell: (o) => formatMoney(o.revenueAtRiskCents) },
  {
    header: 'Cause',
    td: { style: { minWidth: 260 } },
    cell: (o) => (
      <>
        {o.cause ? <span className="chip warn">{o.cause.replace(/_/g, ' ')}</span> : null}{' '}
        <span className="muted" style={{ fontSize: 12 }}>
          {o.sentence}
        </span>
      </>
    ),
  },
]

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
      <QueryView
        query={list}
        loading="Loading snapshots…"
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No snapshots yet">
            Post one to /api/v1/snapshots or drop a file in the inbox; its progress and variances show here.
          </EmptyState>
        }
      >
        {(d) => (
          <DataTable testId="snapshots" scope columns={SNAPSHOT_COLUMNS} rows={d.items} rowKey={(x) => x.snapshotId} />
        )}
      </QueryView>
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </div>
  )
}

function progress(x: SnapshotSummary): number {
  if (x.rows > 0) return Math.min(100, Math.round((x.processedRows / x.rows) * 100))
  return x.status === 'completed' ? 100 : 0
}

const SNAPSHOT_COLUMNS: Column<SnapshotSummary>[] = [
  { header: 'Started', cell: (x) => <Ago iso={x.startedAt} /> },
  {
    header: 'Source',
    cell: (x) => (
      <>
        {x.source}
        {x.fileName ? <span className="muted"> · {x.fileName}</span> : null}
      </>
    ),
  },
  { header: 'Kind', cell: (x) => `${x.mode} · ${x.format}` },
  {
    header: 'Progress',
    td: { style: { minWidth: 180 } },
    cell: (x) => (
      <>
        <progress
          max={100}
          value={progress(x)}
          aria-label={`Snapshot ${x.snapshotId} progress`}
          style={{ width: 100, verticalAlign: 'middle' }}
        />{' '}
        <span className="muted">
          {formatCount(x.processedRows)} / {formatCount(x.rows)} rows
        </span>
      </>
    ),
  },
  {
    header: 'Variances',
    className: 'num',
    cell: (x) => (x.findingsCount > 0 ? <a href="/findings?kind=variance">{formatCount(x.findingsCount)}</a> : '0'),
  },
  {
    header: 'Corrected',
    className: 'num',
    cell: (x) => (
      <>
        {formatCount(x.corrected)}
        {x.autoCorrectUnits > 0 ? <span className="muted"> (≤{x.autoCorrectUnits} auto)</span> : null}
      </>
    ),
  },
  { header: 'Rejected rows', className: 'num', cell: (x) => formatCount(x.rejectedRows) },
  { header: 'As of', className: 'muted', cell: (x) => (x.asOf ? <Ago iso={x.asOf} /> : '—') },
  {
    header: 'Status',
    cell: (x) => (
      <span
        className={`chip ${x.status === 'completed' ? 'ok' : x.status === 'failed' ? 'bad' : 'warn'}`}
        title={x.error ?? undefined}
      >
        {x.status}
      </span>
    ),
  },
]
