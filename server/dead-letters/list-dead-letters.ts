// GET /api/v1/dead-letters: filterable, keyset-paged, newest first; or ranked by oversell risk
// (highest first, then newest), which is how support works the list.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ValidationError } from '../errors'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { fixForDeadLetter, type DeadLetterFix } from './fix-for-dead-letter'

export interface DeadLetterFilter { kind?: string; status?: string; sku?: string; channel?: string; code?: string; sort?: 'recent' | 'risk'; cursor?: string | null; limit: number }

export interface DeadLetterItem {
  id: string; kind: string; code: string; reason: string; sku: string | null; channel: string | null; source: string | null
  status: string; attempts: number; riskScore: number; firstSeenAt: string; lastSeenAt: string
  /** What was kept of the rejected item (the raw event, or the publish that failed) and the stored message it came in. */
  payload: unknown
  inboundMessageId: string | null
  /** How the stored message came in (e.g. transport webhook, kind shopify-orders), when there is one. */
  message?: { kind: string; transport: string } | null
  /** The catalog change that would let it apply, prefilled (null when none applies). */
  fix: DeadLetterFix | null
}

export async function listDeadLetters(db: Db, f: DeadLetterFilter): Promise<{ items: DeadLetterItem[]; nextCursor: string | null; total?: number }> {
  if (f.kind && f.kind !== 'ingest' && f.kind !== 'publish') throw new ValidationError('"kind" must be ingest or publish.', undefined, 'INVALID_FILTER')
  const cursor = decodeCursor(f.cursor)
  const where: Prisma.DeadLetterWhereInput = {
    ...(f.kind ? { kind: f.kind as 'ingest' | 'publish' } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.code ? { code: f.code } : {}),
  }
  const byRisk = f.sort === 'risk'
  if (cursor && byRisk !== (cursor.score !== undefined)) throw new ValidationError('The cursor belongs to another sort order: start from the first page.', undefined, 'INVALID_CURSOR')
  const after: Prisma.DeadLetterWhereInput[] = cursor
    ? [{ lastSeenAt: { lt: new Date(cursor.at) } }, { lastSeenAt: new Date(cursor.at), id: { lt: cursor.id } }]
    : []
  // The first page carries how many match the filter (all pages).
  const total = cursor ? undefined : db.deadLetter.count({ where: { ...where } })
  if (cursor) where.OR = byRisk ? [{ riskScore: { lt: cursor.score } }, ...after.map((a) => ({ ...a, riskScore: cursor.score }))] : after
  const orderBy: Prisma.DeadLetterOrderByWithRelationInput[] = [...(byRisk ? [{ riskScore: 'desc' as const }] : []), { lastSeenAt: 'desc' }, { id: 'desc' }]
  const rows = await db.deadLetter.findMany({ where, orderBy, take: f.limit + 1 })
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  // How each rejected delivery came in: a marketplace webhook reads differently from a file or a POST.
  const messageIds = [...new Set(page.map((d) => d.inboundMessageId).filter((id): id is string => id !== null))]
  const messages = messageIds.length === 0 ? [] : await db.inboundMessage.findMany({ where: { id: { in: messageIds } }, select: { id: true, kind: true, transport: true } })
  return {
    ...(total ? { total: await total } : {}),
    items: page.map((d) => ({
      id: d.id, kind: d.kind, code: d.code, reason: d.reason, sku: d.sku, channel: d.channel, source: d.source, status: d.status,
      attempts: d.attempts, riskScore: d.riskScore, firstSeenAt: d.firstSeenAt.toISOString(), lastSeenAt: d.lastSeenAt.toISOString(),
      payload: d.payload, inboundMessageId: d.inboundMessageId, fix: fixForDeadLetter(d),
      message: ((m) => (m ? { kind: m.kind, transport: m.transport } : null))(messages.find((m) => m.id === d.inboundMessageId)),
    })),
    nextCursor: rows.length > f.limit && last ? encodeCursor({ at: last.lastSeenAt.toISOString(), id: last.id, ...(byRisk ? { score: last.riskScore } : {}) }) : null,
  }
}
