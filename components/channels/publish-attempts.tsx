'use client'
// A channel's publish attempts as a server-backed table (GET /api/ui/channels/{code}/attempts): column
// sorts through the (channelId, column, id) indexes, outcome and SKU-prefix filters (the SKU box applies
// on Enter, or at once when emptied), keyset pages. Its query key sits under ['channel', code], so the channel page's live
// invalidations refetch the page being looked at.
import Link from 'next/link'
import { useState } from 'react'
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import type { AttemptItem } from '@/server/channels/list-publish-attempts'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import { CursorPager } from '@/components/ui/cursor-pager'
import { SortHeader } from '@/components/ui/sort-header'

/** What PublishAttempt.outcome holds: sent | accepted | applied | rejected | failed (transient, retried) | not_applied (accepted, never applied). */
const ATTEMPT_OUTCOMES = ['sent', 'accepted', 'applied', 'rejected', 'failed', 'not_applied'] as const
const OUTCOME_TONE: Record<string, string> = {
  applied: 'ok',
  accepted: 'ok',
  failed: 'warn',
  rejected: 'bad',
  not_applied: 'bad',
}
/** The endpoint's default order (server/channels/list-publish-attempts.ts): newest first. */
const SORT_DEFAULT = '-startedAt'
const PAGE_SIZE = 50

type AttemptPage = { items: AttemptItem[]; nextCursor: string | null; total?: number }

export function PublishAttempts({ code, mode }: { code: string; mode: string }) {
  const qc = useQueryClient()
  const [filter, setFilterState] = useState({ outcome: '', sku: '', sort: '' })
  const [cursors, setCursors] = useState<string[]>([])
  const setFilter = (k: keyof typeof filter, v: string) => {
    setCursors([])
    setFilterState((f) => ({ ...f, [k]: v }))
  }
  const base = (cursor: string) =>
    new URLSearchParams(Object.entries({ ...filter, limit: String(PAGE_SIZE), cursor }).filter(([, v]) => v)).toString()
  const qs = base(cursors[cursors.length - 1] ?? '')
  const key = (q: string) => ['channel', code, 'attempts', q]
  const list = useQuery({
    queryKey: key(qs),
    queryFn: () => fetchJson<AttemptPage>(`/api/ui/channels/${encodeURIComponent(code)}/attempts?${qs}`),
    placeholderData: keepPreviousData,
  })
  // The count comes with the first page only (later pages skip it); it stays in that page's cache entry.
  const total = list.data?.total ?? qc.getQueryData<AttemptPage>(key(base('')))?.total
  const filtered = Boolean(filter.outcome || filter.sku)
  const header = (label: string, column: string, first: 'asc' | 'desc', className?: string) => (
    <SortHeader
      label={label}
      column={column}
      first={first}
      className={className}
      sort={filter.sort}
      dflt={SORT_DEFAULT}
      onSort={(v) => setFilter('sort', v)}
    />
  )
  return (
    <section className="panel" aria-labelledby="attempts-h">
      <div className="toolbar" role="search">
        <h2 id="attempts-h" style={{ margin: 0 }}>
          Publish attempts
        </h2>
        <label>
          Outcome{' '}
          <select
            aria-label="Attempt outcome"
            data-testid="attempt-outcome"
            value={filter.outcome}
            onChange={(e) => setFilter('outcome', e.target.value)}
          >
            <option value="">any</option>
            {ATTEMPT_OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          SKU{' '}
          <input
            type="search"
            aria-label="Attempt SKU"
            data-testid="attempt-sku"
            placeholder="prefix (Enter)"
            defaultValue={filter.sku}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setFilter('sku', e.currentTarget.value.trim())
            }}
            onChange={(e) => {
              if (e.target.value === '' && filter.sku) setFilter('sku', '')
            }}
            size={12}
          />
        </label>
        {total !== undefined && (
          <span className="muted" data-testid="attempts-total">
            {formatCount(total)} {total === 1 ? 'attempt matches' : 'attempts match'}
            {cursors.length > 0
              ? ` · page ${cursors.length + 1} of ${formatCount(Math.max(1, Math.ceil(total / PAGE_SIZE)))}`
              : ''}
          </span>
        )}
      </div>
      {list.error && <ErrorBox error={list.error} />}
      {list.isPending && (
        <div className="muted" role="status">
          Loading attempts…
        </div>
      )}
      {list.data && list.data.items.length === 0 ? (
        filtered || cursors.length > 0 ? (
          <EmptyState title="No attempts match">
            {filtered
              ? `No publish attempt on this channel has ${[filter.outcome && `outcome ${filter.outcome.replace('_', ' ')}`, filter.sku && `a SKU starting with “${filter.sku}”`].filter(Boolean).join(' and ')}.`
              : 'No more attempts after the previous page.'}
          </EmptyState>
        ) : (
          <EmptyState title="Nothing sent yet">
            {mode === 'shadow'
              ? 'A shadow channel never writes; switch it live to publish.'
              : 'Attempts appear as quantities are published.'}
          </EmptyState>
        )
      ) : (
        list.data && (
          <table className="data" data-testid="attempts" aria-busy={list.isPlaceholderData}>
            <thead>
              <tr>
                {header('When', 'startedAt', 'desc')}
                <th scope="col">SKU</th>
                {header('Quantity', 'quantity', 'desc', 'num')}
                <th scope="col" className="num">
                  Version
                </th>
                {header('Outcome', 'outcome', 'asc')}
                <th scope="col" className="num">
                  HTTP
                </th>
                {header('Latency', 'latencyMs', 'desc', 'num')}
                <th scope="col">Batch</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((a) => (
                <tr key={a.id} className="row-link" data-testid={`attempt-${a.id}`}>
                  <td>
                    <Ago iso={a.startedAt} />
                  </td>
                  <td className="mono" style={{ whiteSpace: 'nowrap' }}>
                    <Link className="stretched" href={`/skus/${encodeURIComponent(a.sku)}`}>
                      {a.sku}
                    </Link>
                  </td>
                  <td className="num">{formatCount(a.quantity)}</td>
                  <td className="num">
                    {a.version}
                    {a.attemptNo > 1 ? <span className="muted"> (try {a.attemptNo})</span> : null}
                  </td>
                  <td>
                    <span className={`chip ${OUTCOME_TONE[a.outcome] ?? ''}`}>{a.outcome}</span>
                  </td>
                  <td className="num">{a.httpStatus ?? '—'}</td>
                  <td className="num">{a.latencyMs === null ? '—' : `${formatCount(a.latencyMs)} ms`}</td>
                  <td className="muted" style={{ fontSize: 12 }}>
                    {a.batchId ?? '—'}
                  </td>
                  <td className="muted" style={{ maxWidth: 320, overflowWrap: 'anywhere' }}>
                    {a.error ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
    </section>
  )
}
