// A plain data table described by its columns: a header and a cell per column, one row per item.
// For lists whose rows are only cells; a row with its own behaviour (a link over the whole row,
// an expandable detail, actions) writes its own <tr>.
import type { ReactNode } from 'react'

export interface Column<T> {
  header: ReactNode
  cell: (row: T) => ReactNode
  /** 'num' right-aligns, 'mono' sets the code font; applied to the header and the cells. */
  className?: string
  /** On a `stack` table: the cell's caption when rows become cards (default: the header's text). */
  label?: string
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  testId,
  stack = false,
  rowTestId,
  rowClassName,
}: {
  columns: ReadonlyArray<Column<T>>
  rows: readonly T[]
  rowKey: (row: T) => string
  testId?: string
  /** Rows become labelled cards on a phone (table.data.stack). */
  stack?: boolean
  rowTestId?: (row: T) => string
  rowClassName?: (row: T) => string | undefined
}) {
  const label = (c: Column<T>) => (stack ? (c.label ?? (typeof c.header === 'string' ? c.header : '')) : '')
  return (
    <table className={stack ? 'data stack' : 'data'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            // Only the numeric alignment belongs on the header; the code font is for values.
            <th key={i} className={c.className?.includes('num') ? 'num' : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} data-testid={rowTestId?.(r)} className={rowClassName?.(r)}>
            {columns.map((c, i) => (
              <td key={i} className={c.className} data-label={label(c) || undefined}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
