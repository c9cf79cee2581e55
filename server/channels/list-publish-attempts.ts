// A channel's publish attempts, filterable (outcome, SKU prefix) and sorted on a column through the
// (channelId, column, id) indexes with keyset paging (server/paging/sort.ts): newest first by default,
// or by outcome, quantity or latency (missing latency, an attempt still in flight, last both ways).
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { keysetPage, parseSort, sortCursor, type Sort } from '../paging/sort'

export const ATTEMPT_SORTS = { startedAt: 'time', outcome: 'text', quantity: 'int', latencyMs: 'nint' } as const
export type AttemptSortField = keyof typeof ATTEMPT_SORTS
export const parseAttemptSort = (raw: string | null | undefined): Sort<AttemptSortField> =>
  parseSort(raw, ATTEMPT_SORTS, { field: 'startedAt', dir: 'desc' })

export interface AttemptFilter {
  channel: string
  outcome?: string
  /** SKU code prefix, any case */ sku?: string
  sort?: Sort<AttemptSortField>
  cursor?: string | null
  limit: number
}

export interface AttemptItem {
  id: string
  sku: string
  quantity: number
  version: number
  attemptNo: number
  outcome: string
  httpStatus: number | null
  latencyMs: number | null
  error: string | null
  batchId: string | null
  startedAt: string
  finishedAt: string | null
  verifiedAt: string | null
}

/** Listings a SKU prefix may name on one channel: enough for a person's filter, bounded so the IN list stays small. */
const SKU_PREFIX_LISTINGS_MAX = 1_000

export async function listPublishAttempts(
  db: Db,
  f: AttemptFilter,
): Promise<{ items: AttemptItem[]; nextCursor: string | null; total?: number }> {
  const channel = await db.channel.findUnique({ where: { code: f.channel }, select: { id: true } })
  if (!channel) throw new NotFoundError(`No channel "${f.channel}".`, 'UNKNOWN_CHANNEL')
  const sort = f.sort ?? parseAttemptSort(null)
  const cursor = decodeCursor(f.cursor)
  const where: Prisma.PublishAttemptWhereInput = { channelId: channel.id, ...(f.outcome ? { outcome: f.outcome } : {}) }
  if (f.sku) {
    const listings = await db.channelListing.findMany({
      where: { channelId: channel.id, sku: { code: { startsWith: f.sku, mode: 'insensitive' } } },
      select: { id: true },
      take: SKU_PREFIX_LISTINGS_MAX,
    })
    where.listingId = { in: listings.map((l) => l.id) }
  }
  const kind = ATTEMPT_SORTS[sort.field]
  const [rows, total] = await Promise.all([
    keysetPage(
      sort,
      kind,
      cursor,
      f.limit,
      (after, orderBy, take) => db.publishAttempt.findMany({ where: { AND: [where, after] }, orderBy, take }),
      (id) => BigInt(id),
    ),
    cursor ? undefined : db.publishAttempt.count({ where }),
  ])
  const page = rows.slice(0, f.limit)
  const code = new Map(
    (
      await db.channelListing.findMany({
        where: { id: { in: [...new Set(page.map((a) => a.listingId))] } },
        select: { id: true, sku: { select: { code: true } } },
      })
    ).map((l) => [l.id, l.sku.code]),
  )
  const last = page[page.length - 1]
  return {
    ...(total !== undefined ? { total } : {}),
    items: page.map((a) => ({
      id: String(a.id),
      sku: code.get(a.listingId) ?? '?',
      quantity: a.quantity,
      version: a.version,
      attemptNo: a.attemptNo,
      outcome: a.outcome,
      httpStatus: a.httpStatus,
      latencyMs: a.latencyMs,
      error: a.error,
      batchId: a.batchId,
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt?.toISOString() ?? null,
      verifiedAt: a.verifiedAt?.toISOString() ?? null,
    })),
    nextCursor:
      rows.length > f.limit && last ? encodeCursor(sortCursor(sort, kind, last[sort.field], String(last.id))) : null,
  }
}
