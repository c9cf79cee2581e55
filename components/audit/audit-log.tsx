'use client'
// The audit log: every operator action and rule change, newest first (or sorted on a column), filters in the URL
// (shareable), keyset pages, each entry's before/after on demand, and the same filter as CSV.
import { useState } from 'react'
import { useRouter } from 'next/navigation'
import { useQuery } from '@tanstack/react-query'
import type { AuditItem } from '@/server/audit/list-audit'
import { EmptyState } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { formatCount } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { CursorPager } from '@/components/ui/cursor-pager'
import { ExportLink, filterQuery, SearchFilter, SelectFilter, useListFilter } from '@/components/ui/filters'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { QueryView } from '@/components/ui/query-view'

const FILTERS = ['actor', 'action', 'entity', 'from', 'to', 'sort'] as const
type Page = {
  items: AuditItem[]
  nextCursor: string | null
  total?: number
  vocabulary: { actions: string[]; entities: string[] } | null
}

export function AuditLog() {
  const router = useRouter()
  const { filter, set: setFilter, qs, cursors, setCursors } = useListFilter('/audit', FILTERS)
  const [open, setOpen] = useState<string | null>(null)
  const base = filterQuery(filter)
  const page = useQuery({ queryKey: ['audit', qs], queryFn: () => fetchJson<Page>(`/api/ui/audit?${qs}`) })
  const first = useQuery({
    queryKey: ['audit-vocabulary'],
    queryFn: () => fetchJson<Page>('/api/ui/audit?limit=1'),
    staleTime: 60_000,
  })
  const vocab = first.data?.vocabulary ?? { actions: [], entities: [] }
  const prefixes = [...new Set(vocab.actions.map((a) => `${a.split('.')[0]}.`))]
  // A prefix ("rules.*") first, then every action, then a value from a shared link the list lacks.
  const actions = [
    ...prefixes.map((p) => ({ value: p, label: `${p}*` })),
    ...vocab.actions,
    ...(filter.action && !vocab.actions.includes(filter.action) && !prefixes.includes(filter.action)
      ? [filter.action]
      : []),
  ]
  const sorting = { sort: filter.sort, dflt: '-at', onSort: (v: string) => setFilter('sort', v) }
  const details: Column<AuditItem> = {
    header: null,
    cell: (a) => (
      <button onClick={() => setOpen(open === a.id ? null : a.id)} aria-expanded={open === a.id}>
        {open === a.id ? 'Hide' : 'Details'}
      </button>
    ),
  }

  return (
    <div>
      <PageHead title="Audit log" aside={<ExportLink href={`/api/ui/audit/export?${base}`} testId="audit-export" />}>
        Every operator action, rule change and approval, with who, when, and what it changed.
      </PageHead>
      <div className="panel">
        <div className="toolbar" role="search">
          <SearchFilter
            label="Actor"
            defaultValue={filter.actor}
            placeholder="email or key"
            size={18}
            onCommit={(v) => setFilter('actor', v)}
          />
          <SelectFilter
            label="Action"
            value={filter.action}
            options={actions}
            onChange={(v) => setFilter('action', v)}
          />
          <SelectFilter
            label="Entity"
            value={filter.entity}
            options={vocab.entities}
            onChange={(v) => setFilter('entity', v)}
          />
          {DATES.map(([name, label]) => (
            <TextInput
              key={name}
              caption={label}
              type="date"
              label={label}
              value={filter[name].slice(0, 10)}
              onValue={(v) => setFilter(name, v)}
            />
          ))}
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
        <QueryView
          query={page}
          isEmpty={(d) => d.items.length === 0}
          empty={<EmptyState title="No audit entries match">Try a wider time range or fewer filters.</EmptyState>}
        >
          {(d) => (
            <DataTable
              testId="audit-table"
              columns={[...AUDIT_COLUMNS, details]}
              rows={d.items}
              rowKey={(a) => a.id}
              row={() => ({ 'data-testid': 'audit-row' })}
              detail={(a) => open === a.id && <Change a={a} />}
              detailStyle={{ background: 'var(--chip)' }}
              sorting={sorting}
            />
          )}
        </QueryView>
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={page.data?.nextCursor} />
      </div>
    </div>
  )
}

const DATES = [
  ['from', 'From'],
  ['to', 'To'],
] as const

const AUDIT_COLUMNS: Column<AuditItem>[] = [
  { header: 'When', sort: '-at', td: { style: { whiteSpace: 'nowrap' } }, cell: (a) => <Time iso={a.at} /> },
  {
    header: 'Who',
    sort: 'actor',
    cell: (a) => (
      <>
        {a.actor} <span className="muted">({a.actorKind.replace('_', ' ')})</span>
      </>
    ),
  },
  { header: 'Action', sort: 'action', className: 'mono', cell: (a) => a.action },
  {
    header: 'Entity',
    cell: (a) => (
      <>
        {a.entity}
        {a.entityId ? (
          <span className="mono muted"> {a.entityId.length > 24 ? `${a.entityId.slice(0, 8)}…` : a.entityId}</span>
        ) : null}
      </>
    ),
  },
  {
    header: 'Change',
    className: 'muted',
    td: { style: { maxWidth: 460, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } },
    cell: summary,
  },
]

/** An entry's before and after, side by side, and the request it came with. */
function Change({ a }: { a: AuditItem }) {
  return (
    <>
      <div className="split">
        {(['before', 'after'] as const).map((side) => (
          <div key={side}>
            <strong>{side === 'before' ? 'Before' : 'After'}</strong>
            <pre className="mono" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
              {a[side] === null ? '—' : JSON.stringify(a[side], null, 2)}
            </pre>
          </div>
        ))}
      </div>
      {a.ref && <div className="muted">request ref {a.ref}</div>}
    </>
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
