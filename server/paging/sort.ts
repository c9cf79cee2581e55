// Column sorts for keyset-paged lists, one place: a list declares the columns it can sort on (each
// one served by an index, see prisma/migrations/20261202240000_list_sort_indexes), the URL carries
// `sort=<column>` (ascending) or `sort=-<column>` (descending), and the keyset continues after the
// last row's (column value, id) in that order. The cursor says which sort it was made for, so a
// cursor from another order is refused instead of skipping or repeating rows.
// Nullable columns (a finding's SKU, a dead letter's channel) sort NULLS LAST in both directions:
// rows with a value first, in the sort's direction, then rows without one by id.

import { ValidationError } from '../errors'
import type { Cursor } from './cursor'

export type SortDir = 'asc' | 'desc'
/**
 * time: a timestamp (cursor `at`); text: a non-null string (cursor `key`); int: a non-null int4
 * (cursor `score`); ntext / nint: the same, nullable (a null value is cursor `none`).
 */
export type SortKind = 'time' | 'text' | 'int' | 'ntext' | 'nint'
type NonNullKind = 'time' | 'text' | 'int'
const nonNull = (k: SortKind): NonNullKind => (k === 'ntext' ? 'text' : k === 'nint' ? 'int' : k)
const isNullable = (k: SortKind) => k === 'ntext' || k === 'nint'
/** `scope`: what the column is for when that varies (the channel of an availability sort); part of the cursor's tag. */
export interface Sort<F extends string = string> {
  field: F
  dir: SortDir
  scope?: string
}

export function parseSort<F extends string>(
  raw: string | null | undefined,
  columns: Readonly<Record<F, SortKind>>,
  dflt: Sort<F>,
): Sort<F> {
  if (!raw) return dflt
  const dir: SortDir = raw.startsWith('-') ? 'desc' : 'asc'
  const field = raw.replace(/^[-+]/, '')
  if (!Object.prototype.hasOwnProperty.call(columns, field)) {
    throw new ValidationError(
      `"sort" must be one of ${Object.keys(columns)
        .flatMap((c) => [c, `-${c}`])
        .join(', ')}.`,
      undefined,
      'INVALID_SORT',
    )
  }
  return { field: field as F, dir }
}

export const sortParam = (s: Sort): string => `${s.dir === 'desc' ? '-' : ''}${s.field}${s.scope ? `@${s.scope}` : ''}`

/** The cursor after `value` (the row's sort column) and `id`, tagged with the sort. */
export function sortCursor(s: Sort, kind: SortKind, value: Date | string | number | null, id: string): Cursor {
  const tag = sortParam(s)
  if (value === null) return { at: new Date(0).toISOString(), id, sort: tag, none: true }
  if (kind === 'time') return { at: (value as Date).toISOString(), id, sort: tag }
  const epoch = new Date(0).toISOString()
  return nonNull(kind) === 'int'
    ? { at: epoch, id, score: value as number, sort: tag }
    : { at: epoch, id, key: value as string, sort: tag }
}

/** The value a cursor continues after, for this sort; a cursor made under another sort is refused. */
export function cursorValue(s: Sort, kind: NonNullKind, c: Cursor): Date | string | number {
  // Cursors minted before column sorts carry no tag: they were made by the default time order.
  if ((c.sort ?? null) !== null && c.sort !== sortParam(s)) {
    throw new ValidationError(
      'The cursor belongs to another sort order: start again from the first page.',
      undefined,
      'INVALID_CURSOR',
    )
  }
  if (kind === 'text' || kind === 'int') {
    const v = kind === 'text' ? c.key : c.score
    if (v === undefined)
      throw new ValidationError(
        'The cursor belongs to another sort order: start again from the first page.',
        undefined,
        'INVALID_CURSOR',
      )
    return v
  }
  return new Date(c.at)
}

/** Like cursorValue, for any kind: null when the cursor's row had no value (nullable kinds only). */
export function nullableCursorValue(s: Sort, kind: SortKind, c: Cursor): Date | string | number | null {
  if (c.none) {
    if (!isNullable(kind) || (c.sort ?? null) !== sortParam(s))
      throw new ValidationError(
        'The cursor belongs to another sort order: start again from the first page.',
        undefined,
        'INVALID_CURSOR',
      )
    return null
  }
  return cursorValue(s, nonNull(kind), c)
}

type Where = Record<string, unknown>
type OrderBy = Array<Record<string, unknown>>

/**
 * Up to `limit + 1` rows after the cursor in the sort's order (the extra row says whether a next
 * page exists), fetched through `find` with a where fragment to AND with the list's filters. Keyset
 * over (column, id) so every step is an index range scan: for a nullable column, the rows with a
 * value (a forward or backward scan of the (column, id) index) and then the rows without one
 * (`column IS NULL` by id, the same index), so NULLS LAST holds both ways without a second index.
 */
export async function keysetPage<R>(
  sort: Sort,
  kind: SortKind,
  cursor: Cursor | null,
  limit: number,
  find: (where: Where, orderBy: OrderBy, take: number) => Promise<R[]>,
  /** The id column's value from the cursor's text (a bigint id: `BigInt`). */
  toId: (id: string) => unknown = (id) => id,
): Promise<R[]> {
  const f = sort.field
  const cmp = sort.dir === 'asc' ? 'gt' : 'lt'
  const byValue: OrderBy = [{ [f]: sort.dir }, { id: sort.dir }]
  const v = cursor ? nullableCursorValue(sort, kind, cursor) : undefined
  const id = cursor ? toId(cursor.id) : undefined
  const after = (x: Date | string | number): Where => ({ OR: [{ [f]: { [cmp]: x } }, { [f]: x, id: { [cmp]: id } }] })
  if (!isNullable(kind)) return find(v === undefined || v === null ? {} : after(v), byValue, limit + 1)
  const nulls = (take: number) =>
    find({ [f]: null, ...(v === null ? { id: { [cmp]: id } } : {}) }, [{ id: sort.dir }], take)
  if (v === null) return nulls(limit + 1)
  const rows = await find({ AND: [{ [f]: { not: null } }, v === undefined ? {} : after(v)] }, byValue, limit + 1)
  return rows.length > limit ? rows : [...rows, ...(await nulls(limit + 1 - rows.length))]
}
