// The audit log as operators read it: newest first, filtered by actor, action (prefix, e.g.
// "rules." for every rule change), entity and time; keyset-paged; and the same filter as CSV for
// export (streamed in pages so a large export never holds the whole log in memory).
import type { Db } from '../db'
import { pagedCsv } from '../paging/csv'
import { decodeCursor, encodeCursor } from '../paging/cursor'

export interface AuditFilter { actor?: string; action?: string; entity?: string; entityId?: string; from?: Date; to?: Date }
export interface AuditItem { id: string; at: string; actorKind: string; actor: string; action: string; entity: string; entityId: string | null; before: unknown; after: unknown; ref: string | null }

function where(f: AuditFilter, cursor: { at: string; id: string } | null): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const conds: string[] = []
  const p = (v: unknown) => { params.push(v); return `$${params.length}` }
  if (f.actor) conds.push(`"actorLabel" ILIKE ${p(`%${f.actor}%`)}`)
  if (f.action) conds.push(`action LIKE ${p(`${f.action.replace(/[%_\\]/g, '\\$&')}%`)}`)
  if (f.entity) conds.push(`entity = ${p(f.entity)}`)
  if (f.entityId) conds.push(`"entityId" = ${p(f.entityId)}`)
  if (f.from) conds.push(`at >= ${p(f.from.toISOString())}::timestamptz`)
  if (f.to) conds.push(`at < ${p(f.to.toISOString())}::timestamptz`)
  if (cursor) conds.push(`(at, id) < (${p(cursor.at)}::timestamptz, ${p(cursor.id)}::bigint)`)
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params }
}

type Row = { id: bigint; at: Date; actorKind: string; actorLabel: string; action: string; entity: string; entityId: string | null; before: unknown; after: unknown; ref: string | null }
const toItem = (r: Row): AuditItem => ({ id: String(r.id), at: r.at.toISOString(), actorKind: r.actorKind, actor: r.actorLabel, action: r.action, entity: r.entity, entityId: r.entityId, before: r.before, after: r.after, ref: r.ref })

export async function listAudit(db: Db, f: AuditFilter & { cursor?: string; limit?: number }): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const limit = f.limit ?? 50
  const w = where(f, decodeCursor(f.cursor))
  const rows = await db.$queryRawUnsafe<Row[]>(
    `SELECT id, at, "actorKind", "actorLabel", action, entity, "entityId", before, after, ref FROM "AuditLog" ${w.sql} ORDER BY at DESC, id DESC LIMIT ${limit + 1}`, ...w.params)
  const items = rows.slice(0, limit).map(toItem)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at, id: last.id }) : null }
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

/** The filtered log as CSV lines (header first), newest first, at most `max` rows. */
export function auditCsv(db: Db, f: AuditFilter, max = 100_000): AsyncGenerator<string> {
  return pagedCsv(CSV_COLUMNS, (cursor) => listAudit(db, { ...f, cursor, limit: 200 }), max)
}
