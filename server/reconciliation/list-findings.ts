// GET /api/v1/findings: drift, unverified accepted updates, reconciliation variances, exceptions.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { decodeCursor, encodeCursor } from '../paging/cursor'

export interface FindingFilter { status?: string; kind?: string; sku?: string; channel?: string; cursor?: string | null; limit: number }

export async function listFindings(db: Db, f: FindingFilter) {
  const cursor = decodeCursor(f.cursor)
  const where: Prisma.FindingWhereInput = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
    ...(cursor ? { OR: [{ detectedAt: { lt: new Date(cursor.at) } }, { detectedAt: new Date(cursor.at), id: { lt: cursor.id } }] } : {}),
  }
  const rows = await db.finding.findMany({ where, orderBy: [{ detectedAt: 'desc' }, { id: 'desc' }], take: f.limit + 1 })
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
