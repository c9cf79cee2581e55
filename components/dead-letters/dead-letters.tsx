'use client'
// Support's screen: dead letters ranked by oversell risk, filters in the URL, replay by filter
// with the impact shown first, an approval queue (four eyes: one's own request cannot be approved),
// and discard with a reason. Live: the 'dead-letters' room refetches both lists.
import { useState } from 'react'
import Link from 'next/link'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { DeadLetterItem } from '@/server/dead-letters/list-dead-letters'
import type { ReplayImpact } from '@/server/dead-letters/preview-replay'
import type { PendingReplay } from '@/server/dead-letters/list-replay-requests'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { NoteRow } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { ExportLink, filterQuery, SearchFilter, SelectFilter, useListFilter } from '@/components/ui/filters'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import {
  approveReplayAction,
  discardAction,
  previewReplayAction,
  rejectReplayAction,
  requestReplayAction,
} from '@/app/(app)/dead-letters/actions'
import { CursorPager } from '@/components/ui/cursor-pager'

/** A stored request's impact is the preview it was asked with (older rows may lack the unit counts). */
type Impact = Omit<ReplayImpact, 'units' | 'skus' | 'unresolvedSkus' | 'sample'> &
  Partial<Pick<ReplayImpact, 'units' | 'skus' | 'unresolvedSkus'>>
/** Honest names for a dead letter's status: a requested replay has not run yet. */
const STATUS_LABEL: Record<string, string> = {
  open: 'open',
  replay_requested: 'replay pending approval',
  replayed: 'replayed',
  discarded: 'discarded',
}
const EMPTY_TEXT: Record<string, string> = {
  open: 'Nothing open matches these filters. Requested replays wait under “replay pending approval” until a second person approves them.',
  replay_requested: 'No replay is waiting for approval for these filters.',
  replayed: 'Nothing matching these filters has been replayed.',
  discarded: 'Nothing matching these filters has been discarded.',
}

function impactText(i: Impact): string {
  const events = i.byKind.ingest
    ? `${formatCount(i.byKind.ingest)} event(s) moving ${formatCount(i.units ?? 0)} unit(s)${i.unresolvedSkus ? `, ${formatCount(i.unresolvedSkus)} SKU(s) still unknown (rejected again until fixed)` : ''}`
    : ''
  const pubs = i.byKind.publish ? `${formatCount(i.byKind.publish)} failed publish(es)` : ''
  return `${[events, pubs].filter(Boolean).join(' and ')}; ${formatCount(i.listings)} listing(s) recompute and republish (${formatCount(i.zeroToPositive)} from 0 to a positive quantity, ${formatCount(i.positiveToZero)} to 0)`
}
type Pending = Omit<PendingReplay, 'impact'> & { impact: Impact }
const KINDS = ['ingest', 'publish']
const FILTERS = ['kind', 'status', 'channel', 'code', 'sku', 'sort'] as const
/** The text filters: name, label, box size. */
const SEARCHES = [
  ['channel', 'Channel', 8],
  ['code', 'Code', 14],
  ['sku', 'SKU', 10],
] as const
type Can = { request: boolean; approve: boolean; discard: boolean }
type ActionResult<T> = { data: T } | { error: { code: string; message: string } }

export function DeadLetters({ can }: { can: Can }) {
  const qc = useQueryClient()
  const { filter, set, qs, cursors, setCursors } = useListFilter('/dead-letters', FILTERS, { status: 'open' })
  const list = useQuery({
    queryKey: ['dead-letters', qs],
    queryFn: () =>
      fetchJson<{ items: DeadLetterItem[]; nextCursor: string | null; total?: number }>(`/api/ui/dead-letters?${qs}`),
  })
  const queue = useQuery({ queryKey: ['replays'], queryFn: () => fetchJson<{ items: Pending[] }>('/api/ui/replays') })
  useRealtime({ rooms: ['dead-letters'], invalidate: { 'dead-letters.changed': [['dead-letters'], ['replays']] } })

  const { pending, message, run } = useAction()
  const [impact, setImpact] = useState<Impact | null>(null)
  const [note, setNote] = useState('')
  const [reasonFor, setReasonFor] = useState<{ kind: 'reject' | 'discard'; id: string } | null>(null)
  const [reason, setReason] = useState('')
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [open, setOpen] = useState<string | null>(null)
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s)
      if (n.has(id)) n.delete(id)
      else n.add(id)
      return n
    })
  const picked = [...selected]
  const items = list.data?.items ?? []

  const selection = {
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.channel ? { channel: filter.channel } : {}),
    ...(filter.code ? { code: filter.code } : {}),
    ...(filter.sku ? { sku: filter.sku } : {}),
  }
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['dead-letters'] })
    void qc.invalidateQueries({ queryKey: ['replays'] })
  }
  const sorting = { sort: filter.sort, dflt: 'risk', onSort: (v: string) => setFilter('sort', v) }
  const setFilter = (name: string, value: string) => {
    setSelected(new Set())
    set(name, value)
  }
  /** An action that changes dead letters: its outcome, then both lists refetch. */
  const act = <T,>(fn: () => Promise<ActionResult<T>>, ok: (d: T) => string) => run(fn, ok, refresh)
  const askReason = (kind: 'reject' | 'discard', id: string) => {
    setReasonFor({ kind, id })
    setReason('')
  }
  const preview = (sel: Parameters<typeof previewReplayAction>[0]) =>
    run(
      () => previewReplayAction(sel),
      () => null,
      setImpact,
    )
  const openOnly = filter.status === 'open'

  return (
    <div>
      <PageHead title="Dead letters">
        Events and channel updates that could not be applied, riskiest first. Replays need a second person's approval.
      </PageHead>
      <FeedbackLine message={message} testId="dl-message" />

      <div className="panel">
        <h2>Approval queue</h2>
        {queue.error && <ErrorBox error={queue.error} />}
        {queue.data?.items.length === 0 ? (
          <EmptyState title="Nothing waiting for approval">
            Replay requests appear here until someone else approves or rejects them.
          </EmptyState>
        ) : (
          <DataTable
            testId="approval-queue"
            columns={queueColumns({ can, pending, act, askReason })}
            rows={queue.data?.items ?? []}
            rowKey={(r) => r.id}
            row={(r) => ({ 'data-testid': `request-${r.id}` })}
          />
        )}
      </div>

      <div className="panel">
        <div className="toolbar" role="search">
          <SelectFilter label="Kind" value={filter.kind} options={KINDS} onChange={(v) => setFilter('kind', v)} />
          <SelectFilter
            label="Status"
            value={filter.status}
            options={Object.keys(STATUS_LABEL)}
            format={(s) => STATUS_LABEL[s]}
            any={null}
            onChange={(v) => setFilter('status', v)}
          />
          {SEARCHES.map(([name, label, size]) => (
            <SearchFilter
              key={name}
              label={label}
              defaultValue={filter[name]}
              placeholder="any"
              size={size}
              onCommit={(v) => setFilter(name, v)}
            />
          ))}
          <label>
            Order{' '}
            <select
              aria-label="Order"
              value={filter.sort || 'risk'}
              onChange={(e) => setFilter('sort', e.target.value === 'risk' ? '' : e.target.value)}
            >
              <option value="risk">riskiest first</option>
              <option value="recent">most recent first</option>
              {filter.sort && filter.sort !== 'recent' && <option value={filter.sort}>by column</option>}
            </select>
          </label>
          <ExportLink href={`/api/ui/dead-letters/export?${filterQuery(filter)}`} testId="dead-letters-export" />
          {can.request && openOnly && (
            <button
              disabled={pending || items.length === 0}
              data-testid="preview-replay"
              onClick={() =>
                preview(
                  Object.keys(selection).length
                    ? selection
                    : { kind: filter.kind || undefined, ids: list.data?.items.map((i) => i.id) },
                )
              }
            >
              Replay all matching…
            </button>
          )}
          {can.request && openOnly && picked.length > 0 && (
            <button disabled={pending} data-testid="preview-replay-selected" onClick={() => preview({ ids: picked })}>
              Replay {picked.length} selected…
            </button>
          )}
          {can.discard && openOnly && picked.length > 0 && (
            <button
              disabled={pending}
              data-testid="discard-selected"
              onClick={() => askReason('discard', picked.join(','))}
            >
              Discard {picked.length} selected…
            </button>
          )}
        </div>

        {impact && (
          <div className="panel" data-testid="replay-impact" style={{ background: 'var(--chip)' }}>
            <strong>Replay {formatCount(impact.deadLetters)} dead letter(s)?</strong>{' '}
            <span data-testid="replay-impact-text">{impactText(impact)}</span>. Events run again with their original
            keys. A second person must approve.
            <NoteRow
              style={{ marginTop: 8, marginBottom: 0 }}
              label="Note for the approver"
              placeholder="why (for the approver)"
              value={note}
              onValue={setNote}
              confirm="Request replay"
              confirmTestId="request-replay"
              disabled={pending}
              onConfirm={() =>
                act(
                  () =>
                    requestReplayAction({
                      selection: picked.length
                        ? { ids: picked }
                        : Object.keys(selection).length
                          ? selection
                          : { ids: list.data?.items.map((i) => i.id) },
                      note: note || undefined,
                    }),
                  (d) => {
                    setImpact(null)
                    setSelected(new Set())
                    return `Replay requested for ${d.impact.deadLetters} dead letter(s), waiting for approval: nothing has run yet. They show as “replay pending approval” until a second person approves.`
                  },
                )
              }
              onCancel={() => setImpact(null)}
            />
          </div>
        )}

        {reasonFor && (
          <NoteRow
            testId="reason-form"
            label="Reason"
            placeholder={reasonFor.kind === 'reject' ? 'why reject' : 'why discard'}
            value={reason}
            onValue={setReason}
            confirm="Confirm"
            disabled={pending || !reason.trim()}
            onConfirm={() => {
              const target = reasonFor
              setReasonFor(null)
              if (target.kind === 'reject')
                act(
                  () => rejectReplayAction({ id: target.id, reason }),
                  () => 'Replay rejected; the dead letters are open again.',
                )
              else
                act(
                  () => discardAction({ ids: target.id.split(','), reason }),
                  () => {
                    setSelected(new Set())
                    return `${target.id.split(',').length} dead letter(s) discarded.`
                  },
                )
            }}
            onCancel={() => setReasonFor(null)}
          />
        )}

        {list.error && <ErrorBox error={list.error} />}
        {list.data?.total !== undefined && (
          <div className="muted" data-testid="dl-total" style={{ marginBottom: 6 }}>
            {formatCount(list.data.total)} dead letter(s) match{selected.size ? ` · ${selected.size} selected` : ''}
          </div>
        )}
        {list.data && list.data.items.length === 0 ? (
          <EmptyState title="No dead letters match">{EMPTY_TEXT[filter.status] ?? EMPTY_TEXT.open}</EmptyState>
        ) : (
          <DataTable
            testId="dead-letter-list"
            columns={[
              {
                header: (
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    data-testid="select-all"
                    checked={items.length > 0 && items.every((d) => selected.has(d.id))}
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((d) => d.id)) : new Set())}
                  />
                ),
                cell: (d) => (
                  <input
                    type="checkbox"
                    aria-label={`Select ${d.code} ${d.sku ?? ''}`}
                    data-testid="select-row"
                    checked={selected.has(d.id)}
                    onChange={() => toggle(d.id)}
                  />
                ),
              },
              ...DEAD_LETTER_COLUMNS,
              {
                header: null,
                td: { style: { whiteSpace: 'nowrap' } },
                cell: (d) => (
                  <>
                    <button
                      type="button"
                      className="linkish"
                      aria-expanded={open === d.id}
                      data-testid="dl-raw-toggle"
                      onClick={() => setOpen(open === d.id ? null : d.id)}
                    >
                      {open === d.id ? 'Hide raw' : 'Raw'}
                    </button>
                    {can.discard && d.status === 'open' && (
                      <>
                        {' '}
                        <button disabled={pending} onClick={() => askReason('discard', d.id)}>
                          Discard
                        </button>
                      </>
                    )}
                  </>
                ),
              },
            ]}
            rows={items}
            rowKey={(d) => d.id}
            row={(d) => ({ 'data-testid': `dead-letter-${d.id}` })}
            detail={(d) => open === d.id && <RawDetail d={d} />}
            sorting={sorting}
          />
        )}
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
      </div>
    </div>
  )
}

/** The approval queue: who asked, what it would do, and approve / reject for someone else. */
function queueColumns({
  can,
  pending,
  act,
  askReason,
}: {
  can: Can
  pending: boolean
  act: <T>(fn: () => Promise<ActionResult<T>>, ok: (d: T) => string) => void
  askReason: (kind: 'reject', id: string) => void
}): Column<Pending>[] {
  return [
    { header: 'Requested by', cell: (r) => r.requestedBy },
    { header: 'When', cell: (r) => <Ago iso={r.createdAt} /> },
    { header: 'Dead letters', className: 'num', cell: (r) => formatCount(r.deadLetters) },
    { header: 'Impact', className: 'muted', cell: (r) => impactText(r.impact) },
    { header: 'Note', className: 'muted', cell: (r) => r.note ?? '' },
    {
      header: null,
      cell: (r) =>
        can.approve &&
        (r.mine ? (
          <span className="muted" data-testid="own-request">
            your request: someone else approves it
          </span>
        ) : (
          <span className="toolbar" style={{ marginBottom: 0 }}>
            <button
              className="primary"
              disabled={pending}
              data-testid="approve"
              onClick={() =>
                act(
                  () => approveReplayAction({ id: r.id }),
                  (d) =>
                    `Replay done: ${d.replayed} event(s) applied, ${d.stillRejected} still rejected, ${d.releasedListings} listing(s) republishing.`,
                )
              }
            >
              Approve
            </button>
            <button disabled={pending} onClick={() => askReason('reject', r.id)}>
              Reject
            </button>
          </span>
        )),
    },
  ]
}

const statusTone = (s: string) => (s === 'open' || s === 'replay_requested' ? 'warn' : s === 'replayed' ? 'ok' : '')

/** A dead letter's own columns (the selection and the actions stand either side). */
const DEAD_LETTER_COLUMNS: Column<DeadLetterItem>[] = [
  { header: 'Risk', className: 'num', cell: (d) => d.riskScore },
  { header: 'Kind', cell: (d) => d.kind },
  { header: 'Code', sort: 'code', className: 'mono', cell: (d) => d.code },
  { header: 'Reason', td: { style: { maxWidth: 420 } }, cell: (d) => d.reason },
  { header: 'SKU', sort: 'sku', className: 'mono', cell: (d) => d.sku ?? '' },
  {
    header: 'Channel / source',
    sort: 'channel',
    cell: (d) => (
      <>
        {d.channel ?? d.source ?? ''}
        {d.message && d.message.transport !== 'http' ? (
          <div className="muted" style={{ fontSize: 12 }} data-testid="dl-transport">
            via {d.message.transport}
            {d.message.kind !== d.message.transport ? ` (${d.message.kind})` : ''}
          </div>
        ) : null}
      </>
    ),
  },
  {
    header: 'Status',
    cell: (d) => (
      <span className={`chip ${statusTone(d.status)}`} data-testid="dl-status">
        {STATUS_LABEL[d.status] ?? d.status}
      </span>
    ),
  },
  { header: 'Attempts', sort: '-attempts', className: 'num', cell: (d) => d.attempts },
  { header: 'Last seen', sort: '-lastSeenAt', cell: (d) => <Ago iso={d.lastSeenAt} /> },
  {
    header: 'Fix',
    cell: (d) =>
      d.fix && d.status === 'open' ? (
        <Link
          href={`/settings/catalog?import=${d.fix.entity}&csv=${encodeURIComponent(d.fix.csv)}`}
          data-testid="dl-fix"
        >
          {d.fix.label}…
        </Link>
      ) : null,
  },
]

/** What was kept of a dead letter: its payload, and a link to the whole message as received. */
function RawDetail({ d }: { d: DeadLetterItem }) {
  return (
    <>
      <div className="muted">
        What was kept of it
        {d.inboundMessageId ? (
          <>
            {' '}
            ·{' '}
            <a
              href={`/api/ui/raw-messages/${d.inboundMessageId}`}
              target="_blank"
              rel="noreferrer"
              data-testid="dl-raw-message"
            >
              the whole message as received
            </a>
          </>
        ) : null}
      </div>
      <pre className="raw" data-testid="dl-raw">
        {JSON.stringify(d.payload, null, 2)}
      </pre>
    </>
  )
}
