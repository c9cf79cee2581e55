// Opaque keyset cursors: (time, id) of the last item, newest first. Stable under inserts.
import { ValidationError } from '../errors'

/** `score` is set when the list is ranked by a number before time (e.g. dead letters by risk). */
export interface Cursor { at: string; id: string; score?: number }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

export function decodeCursor(raw: string | null | undefined): Cursor | null {
  if (!raw) return null
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor
    if (typeof c.at !== 'string' || typeof c.id !== 'string' || Number.isNaN(Date.parse(c.at)) || (c.score !== undefined && !Number.isFinite(c.score))) throw new Error('bad')
    return c
  } catch {
    throw new ValidationError('The cursor is not valid: pass back the nextCursor of a previous page.', undefined, 'INVALID_CURSOR')
  }
}

export const PAGE_SIZE_MAX = 200
export function pageSize(raw: string | null | undefined, dflt = 50): number {
  const n = raw ? Number(raw) : dflt
  if (!Number.isInteger(n) || n < 1 || n > PAGE_SIZE_MAX) throw new ValidationError(`"limit" must be an integer from 1 to ${PAGE_SIZE_MAX}.`, undefined, 'INVALID_LIMIT')
  return n
}
