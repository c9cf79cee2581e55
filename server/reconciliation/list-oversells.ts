// Oversell incidents for the Drift and oversells screen: newest first (or sorted on a column), by
// channel, kind, SKU and cause, keyset-paged, with totals over the same filter (units oversold,
// revenue at risk).
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { cursorValue, parseSort, sortCursor, type Sort } from '../paging/sort'
import { describeOversell } from '../ingest/attribute-oversell'

/** Columns incidents sort on, each served by an index on (column, id). */
export const OVERSELL_SORTS = {
  detectedAt: 'time',
  occurredAt: 'time',
  oversoldUnits: 'int',
  revenueAtRiskCents: 'int',
} as const
export type OversellSortField = keyof typeof OVERSELL_SORTS
export const parseOversellSort = (
  raw: string | null | undefined,
  order?: 'recent' | 'oldest',
): Sort<OversellSortField> =>
  parseSort(raw, OVERSELL_SORTS, { field: 'detectedAt', dir: order === 'oldest' ? 'asc' : 'desc' })

export interface OversellFilter {
  channel?: string
  kind?: string
  sku?: string
  cause?: string
  since?: Date
  cursor?: string | null
  limit: number
  order?: 'recent' | 'oldest'
  /** wins over `order` */ sort?: Sort<OversellSortField>
}

export async function listOversells(db: Db, f: OversellFilter) {
  const cursor = decodeCursor(f.cursor)
  const base: Prisma.OversellIncidentWhereInput = {
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.cause ? { cause: f.cause } : {}),
    ...(f.since ? { detectedAt: { gte: f.since } } : {}),
  }
  const sort = f.sort ?? parseOversellSort(null, f.order)
  const kind = OVERSELL_SORTS[sort.field]
  const cmp = sort.dir === 'asc' ? 'gt' : 'lt'
  const v = cursor ? cursorValue(sort, kind, cursor) : null
  const where: Prisma.OversellIncidentWhereInput = cursor
    ? { AND: [base, { OR: [{ [sort.field]: { [cmp]: v } }, { [sort.field]: v, id: { [cmp]: cursor.id } }] }] }
    : base
  const [rows, totals] = await Promise.all([
    db.oversellIncident.findMany({ where, orderBy: [{ [sort.field]: sort.dir }, { id: sort.dir }], take: f.limit + 1 }),
    cursor
      ? null
      : db.oversellIncident.aggregate({
          where: base,
          _count: true,
          _sum: { oversoldUnits: true, revenueAtRiskCents: true },
        }),
  ])
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    items: page.map(oversellView),
    totals: totals
      ? {
          incidents: totals._count,
          oversoldUnits: totals._sum.oversoldUnits ?? 0,
          revenueAtRiskCents: totals._sum.revenueAtRiskCents ?? 0,
        }
      : null,
    nextCursor: rows.length > f.limit && last ? encodeCursor(sortCursor(sort, kind, last[sort.field], last.id)) : null,
  }
}

/** One oversell incident as every screen and API shows it (the list, the incident page). */
export function oversellView(x: Prisma.OversellIncidentGetPayload<object>) {
  return {
    id: x.id,
    kind: x.kind,
    channel: x.channel,
    sku: x.sku,
    orderId: x.orderId,
    lineId: x.lineId,
    orderedUnits: x.orderedUnits,
    oversoldUnits: x.oversoldUnits,
    revenueAtRiskCents: x.revenueAtRiskCents,
    cause: x.cause,
    sentence: describeOversell(x),
    details: (x.details ?? {}) as Record<string, unknown>,
    occurredAt: x.occurredAt.toISOString(),
    detectedAt: x.detectedAt.toISOString(),
  }
}
