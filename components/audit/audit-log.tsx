'use client'
// The audit log: every operator action and rule change, newest first (or sorted on a column), filters in the URL
// (shareable), keyset pages, each entry's before/after on demand, and the same filter as CSV.
import { Fragment, useState } from 'react'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery } from '@tanstack/react-query'
import type { AuditItem } from '@/server/audit/list-audit'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { formatCount, formatTime } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { CursorPager, useCursors } from '@/components/ui/cursor-pager'
import { ExportLink, filterQuery, SearchFilter, useUrlFilter } from '@/components/ui/filters'
import { SortHeader } from '@/components/ui/sort-header'

const FILTERS = ['actor', 'action', 'entity', 'from', 'to', 'sort'] as const
type Page = {
  items: AuditItem[]
  nextCursor: string | null
  total?: number
  vocabulary: { actions: string[]; entities: string[] } | null
}

export function AuditLog() {
  const router = useRouter()
  const params = useSearchParams()
  const setParam = useUrlFilter('/audit')
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >
  const { cursors, setCursors, cursor } = useCursors()
  const [open, setOpen] = useState<string | null>(null)
  const base = filterQuery(filter)
  const qs = filterQuery({ ...filter, cursor })
  const page = useQuery({ queryKey: ['audit', qs], queryFn: () => fetchJson<Page>(`/api/ui/audit?${qs}`) })
  const first = useQuery({
    queryKey: ['audit-vocabulary'],
    queryFn: () => fetchJson<Page>('/api/ui/audit?limit=1'),
    staleTime: 60_000,
  })
  const vocab = first.data?.vocabulary ?? { actions: [], entities: [] }
  const prefixes = [...new Set(vocab.actions.map((a) => `${a.split('.')[0]}.`))]
  const setFilter = (name: string, value: string) => {
    setCursors([])
    setParam(name, value)
  }
  const sorting = { sort: filter.sort, dflt: '-at', onSort: (v: string) => setFilter('sort', v) }

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <div className="muted">
            Every operator action, rule change and approval, with who, when, and what it changed.
          </div>
        </div>
        <ExportLink href={`/api/ui/audit/export?${base}`} testId="audit-export" />
      </div>
      <div className="panel">
        <div className="toolbar" role="search">
          <SearchFilter
            label="Actor"
            defaultValue={filter.actor}
            placeholder="email or key"
            size={18}
            onCommit={(v) => setFilter('actor', v)}
          />
          <label>
            Action{' '}
            <select aria-label="Action" value={filter.action} onChange={(e) => setFilter('action', e.target.value)}>
              <option value="">any</option>
              {prefixes.map((p) => (
                <option key={p} value={p}>
                  {p}*
                </option>
              ))}
              {vocab.actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
              {filter.action && !vocab.actions.includes(filter.action) && !prefixes.includes(filter.action) && (
                <option value={filter.action}>{filter.action}</option>
              )}
            </select>
          </label>
          <label>
            Entity{' '}
            <select aria-label="Entity" value={filter.entity} onChange={(e) => setFilter('entity', e.target.value)}>
              <option value="">any</option>
              {vocab.entities.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <TextInput
            caption="From"
            type="date"
            label="From"
            value={filter.from.slice(0, 10)}
            onValue={(v) => setFilter('from', v)}
          />
          <TextInput
            caption="To"
            type="date"
            label="To"
            value={filter.to.slice(0, 10)}
            onValue={(v) => setFilter('to', v)}
          />
          {base && (
            <button
              onClick={() => {
                setCursors([])
                router.replace('/audit')
              }}
            >
              Clear filters
            </button>
          )}
          {page.data?.total !== undefined && (
            <span className="muted" data-testid="audit-total">
              {formatCount(page.data.total)} {page.data.total === 1 ? 'entry matches' : 'entries match'}
            </span>
          )}
        </div>
        {page.error && <ErrorBox error={page.error} />}
        {page.isLoading && <div className="muted">Loading…</div>}
        {page.data && page.data.items.length === 0 ? (
          <EmptyState title="No audit entries match">Try a wider time range or fewer filters.</EmptyState>
        ) : (
          page.data && (
            <table className="data" data-testid="audit-table">
              <thead>
                <tr>
                  <SortHeader label="When" column="at" first="desc" {...sorting} />
                  <SortHeader label="Who" column="actor" {...sorting} />
                  <SortHeader label="Action" column="action" {...sorting} />
                  <th>Entity</th>
                  <th>Change</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((a) => (
                  <Fragment key={a.id}>
                    <tr data-testid="audit-row">
                      <td style={{ whiteSpace: 'nowrap' }}>
                        <Time iso={a.at} />
                      </td>
                      <td>
                        {a.actor} <span className="muted">({a.actorKind.replace('_', ' ')})</span>
                      </td>
                      <td className="mono">{a.action}</td>
                      <td>
                        {a.entity}
                        {a.entityId ? (
                          <span className="mono muted">
                            {' '}
                            {a.entityId.length > 24 ? `${a.entityId.slice(0, 8)}…` : a.entityId}
                          </span>
                        ) : null}
                      </td>
                      <td
                        className="muted"
                        style={{ maxWidth: 460, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                      >
                        {summary(a)}
                      </td>
                      <td>
                        <button onClick={() => setOpen(open === a.id ? null : a.id)} aria-expanded={open === a.id}>
                          {open === a.id ? 'Hide' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open === a.id && (
                      <tr>
                        <td colSpan={6} style={{ background: 'var(--chip)' }}>
                          <div className="split">
                            <div>
                              <strong>Before</strong>
                              <pre className="mono" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                                {a.before === null ? '—' : JSON.stringify(a.before, null, 2)}
                              </pre>
                            </div>
                            <div>
                              <strong>After</strong>
                              <pre className="mono" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                                {a.after === null ? '—' : JSON.stringify(a.after, null, 2)}
                              </pre>
                            </div>
                          </div>
                          {a.ref && <div className="muted">request ref {a.ref}</div>}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )
        )}
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
      </div>
    </div>
  )
}

function summary(a: AuditItem): string {
  const after = a.after && typeof a.after === 'object' ? (a.after as Record<string, unknown>) : null
  if (!after) return a.before ? 'removed' : ''
  return Object.entries(after)
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ')
}
