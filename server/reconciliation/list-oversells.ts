// Oversell incidents for the Drift and oversells screen: newest first, by channel, kind, SKU and
// cause, keyset-paged, with totals over the same filter (units oversold, revenue at risk).
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { describeOversell } from '../ingest/attribute-oversell'

export interface OversellFilter { channel?: string; kind?: string; sku?: string; cause?: string; since?: Date; cursor?: string | null; limit: number; order?: 'recent' | 'oldest' }

export async function listOversells(db: Db, f: OversellFilter) {
  const cursor = decodeCursor(f.cursor)
  const base: Prisma.OversellIncidentWhereInput = {
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.cause ? { cause: f.cause } : {}),
    ...(f.since ? { detectedAt: { gte: f.since } } : {}),
  }
  const asc = f.order === 'oldest'
  const cmp = asc ? 'gt' : 'lt'
  const dir = asc ? 'asc' as const : 'desc' as const
  const where: Prisma.OversellIncidentWhereInput = cursor
    ? { AND: [base, { OR: [{ detectedAt: { [cmp]: new Date(cursor.at) } }, { detectedAt: new Date(cursor.at), id: { [cmp]: cursor.id } }] }] }
    : base
  const [rows, totals] = await Promise.all([
    db.oversellIncident.findMany({ where, orderBy: [{ detectedAt: dir }, { id: dir }], take: f.limit + 1 }),
    cursor ? null : db.oversellIncident.aggregate({ where: base, _count: true, _sum: { oversoldUnits: true, revenueAtRiskCents: true } }),
  ])
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    items: page.map((x) => ({
      id: x.id, kind: x.kind, channel: x.channel, sku: x.sku, orderId: x.orderId, lineId: x.lineId, orderedUnits: x.orderedUnits,
      oversoldUnits: x.oversoldUnits, revenueAtRiskCents: x.revenueAtRiskCents, cause: x.cause, sentence: describeOversell(x), details: x.details,
      occurredAt: x.occurredAt.toISOString(), detectedAt: x.detectedAt.toISOString(),
    })),
    totals: totals ? { incidents: totals._count, oversoldUnits: totals._sum.oversoldUnits ?? 0, revenueAtRiskCents: totals._sum.revenueAtRiskCents ?? 0 } : null,
    nextCursor: rows.length > f.limit && last ? encodeCursor({ at: last.detectedAt.toISOString(), id: last.id }) : null,
  }
}
