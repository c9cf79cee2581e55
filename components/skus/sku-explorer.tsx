'use client'
// SKU explorer: search by code, name or alias; filter by category, kind and sync state; keyset
// pages, sorted by code, name or what one channel is given (click its column). Filters and the sort
// live in the URL so a view can be shared with a colleague.
import Link from 'next/link'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import type { SkuPage } from '@/server/availability/search-skus'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount } from '@/components/ui/format'
import { useRealtime } from '@/components/realtime/use-realtime'
import { SortArrow, SortHeader } from '@/components/ui/sort-header'
import { TextInput } from '@/components/ui/fields'
import { ExportLink, filterQuery } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'

const SORT_RESET = { order: '', channel: '' }
const STATE_TONE = { in_sync: 'ok', pending: 'warn', failing: 'bad', undecided: '' } as const

export function SkuExplorer() {
  const router = useRouter()
  const pathname = usePathname()
  const params = useSearchParams()
  const filters = {
    q: params.get('q') ?? '',
    category: params.get('category') ?? '',
    status: params.get('status') ?? '',
    kind: params.get('kind') ?? '',
    order: params.get('order') ?? '',
    sort: params.get('sort') ?? '',
    channel: params.get('channel') ?? '',
  }
  const sortDefault = filters.order === 'desc' ? '-code' : 'code'
  const [after, setAfter] = useState<string[]>([])
  const [q, setQ] = useState(filters.q)
  const current = after[after.length - 1] ?? ''
  const query = new URLSearchParams({ ...filters, after: current, limit: '50' })
  const key = ['skus', filters, current] as const
  const { data, error, isFetching } = useQuery({
    queryKey: key,
    queryFn: () => fetchJson<SkuPage>(`/api/ui/skus?${query.toString()}`),
    placeholderData: keepPreviousData,
  })
  useRealtime({ rooms: ['dashboard'], invalidate: { 'listings.changed': [['skus']] }, coalesceMs: 2_000 })

  function setFilter(name: string, value: string, also: Record<string, string> = {}) {
    const next = new URLSearchParams(params.toString())
    for (const [k, v] of Object.entries({ [name]: value, ...also })) {
      if (v) next.set(k, v)
      else next.delete(k)
    }
    setAfter([])
    router.replace(`${pathname}?${next.toString()}`)
  }
  // Sorting on a column of its own leaves the older order picker and the channel's column.
  const sorting = { sort: filters.sort, dflt: sortDefault, onSort: (v: string) => setFilter('sort', v, SORT_RESET) }
  function onSearch(e: FormEvent) {
    e.preventDefault()
    setFilter('q', q.trim())
  }

  return (
    <div>
      <PageHead title="SKUs" aside={isFetching && <span className="muted">loading…</span>}>
        Stock, decided quantities and what each channel shows. Open a SKU to see why.
      </PageHead>
      <div className="panel">
        <form className="toolbar" onSubmit={onSearch} role="search">
          <TextInput
            type="search"
            label="Search SKUs"
            placeholder="Code, name or alias"
            value={q}
            onValue={setQ}
            style={{ width: 240 }}
          />
          <button type="submit">Search</button>
          <select
            aria-label="Category"
            value={filters.category}
            onChange={(e) => setFilter('category', e.target.value)}
          >
            <option value="">All categories</option>
            {data?.categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <select aria-label="Kind" value={filters.kind} onChange={(e) => setFilter('kind', e.target.value)}>
            <option value="">Items and kits</option>
            <option value="item">Items only</option>
            <option value="kit">Kits only</option>
          </select>
          <select aria-label="Sync state" value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any sync state</option>
            <option value="out_of_sync">Channel not yet showing our number</option>
            <option value="failing">Publish failing</option>
          </select>
          <ExportLink right href={`/api/ui/skus/export?${filterQuery(filters)}`} testId="skus-export" />
        </form>
        {error && <ErrorBox error={error} />}
        {data && (
          <div className="muted" data-testid="sku-total" style={{ marginBottom: 6 }}>
            {formatCount(data.total)}
            {data.totalCapped ? '+' : ''} SKU(s) match
            {data.total > data.items.length ? `; showing ${formatCount(data.items.length)} per page` : ''}
          </div>
        )}
        {data && data.items.length === 0 ? (
          <EmptyState title="No SKUs match">Try a shorter search or clear the filters.</EmptyState>
        ) : (
          <table className="data" data-testid="sku-table">
            <thead>
              <tr>
                <SortHeader label="SKU" column="code" {...sorting} />
                <SortHeader label="Name" column="name" {...sorting} />
                <th>Category</th>
                <th className="num">On hand</th>
                <th className="num">Sellable</th>
                {data?.channels.map((c) => {
                  // What the channel is given: most first on the first click; SKUs not listed there drop out of the list.
                  const active = filters.channel === c && filters.sort.replace(/^-/, '') === 'available'
                  const desc = filters.sort.startsWith('-')
                  return (
                    <th
                      key={c}
                      className="num"
                      title="decided / channel shows"
                      aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}
                    >
                      <button
                        type="button"
                        className="sort"
                        data-testid={`sort-available-${c}`}
                        title={`Sort by what ${c} is given (SKUs listed on ${c})`}
                        onClick={() =>
                          setFilter('sort', active && desc ? 'available' : '-available', { order: '', channel: c })
                        }
                      >
                        {c} <SortArrow active={active} desc={desc} />
                      </button>
                    </th>
                  )
                })}
              </tr>
            </thead>
            <tbody>
              {data?.items.map((row) => (
                <tr key={row.sku} className="row-link">
                  <td>
                    <Link className="stretched" href={`/skus/${encodeURIComponent(row.sku)}`}>
                      {row.sku}
                    </Link>
                    {row.isKit && (
                      <>
                        {' '}
                        <span className="chip">kit</span>
                      </>
                    )}
                  </td>
                  <td>{row.name}</td>
                  <td className="muted">{row.category}</td>
                  <td
                    className="num"
                    title={row.isKit ? 'Kits hold no stock of their own: they are built from components' : undefined}
                  >
                    {row.isKit ? '—' : formatCount(row.onHand)}
                  </td>
                  <td className="num">{row.isKit ? '—' : formatCount(row.sellable)}</td>
                  {data.channels.map((c) => {
                    const l = row.channels[c]
                    if (!l)
                      return (
                        <td key={c} className="num muted">
                          not listed
                        </td>
                      )
                    return (
                      <td key={c} className="num" title={`state: ${l.state.replace('_', ' ')}`}>
                        <span className={`chip ${STATE_TONE[l.state]}`}>
                          {formatCount(l.desired)}
                          {l.applied !== l.desired ? ` · shows ${formatCount(l.applied)}` : ''}
                        </span>
                      </td>
                    )
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="pager">
          <button type="button" disabled={after.length === 0} onClick={() => setAfter(after.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            disabled={!data?.nextAfter}
            onClick={() => data?.nextAfter && setAfter([...after, data.nextAfter])}
          >
            Next
          </button>
        </div>
      </div>
    </div>
  )
}
