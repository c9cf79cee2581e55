'use client'
// A sortable column header for keyset-paged lists: the list's `sort` URL parameter is `<column>`
// (ascending) or `-<column>` (descending), as server/paging/sort.ts reads it; empty means the list's
// default. Clicking the sorted column flips it; another column starts in `first` order.
export function SortHeader({
  label,
  column,
  sort,
  dflt,
  first = 'asc',
  onSort,
  className,
}: {
  label: string
  column: string
  sort: string
  dflt: string
  first?: 'asc' | 'desc'
  onSort: (next: string) => void
  className?: string
}) {
  const current = sort || dflt
  const active = current.replace(/^-/, '') === column
  const desc = current.startsWith('-')
  const next = active ? (desc ? column : `-${column}`) : first === 'desc' ? `-${column}` : column
  return (
    <th className={className} aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="sort"
        data-testid={`sort-${column}`}
        title={`Sort by ${label.toLowerCase()}`}
        onClick={() => onSort(next === dflt ? '' : next)}
      >
        {label} <SortArrow active={active} desc={desc} />
      </button>
    </th>
  )
}

/** ▲ / ▼ on the sorted column, a faint ↕ on the others. */
export function SortArrow({ active, desc }: { active: boolean; desc: boolean }) {
  if (!active)
    return (
      <span className="muted" aria-hidden>
        ↕
      </span>
    )
  return <>{desc ? '▼' : '▲'}</>
}
