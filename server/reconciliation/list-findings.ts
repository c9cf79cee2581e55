// GET /api/v1/findings: drift, unverified accepted updates, reconciliation variances, exceptions.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { keysetPage, parseSort, sortCursor, type Sort } from '../paging/sort'

/**
 * Columns findings sort on, each served by an index with the status filter in front. SKU, channel
 * and variance are nullable (a snapshot variance has no channel, an exception no variance): rows
 * without a value come last in both directions.
 */
export const FINDING_SORTS = {
  detectedAt: 'time',
  updatedAt: 'time',
  kind: 'text',
  sku: 'ntext',
  channel: 'ntext',
  variance: 'nint',
} as const
export type FindingSortField = keyof typeof FINDING_SORTS
export const parseFindingSort = (raw: string | null | undefined, order?: 'recent' | 'oldest'): Sort<FindingSortField> =>
  parseSort(raw, FINDING_SORTS, { field: 'detectedAt', dir: order === 'oldest' ? 'asc' : 'desc' })

export interface FindingFilter {
  status?: string
  kind?: string
  sku?: string
  channel?: string
  cursor?: string | null
  limit: number
  /** Newest first by default; oldest first to work a backlog from its start. `sort` wins when given. */
  order?: 'recent' | 'oldest'
  sort?: Sort<FindingSortField>
}

export async function listFindings(db: Db, f: FindingFilter) {
  const cursor = decodeCursor(f.cursor)
  const sort = f.sort ?? parseFindingSort(null, f.order)
  const kind = FINDING_SORTS[sort.field]
  const where: Prisma.FindingWhereInput = {
    ...(f.status ? { status: f.status } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
  }
  // Keyset on (sort column, id), both in the sort's direction.
  const [rows, total] = await Promise.all([
    keysetPage(sort, kind, cursor, f.limit, (after, orderBy, take) =>
      db.finding.findMany({ where: { AND: [where, after] }, orderBy, take }),
    ),
    db.finding.count({ where }),
  ])
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  return {
    items: page.map((x) => ({
      id: x.id,
      kind: x.kind,
      sku: x.sku,
      channel: x.channel,
      location: x.location,
      cause: x.cause,
      status: x.status,
      field: x.field,
      expected: x.expected,
      actual: x.actual,
      variance: x.variance,
      details: x.details,
      detectedAt: x.detectedAt.toISOString(),
      updatedAt: x.updatedAt.toISOString(),
      resolvedAt: x.resolvedAt?.toISOString() ?? null,
    })),
    nextCursor: rows.length > f.limit && last ? encodeNext(sort, kind, last) : null,
    /** Findings matching the filters (all pages). */
    total,
  }
}

function encodeNext(
  sort: Sort<FindingSortField>,
  kind: (typeof FINDING_SORTS)[FindingSortField],
  last: {
    id: string
    kind: string
    sku: string | null
    channel: string | null
    variance: number | null
    detectedAt: Date
    updatedAt: Date
  },
) {
  return encodeCursor(sortCursor(sort, kind, last[sort.field], last.id))
}
