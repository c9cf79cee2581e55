// Column sorts for keyset-paged lists, one place: a list declares the columns it can sort on (each
// one served by an index, see prisma/migrations/20261202240000_list_sort_indexes), the URL carries
// `sort=<column>` (ascending) or `sort=-<column>` (descending), and the keyset continues after the
// last row's (column value, id) in that order. The cursor says which sort it was made for, so a
// cursor from another order is refused instead of skipping or repeating rows.
import { ValidationError } from '../errors'
import type { Cursor } from './cursor'

export type SortDir = 'asc' | 'desc'
/** time: a timestamp (cursor `at`); text: a non-null string (cursor `key`); int: a non-null int4 (cursor `score`). */
export type SortKind = 'time' | 'text' | 'int'
export interface Sort<F extends string = string> { field: F; dir: SortDir }

export function parseSort<F extends string>(raw: string | null | undefined, columns: Readonly<Record<F, SortKind>>, dflt: Sort<F>): Sort<F> {
  if (!raw) return dflt
  const dir: SortDir = raw.startsWith('-') ? 'desc' : 'asc'
  const field = raw.replace(/^[-+]/, '')
  if (!Object.prototype.hasOwnProperty.call(columns, field)) {
    throw new ValidationError(`"sort" must be one of ${Object.keys(columns).flatMap((c) => [c, `-${c}`]).join(', ')}.`, undefined, 'INVALID_SORT')
  }
  return { field: field as F, dir }
}

export const sortParam = (s: Sort): string => `${s.dir === 'desc' ? '-' : ''}${s.field}`

/** The cursor after `value` (the row's sort column) and `id`, tagged with the sort. */
export function sortCursor(s: Sort, kind: SortKind, value: Date | string | number, id: string): Cursor {
  const tag = sortParam(s)
  if (kind === 'time') return { at: (value as Date).toISOString(), id, sort: tag }
  const epoch = new Date(0).toISOString()
  return kind === 'int' ? { at: epoch, id, score: value as number, sort: tag } : { at: epoch, id, key: value as string, sort: tag }
}

/** The value a cursor continues after, for this sort; a cursor made under another sort is refused. */
export function cursorValue(s: Sort, kind: SortKind, c: Cursor): Date | string | number {
  // Cursors minted before column sorts carry no tag: they were made by the default time order.
  if ((c.sort ?? null) !== null && c.sort !== sortParam(s)) {
    throw new ValidationError('The cursor belongs to another sort order: start again from the first page.', undefined, 'INVALID_CURSOR')
  }
  if (kind === 'text' || kind === 'int') {
    const v = kind === 'text' ? c.key : c.score
    if (v === undefined) throw new ValidationError('The cursor belongs to another sort order: start again from the first page.', undefined, 'INVALID_CURSOR')
    return v
  }
  return new Date(c.at)
}
