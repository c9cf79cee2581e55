// The audit log as operators read it: newest first, filtered by actor, action (prefix, e.g.
// "rules." for every rule change), entity and time; keyset-paged; and the same filter as CSV for
// export (streamed in pages so a large export never holds the whole log in memory).
import type { Db } from '../db'
import { pagedCsv } from '../paging/csv'
import { decodeCursor, encodeCursor, type Cursor } from '../paging/cursor'
import { cursorValue, parseSort, sortCursor, type Sort } from '../paging/sort'

/** Columns the log sorts on, each served by an index (at; action, id; actorLabel, id). */
export const AUDIT_SORTS = { at: 'time', action: 'text', actor: 'text' } as const
export type AuditSortField = keyof typeof AUDIT_SORTS
export const parseAuditSort = (raw: string | null | undefined): Sort<AuditSortField> =>
  parseSort(raw, AUDIT_SORTS, { field: 'at', dir: 'desc' })
const COLUMN: Record<AuditSortField, string> = { at: 'at', action: 'action', actor: '"actorLabel"' }

export interface AuditFilter {
  actor?: string
  action?: string
  entity?: string
  entityId?: string
  from?: Date
  to?: Date
  /** newest first by default */ sort?: Sort<AuditSortField>
}
export interface AuditItem {
  id: string
  at: string
  actorKind: string
  actor: string
  action: string
  entity: string
  entityId: string | null
  before: unknown
  after: unknown
  ref: string | null
}

function where(f: AuditFilter, cursor: Cursor | null): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const conds: string[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  if (f.actor) conds.push(`"actorLabel" ILIKE ${p(`%${f.actor}%`)}`)
  if (f.action) conds.push(`action LIKE ${p(`${f.action.replace(/[%_\\]/g, '\\$&')}%`)}`)
  if (f.entity) conds.push(`entity = ${p(f.entity)}`)
  if (f.entityId) conds.push(`"entityId" = ${p(f.entityId)}`)
  if (f.from) conds.push(`at >= ${p(f.from.toISOString())}::timestamptz`)
  if (f.to) conds.push(`at < ${p(f.to.toISOString())}::timestamptz`)
  if (cursor) {
    // Keyset on (sort column, id), both in the sort's direction.
    const sort = f.sort ?? parseAuditSort(null)
    const kind = AUDIT_SORTS[sort.field]
    const v = cursorValue(sort, kind, cursor)
    const op = sort.dir === 'asc' ? '>' : '<'
    conds.push(
      `(${COLUMN[sort.field]}, id) ${op} (${kind === 'time' ? `${p((v as Date).toISOString())}::timestamptz` : `${p(v)}::text`}, ${p(cursor.id)}::bigint)`,
    )
  }
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params }
}

/** An audit row as read: the item's fields with the raw id, time and actor label. */
type Row = Omit<AuditItem, 'id' | 'at' | 'actor'> & { id: bigint; at: Date; actorLabel: string }
const toItem = (r: Row): AuditItem => ({
  id: String(r.id),
  at: r.at.toISOString(),
  actorKind: r.actorKind,
  actor: r.actorLabel,
  action: r.action,
  entity: r.entity,
  entityId: r.entityId,
  before: r.before,
  after: r.after,
  ref: r.ref,
})

export async function listAudit(
  db: Db,
  f: AuditFilter & {
    cursor?: string
    limit?: number
    /** count the matches (the first page of a screen); CSV pages skip it */ withTotal?: boolean
  },
): Promise<{ items: AuditItem[]; nextCursor: string | null; total?: number }> {
  const limit = f.limit ?? 50
  const sort = f.sort ?? parseAuditSort(null)
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC'
  const w = where(f, decodeCursor(f.cursor))
  const all = where(f, null)
  const [rows, count] = await Promise.all([
    db.$queryRawUnsafe<Row[]>(
      `SELECT id, at, "actorKind", "actorLabel", action, entity, "entityId", before, after, ref FROM "AuditLog" ${w.sql} ORDER BY ${COLUMN[sort.field]} ${dir}, id ${dir} LIMIT ${limit + 1}`,
      ...w.params,
    ),
    f.withTotal
      ? db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "AuditLog" ${all.sql}`, ...all.params)
      : Promise.resolve(null),
  ])
  const page = rows.slice(0, limit)
  const items = page.map(toItem)
  const last = page[page.length - 1]
  const value = (r: Row): Date | string =>
    sort.field === 'at' ? r.at : sort.field === 'action' ? r.action : r.actorLabel
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor(sortCursor(sort, AUDIT_SORTS[sort.field], value(last), String(last.id)))
        : null,
    ...(count ? { total: Number(count[0]?.n ?? 0) } : {}),
  }
}

/** Distinct actions and entities, for the filter pickers. */
export async function auditVocabulary(db: Db): Promise<{ actions: string[]; entities: string[] }> {
  const [actions, entities] = await Promise.all([
    db.$queryRawUnsafe<Array<{ v: string }>>(`SELECT DISTINCT action AS v FROM "AuditLog" ORDER BY 1 LIMIT 500`),
    db.$queryRawUnsafe<Array<{ v: string }>>(`SELECT DISTINCT entity AS v FROM "AuditLog" ORDER BY 1 LIMIT 200`),
  ])
  return { actions: actions.map((r) => r.v), entities: entities.map((r) => r.v) }
}

const CSV_COLUMNS = ['at', 'actor', 'actorKind', 'action', 'entity', 'entityId', 'before', 'after', 'ref'] as const

/** The filtered log as CSV lines (header first), in the list's sort (newest first by default), at most `max` rows. */
export function auditCsv(db: Db, f: AuditFilter, max = 100_000): AsyncGenerator<string> {
  return pagedCsv(CSV_COLUMNS, (cursor) => listAudit(db, { ...f, cursor, limit: 200 }), max)
}
