// GET /api/v1/findings: drift, unverified accepted updates, reconciliation variances, exceptions.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { decodeCursor, encodeCursor } from '../paging/cursor'

export interface FindingFilter { status?: string; kind?: string; sku?: string; channel?: string; cursor?: string | null; limit: number; order?: 'recent' | 'oldest' }

export async function listFindings(db: Db, f: FindingFilter) {
  const cursor = decodeCursor(f.cursor)
  const where: Prisma.FindingWhereInput = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
  }
  // Newest first by default; oldest first to work a backlog from its start. Keyset either way.
  const asc = f.order === 'oldest'
  const cmp = asc ? 'gt' : 'lt'
  if (cursor) where.OR = [{ detectedAt: { [cmp]: new Date(cursor.at) } }, { detectedAt: new Date(cursor.at), id: { [cmp]: cursor.id } }]
  const dir = asc ? 'asc' as const : 'desc' as const
  const rows = await db.finding.findMany({ where, orderBy: [{ detectedAt: dir }, { id: dir }], take: f.limit + 1 })
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    items: page.map((x) => ({
      id: x.id, kind: x.kind, sku: x.sku, channel: x.channel, location: x.location, cause: x.cause, status: x.status,
      field: x.field, expected: x.expected, actual: x.actual, variance: x.variance, details: x.details,
      detectedAt: x.detectedAt.toISOString(), updatedAt: x.updatedAt.toISOString(), resolvedAt: x.resolvedAt?.toISOString() ?? null,
    })),
    nextCursor: rows.length > f.limit && last ? encodeCursor({ at: last.detectedAt.toISOString(), id: last.id }) : null,
  }
}
