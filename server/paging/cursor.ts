// Opaque keyset cursors: (time, id) of the last item, newest first. Stable under inserts.
import { ValidationError } from '../errors'

/** `score` is set when the list is ranked by a number before time (e.g. dead letters by risk). */
export interface Cursor {
  at: string
  id: string
  score?: number
  /** a text sort column's value (see sort.ts) */ key?: string
  /** the sort it was made under, e.g. "-detectedAt" */ sort?: string
  /** the row's sort value was null (nullable columns sort NULLS LAST) */ none?: true
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

/** Ids the keyset lists page by: a uuid, or a bigint (audit) below 2^63. */
const CURSOR_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,18})$/i
const INT4 = 2 ** 31 - 1

/**
 * A cursor is input like any other: every part is checked here, so a forged one is a 400 naming
 * the cursor, never a database error (a time PostgreSQL cannot hold, a non-uuid id, a score that
 * is not an integer).
 */
export function decodeCursor(raw: string | null | undefined): Cursor | null {
  if (!raw) return null
  try {
    if (raw.length > 500) throw new Error('too long')
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.at !== 'string' ||
      typeof c.id !== 'string' ||
      !CURSOR_ID.test(c.id)
    )
      throw new Error('bad')
    const at = Date.parse(c.at)
    const year = Number.isNaN(at) ? 0 : new Date(at).getUTCFullYear()
    if (year < 1 || year > 9999) throw new Error('bad time')
    if (c.score !== undefined && !(Number.isInteger(c.score) && Math.abs(c.score) <= INT4)) throw new Error('bad score')
    if (c.key !== undefined && (typeof c.key !== 'string' || c.key.length > 200 || c.key.includes('\u0000')))
      throw new Error('bad key')
    if (
      c.sort !== undefined &&
      (typeof c.sort !== 'string' || !/^-?[A-Za-z]{1,40}(?:@[^\u0000]{1,100})?$/.test(c.sort))
    )
      throw new Error('bad sort')
    if (c.none !== undefined && c.none !== true) throw new Error('bad none')
    return {
      at: c.at,
      id: c.id,
      ...(c.score !== undefined ? { score: c.score } : {}),
      ...(c.key !== undefined ? { key: c.key } : {}),
      ...(c.sort !== undefined ? { sort: c.sort } : {}),
      ...(c.none ? { none: true as const } : {}),
    }
  } catch {
    throw new ValidationError(
      'The cursor is not valid: pass back the nextCursor of a previous page.',
      undefined,
      'INVALID_CURSOR',
    )
  }
}

export const PAGE_SIZE_MAX = 200
export function pageSize(raw: string | null | undefined, dflt = 50): number {
  const n = raw ? Number(raw) : dflt
  if (!Number.isInteger(n) || n < 1 || n > PAGE_SIZE_MAX)
    throw new ValidationError(`"limit" must be an integer from 1 to ${PAGE_SIZE_MAX}.`, undefined, 'INVALID_LIMIT')
  return n
}
