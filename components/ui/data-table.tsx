// A data table described by its columns: a header and a cell per column, one row per item. Rows may
// carry their own attributes (a class such as `row-link`, a data-testid), an expandable detail row
// under them, and sortable headers over a keyset-paged list's `sort` (see SortHeader).
import { Fragment, type CSSProperties, type ReactNode, type TdHTMLAttributes } from 'react'
import { SortHeader } from './sort-header'
import { formatCount } from './format'

/** Extra attributes of a cell or a row: a style, a title, a data-testid. */
type Attrs = TdHTMLAttributes<HTMLTableCellElement> & { [data: `data-${string}`]: string | undefined }

export interface Column<T> {
  header: ReactNode
  cell: (row: T) => ReactNode
  /** 'num' right-aligns, 'mono' sets the code font; applied to the header and the cells. */
  className?: string
  /** On a `stack` table: the cell's caption when rows become cards (default: the header's text). */
  label?: string
  /** A cell's attributes beyond its class: the same for every row, or from the row. */
  td?: Attrs | ((row: T) => Attrs)
  /** The header's `title` (what the column counts). */
  title?: string
  /** A sortable column, its `sort` URL value: the header is a SortHeader over the table's `sorting`;
   * `-column` starts it descending (newest, largest first). */
  sort?: string
}

/** The sort state of a keyset-paged list: the URL value, the list's default, and how to change it. */
export interface Sorting {
  sort: string
  dflt: string
  onSort: (next: string) => void
}

/** Right-aligned count columns, from [header, value, cell attributes?] rows. */
export function countColumns<T>(
  specs: ReadonlyArray<readonly [header: string, value: (row: T) => number | null, td?: (row: T) => Attrs]>,
): Column<T>[] {
  return specs.map(([header, value, td]) => ({ header, className: 'num', td, cell: (r) => formatCount(value(r)) }))
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  testId,
  row,
  detail,
  detailStyle,
  sorting,
  scope,
  stack = false,
}: {
  columns: ReadonlyArray<Column<T>>
  rows: readonly T[]
  rowKey: (row: T) => string
  testId?: string
  /** A row's own attributes: a class (`row-link`, `highlight`), a data-testid. */
  row?: (row: T) => { className?: string; 'data-testid'?: string }
  /** An expanded row under the row when this returns content; it spans every column. */
  detail?: (row: T) => ReactNode
  detailStyle?: CSSProperties
  sorting?: Sorting
  /** Header cells carry scope="col". */
  scope?: boolean
  /** Rows become labelled cards on a phone (table.data.stack). */
  stack?: boolean
}) {
  const label = (c: Column<T>) => (stack ? (c.label ?? (typeof c.header === 'string' ? c.header : '')) : '')
  return (
    <table className={stack ? 'data stack' : 'data'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => {
            // Only the numeric alignment belongs on the header; the code font is for values.
            const className = c.className?.includes('num') ? 'num' : undefined
            if (c.sort && sorting && typeof c.header === 'string')
              return (
                <SortHeader
                  key={i}
                  label={c.header}
                  column={c.sort.replace(/^-/, '')}
                  first={c.sort.startsWith('-') ? 'desc' : 'asc'}
                  {...sorting}
                  className={className}
                />
              )
            return (
              <th key={i} scope={scope ? 'col' : undefined} className={className} title={c.title}>
                {c.header}
              </th>
            )
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const more = detail?.(r)
          return (
            <Fragment key={rowKey(r)}>
              <tr {...row?.(r)}>
                {columns.map((c, i) => (
                  <td
                    key={i}
                    className={c.className}
                    data-label={label(c) || undefined}
                    {...(typeof c.td === 'function' ? c.td(r) : c.td)}
                  >
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
              {more != null && more !== false && (
                <tr>
                  <td colSpan={columns.length} style={detailStyle}>
                    {more}
                  </td>
                </tr>
              )}
            </Fragment>
          )
        })}
      </tbody>
    </table>
  )
}
