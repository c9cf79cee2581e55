'use client'
// Support's screen: dead letters ranked by oversell risk, filters in the URL, replay by filter
// with the impact shown first, an approval queue (four eyes: one's own request cannot be approved),
// and discard with a reason. Live: the 'dead-letters' room refetches both lists.
import { Fragment, useState } from 'react'
import Link from 'next/link'
import { useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { DeadLetterItem } from '@/server/dead-letters/list-dead-letters'
import type { ReplayImpact } from '@/server/dead-letters/preview-replay'
import type { PendingReplay } from '@/server/dead-letters/list-replay-requests'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { ExportLink, filterQuery, SearchFilter, SelectFilter, useUrlFilter } from '@/components/ui/filters'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import {
  approveReplayAction,
  discardAction,
  previewReplayAction,
  rejectReplayAction,
  requestReplayAction,
} from '@/app/(app)/dead-letters/actions'
import { CursorPager, useCursors } from '@/components/ui/cursor-pager'
import { SortHeader } from '@/components/ui/sort-header'

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
const FILTERS = ['kind', 'status', 'channel', 'code', 'sku', 'sort'] as const

export function DeadLetters({ can }: { can: { request: boolean; approve: boolean; discard: boolean } }) {
  const params = useSearchParams()
  const qc = useQueryClient()
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >
  if (!params.has('status')) filter.status = 'open'
  const { cursors, setCursors, cursor } = useCursors()
  const qs = filterQuery({ ...filter, cursor })
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
  const setParam = useUrlFilter('/dead-letters')
  const sorting = { sort: filter.sort, dflt: 'risk', onSort: (v: string) => setFilter('sort', v) }
  const setFilter = (name: string, value: string) => {
    setCursors([])
    setSelected(new Set())
    setParam(name, value)
  }
  /** An action that changes dead letters: its outcome, then both lists refetch. */
  const act = <T,>(
    fn: () => Promise<{ data: T } | { error: { code: string; message: string } }>,
    ok: (d: T) => string,
  ) => run(fn, ok, refresh)

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Dead letters</h1>
          <div className="muted">
            Events and channel updates that could not be applied, riskiest first. Replays need a second person&apos;s
            approval.
          </div>
        </div>
      </div>
      <FeedbackLine message={message} testId="dl-message" />

      <div className="panel">
        <h2>Approval queue</h2>
        {queue.error && <ErrorBox error={queue.error} />}
        {queue.data?.items.length === 0 ? (
          <EmptyState title="Nothing waiting for approval">
            Replay requests appear here until someone else approves or rejects them.
          </EmptyState>
        ) : (
          <table className="data" data-testid="approval-queue">
            <thead>
              <tr>
                <th>Requested by</th>
                <th>When</th>
                <th className="num">Dead letters</th>
                <th>Impact</th>
                <th>Note</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {queue.data?.items.map((r) => (
                <tr key={r.id} data-testid={`request-${r.id}`}>
                  <td>{r.requestedBy}</td>
                  <td>
                    <Ago iso={r.createdAt} />
                  </td>
                  <td className="num">{formatCount(r.deadLetters)}</td>
                  <td className="muted">{impactText(r.impact)}</td>
                  <td className="muted">{r.note ?? ''}</td>
                  <td>
                    {can.approve &&
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
                          <button
                            disabled={pending}
                            onClick={() => {
                              setReasonFor({ kind: 'reject', id: r.id })
                              setReason('')
                            }}
                          >
                            Reject
                          </button>
                        </span>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="panel">
        <div className="toolbar" role="search">
          <SelectFilter
            label="Kind"
            value={filter.kind}
            options={['ingest', 'publish']}
            onChange={(v) => setFilter('kind', v)}
          />
          <SelectFilter
            label="Status"
            value={filter.status}
            options={['open', 'replay_requested', 'replayed', 'discarded']}
            format={(s) => STATUS_LABEL[s]}
            any={null}
            onChange={(v) => setFilter('status', v)}
          />
          <SearchFilter
            label="Channel"
            defaultValue={filter.channel}
            placeholder="any"
            size={8}
            onCommit={(v) => setFilter('channel', v)}
          />
          <SearchFilter
            label="Code"
            defaultValue={filter.code}
            placeholder="any"
            size={14}
            onCommit={(v) => setFilter('code', v)}
          />
          <SearchFilter
            label="SKU"
            defaultValue={filter.sku}
            placeholder="any"
            size={10}
            onCommit={(v) => setFilter('sku', v)}
          />
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
          {can.request && filter.status === 'open' && (
            <button
              disabled={pending || (list.data?.items.length ?? 0) === 0}
              data-testid="preview-replay"
              onClick={() =>
                run(
                  () =>
                    previewReplayAction(
                      Object.keys(selection).length
                        ? selection
                        : { kind: filter.kind || undefined, ids: list.data?.items.map((i) => i.id) },
                    ),
                  () => null,
                  setImpact,
                )
              }
            >
              Replay all matching…
            </button>
          )}
          {can.request && filter.status === 'open' && picked.length > 0 && (
            <button
              disabled={pending}
              data-testid="preview-replay-selected"
              onClick={() =>
                run(
                  () => previewReplayAction({ ids: picked }),
                  () => null,
                  setImpact,
                )
              }
            >
              Replay {picked.length} selected…
            </button>
          )}
          {can.discard && filter.status === 'open' && picked.length > 0 && (
            <button
              disabled={pending}
              data-testid="discard-selected"
              onClick={() => {
                setReasonFor({ kind: 'discard', id: picked.join(',') })
                setReason('')
              }}
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
            <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
              <TextInput
                label="Note for the approver"
                placeholder="why (for the approver)"
                value={note}
                onValue={setNote}
                size={40}
              />
              <button
                className="primary"
                disabled={pending}
                data-testid="request-replay"
                onClick={() =>
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
              >
                Request replay
              </button>
              <button onClick={() => setImpact(null)}>Cancel</button>
            </div>
          </div>
        )}

        {reasonFor && (
          <div className="toolbar" data-testid="reason-form">
            <TextInput
              label="Reason"
              placeholder={reasonFor.kind === 'reject' ? 'why reject' : 'why discard'}
              value={reason}
              onValue={setReason}
              size={40}
            />
            <button
              className="primary"
              disabled={pending || !reason.trim()}
              onClick={() => {
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
            >
              Confirm
            </button>
            <button onClick={() => setReasonFor(null)}>Cancel</button>
          </div>
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
          <table className="data" data-testid="dead-letter-list">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    data-testid="select-all"
                    checked={(list.data?.items.length ?? 0) > 0 && list.data!.items.every((d) => selected.has(d.id))}
                    onChange={(e) =>
                      setSelected(e.target.checked ? new Set(list.data?.items.map((d) => d.id)) : new Set())
                    }
                  />
                </th>
                <th className="num">Risk</th>
                <th>Kind</th>
                <SortHeader label="Code" column="code" {...sorting} />
                <th>Reason</th>
                <SortHeader label="SKU" column="sku" {...sorting} />
                <SortHeader label="Channel / source" column="channel" {...sorting} />
                <th>Status</th>
                <SortHeader label="Attempts" column="attempts" first="desc" className="num" {...sorting} />
                <SortHeader label="Last seen" column="lastSeenAt" first="desc" {...sorting} />
                <th>Fix</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((d) => (
                <Fragment key={d.id}>
                  <tr data-testid={`dead-letter-${d.id}`}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${d.code} ${d.sku ?? ''}`}
                        data-testid="select-row"
                        checked={selected.has(d.id)}
                        onChange={() => toggle(d.id)}
                      />
                    </td>
                    <td className="num">{d.riskScore}</td>
                    <td>{d.kind}</td>
                    <td className="mono">{d.code}</td>
                    <td style={{ maxWidth: 420 }}>{d.reason}</td>
                    <td className="mono">{d.sku ?? ''}</td>
                    <td>
                      {d.channel ?? d.source ?? ''}
                      {d.message && d.message.transport !== 'http' ? (
                        <div className="muted" style={{ fontSize: 12 }} data-testid="dl-transport">
                          via {d.message.transport}
                          {d.message.kind !== d.message.transport ? ` (${d.message.kind})` : ''}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <span
                        className={`chip ${d.status === 'open' || d.status === 'replay_requested' ? 'warn' : d.status === 'replayed' ? 'ok' : ''}`}
                        data-testid="dl-status"
                      >
                        {STATUS_LABEL[d.status] ?? d.status}
                      </span>
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td>
                      <Ago iso={d.lastSeenAt} />
                    </td>
                    <td>
                      {d.fix && d.status === 'open' ? (
                        <Link
                          href={`/settings/catalog?import=${d.fix.entity}&csv=${encodeURIComponent(d.fix.csv)}`}
                          data-testid="dl-fix"
                        >
                          {d.fix.label}…
                        </Link>
                      ) : null}
                    </td>
                    <td style={{ whiteSpace: 'nowrap' }}>
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
                          <button
                            disabled={pending}
                            onClick={() => {
                              setReasonFor({ kind: 'discard', id: d.id })
                              setReason('')
                            }}
                          >
                            Discard
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                  {open === d.id && (
                    <tr>
                      <td colSpan={12}>
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
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
      </div>
    </div>
  )
}
