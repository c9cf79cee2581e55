// GET /api/v1/dead-letters: filterable, keyset-paged, newest first; ranked by oversell risk
// (highest first, then newest), which is how support works the list; or sorted on a column
// (server/paging/sort.ts: each column served by an index with the status filter in front).
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ValidationError } from '../errors'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { keysetPage, parseSort, sortCursor, type Sort } from '../paging/sort'
import { fixForDeadLetter, type DeadLetterFix } from './fix-for-dead-letter'

/** Columns dead letters sort on; SKU and channel are nullable (an ingest dead letter may have neither): missing last. */
export const DEAD_LETTER_SORTS = {
  lastSeenAt: 'time',
  code: 'text',
  attempts: 'int',
  sku: 'ntext',
  channel: 'ntext',
} as const
export type DeadLetterSortField = keyof typeof DEAD_LETTER_SORTS
/** `risk` (the support ranking) or a column sort; `recent` is the older name of `-lastSeenAt`. */
export type DeadLetterSort = 'risk' | Sort<DeadLetterSortField>

export function parseDeadLetterSort(
  raw: string | null | undefined,
  dflt: 'risk' | 'recent' = 'recent',
): DeadLetterSort {
  const v = raw || dflt
  if (v === 'risk') return 'risk'
  if (v === 'recent') return { field: 'lastSeenAt', dir: 'desc' }
  try {
    return parseSort(v, DEAD_LETTER_SORTS, { field: 'lastSeenAt', dir: 'desc' })
  } catch (e) {
    if (e instanceof ValidationError)
      throw new ValidationError(`${e.message.replace(/\.$/, '')}, risk or recent.`, undefined, 'INVALID_SORT')
    throw e
  }
}

export interface DeadLetterFilter {
  kind?: string
  status?: string
  sku?: string
  channel?: string
  code?: string
  sort?: 'recent' | 'risk' | Sort<DeadLetterSortField>
  cursor?: string | null
  limit: number
}

export interface DeadLetterItem {
  id: string
  kind: string
  code: string
  reason: string
  sku: string | null
  channel: string | null
  source: string | null
  status: string
  attempts: number
  riskScore: number
  firstSeenAt: string
  lastSeenAt: string
  /** What was kept of the rejected item (the raw event, or the publish that failed) and the stored message it came in. */
  payload: unknown
  inboundMessageId: string | null
  /** How the stored message came in (e.g. transport webhook, kind shopify-orders), when there is one. */
  message?: { kind: string; transport: string } | null
  /** The catalog change that would let it apply, prefilled (null when none applies). */
  fix: DeadLetterFix | null
}

const ANOTHER_SORT = () =>
  new ValidationError(
    'The cursor belongs to another sort order: start from the first page.',
    undefined,
    'INVALID_CURSOR',
  )

export async function listDeadLetters(
  db: Db,
  f: DeadLetterFilter,
): Promise<{ items: DeadLetterItem[]; nextCursor: string | null; total?: number }> {
  if (f.kind && f.kind !== 'ingest' && f.kind !== 'publish')
    throw new ValidationError('"kind" must be ingest or publish.', undefined, 'INVALID_FILTER')
  const cursor = decodeCursor(f.cursor)
  const where: Prisma.DeadLetterWhereInput = {
    ...(f.kind ? { kind: f.kind as 'ingest' | 'publish' } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.code ? { code: f.code } : {}),
  }
  const sort = typeof f.sort === 'object' ? f.sort : parseDeadLetterSort(f.sort)
  const byRisk = sort === 'risk'
  // A risk cursor carries a score and no sort tag; a column sort's cursor carries its tag (or, made
  // by the older `recent` order, neither).
  if (cursor && byRisk !== (cursor.score !== undefined && cursor.sort === undefined)) throw ANOTHER_SORT()
  // The first page carries how many match the filter (all pages).
  const total = cursor ? undefined : db.deadLetter.count({ where: { ...where } })
  const rows = byRisk
    ? await riskPage(db, where, cursor, f.limit)
    : await keysetPage(sort, DEAD_LETTER_SORTS[sort.field], cursor, f.limit, (after, orderBy, take) =>
        db.deadLetter.findMany({ where: { AND: [where, after] }, orderBy, take }),
      )
  const page = rows.slice(0, f.limit)
  const last = page[page.length - 1]
  const messages = await deliveriesOf(db, page)
  return {
    ...(total ? { total: await total } : {}),
    items: page.map((d) => deadLetterItem(d, messages)),
    nextCursor:
      rows.length > f.limit && last
        ? encodeCursor(
            byRisk
              ? { at: last.lastSeenAt.toISOString(), id: last.id, score: last.riskScore }
              : sortCursor(sort, DEAD_LETTER_SORTS[sort.field], last[sort.field], last.id),
          )
        : null,
  }
}

type DeadLetterRow = Awaited<ReturnType<Db['deadLetter']['findMany']>>[number]
type Delivery = { id: string; kind: string; transport: string }

/** Riskiest first, then newest: a cursor continues below its score, or at its score after its time and id. */
async function riskPage(
  db: Db,
  where: Prisma.DeadLetterWhereInput,
  cursor: ReturnType<typeof decodeCursor>,
  limit: number,
): Promise<DeadLetterRow[]> {
  if (cursor) {
    const after: Prisma.DeadLetterWhereInput[] = [
      { lastSeenAt: { lt: new Date(cursor.at) } },
      { lastSeenAt: new Date(cursor.at), id: { lt: cursor.id } },
    ]
    where.OR = [{ riskScore: { lt: cursor.score } }, ...after.map((a) => ({ ...a, riskScore: cursor.score }))]
  }
  return db.deadLetter.findMany({
    where,
    orderBy: [{ riskScore: 'desc' }, { lastSeenAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  })
}

/** How each rejected delivery came in: a marketplace webhook reads differently from a file or a POST. */
async function deliveriesOf(db: Db, page: DeadLetterRow[]): Promise<Delivery[]> {
  const messageIds = [...new Set(page.map((d) => d.inboundMessageId).filter((id): id is string => id !== null))]
  if (messageIds.length === 0) return []
  return db.inboundMessage.findMany({
    where: { id: { in: messageIds } },
    select: { id: true, kind: true, transport: true },
  })
}

function deadLetterItem(d: DeadLetterRow, messages: Delivery[]): DeadLetterItem {
  return {
    id: d.id,
    kind: d.kind,
    code: d.code,
    reason: d.reason,
    sku: d.sku,
    channel: d.channel,
    source: d.source,
    status: d.status,
    attempts: d.attempts,
    riskScore: d.riskScore,
    firstSeenAt: d.firstSeenAt.toISOString(),
    lastSeenAt: d.lastSeenAt.toISOString(),
    payload: d.payload,
    inboundMessageId: d.inboundMessageId,
    fix: fixForDeadLetter(d),
    message: ((m) => (m ? { kind: m.kind, transport: m.transport } : null))(
      messages.find((m) => m.id === d.inboundMessageId),
    ),
  }
}
