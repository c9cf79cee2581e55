// Snapshot read models: one snapshot's progress and findings (GET /api/v1/snapshots/{id}), the
// snapshot a stored raw message became, and the list the Snapshots screen shows. The use case that
// receives a snapshot is receive-snapshot.ts, the job that processes it process-snapshot.ts.
import type { Snapshot } from '@prisma/client'
import type { Db } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import type { SnapshotFormat, SnapshotMode } from './receive-snapshot'

export interface SnapshotView {
  snapshotId: string
  status: string
  mode: string
  format: string
  source: string
  rows: number
  processedRows: number
  rejectedRows: number
  findingsCount: number
  corrected: number
  asOf: string | null
  autoCorrectUnits: number
  error: string | null
  startedAt: string
  completedAt: string | null
  findings: Array<{
    sku: string | null
    location: string | null
    field: string | null
    expected: number | null
    actual: number | null
    variance: number | null
  }>
  nextCursor: string | null
}

/** GET /api/v1/snapshots/{id}: progress and a page of findings (ordered by SKU, location, field). */
export async function getSnapshot(
  db: Db,
  snapshotId: string,
  page: { cursor?: string | null; limit: number },
): Promise<SnapshotView> {
  const s = await db.snapshot.findUnique({ where: { id: snapshotId } })
  if (!s) throw new NotFoundError(`No snapshot ${snapshotId}.`)
  const after = page.cursor ? decodeFindingCursor(page.cursor) : null
  const rows = await db.$queryRawUnsafe<Array<SnapshotView['findings'][number] & { id: string }>>(
    `SELECT id::text, sku, location, field, expected, actual, variance FROM "Finding"
      WHERE "snapshotId" = $1::uuid AND ($2::text IS NULL OR (sku, location, field, id::text) > ($2, $3, $4, $5))
      ORDER BY sku, location, field, id::text LIMIT $6`,
    snapshotId,
    after?.[0] ?? null,
    after?.[1] ?? null,
    after?.[2] ?? null,
    after?.[3] ?? null,
    page.limit + 1,
  )
  const items = rows.slice(0, page.limit)
  const last = items[items.length - 1]
  return {
    ...snapshotProgress(s),
    findings: items.map(({ id: _id, ...f }) => f),
    nextCursor:
      rows.length > page.limit && last
        ? Buffer.from(JSON.stringify([last.sku, last.location, last.field, last.id])).toString('base64url')
        : null,
  }
}

/** A snapshot row as both reads show its progress (the view without its findings page). */
function snapshotProgress(s: Snapshot): Omit<SnapshotView, 'findings' | 'nextCursor'> {
  return {
    snapshotId: s.id,
    status: s.status,
    mode: s.mode,
    format: s.format,
    source: s.source,
    rows: s.rows,
    processedRows: s.processedRows,
    rejectedRows: s.rejectedRows,
    findingsCount: s.findings,
    corrected: s.corrected,
    asOf: s.asOf?.toISOString() ?? null,
    autoCorrectUnits: s.autoCorrectUnits,
    error: s.error,
    startedAt: s.startedAt.toISOString(),
    completedAt: s.completedAt?.toISOString() ?? null,
  }
}

function decodeFindingCursor(raw: string): [string, string, string, string] {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'string'))
      return v as [string, string, string, string]
  } catch {
    /* fall through */
  }
  throw new ValidationError(
    'The cursor is not valid: pass back the nextCursor of a previous page.',
    undefined,
    'INVALID_CURSOR',
  )
}

/** A snapshot read from an already stored raw message (a file drop); the caller runs processSnapshot. */
export async function snapshotForMessage(
  db: Db,
  input: {
    source: string
    mode: SnapshotMode
    format: SnapshotFormat
    messageId: string
    fileName: string | null
    asOf: Date
    autoCorrectUnits?: number
  },
): Promise<string> {
  const existing = await db.snapshot.findFirst({ where: { messageId: input.messageId }, select: { id: true } })
  if (existing) return existing.id
  const s = await db.snapshot.create({
    data: {
      source: input.source,
      mode: input.mode,
      format: input.format,
      messageId: input.messageId,
      fileName: input.fileName,
      asOf: input.asOf,
      autoCorrectUnits: input.autoCorrectUnits ?? 0,
    },
    select: { id: true },
  })
  return s.id
}

export type SnapshotSummary = Omit<SnapshotView, 'findings' | 'nextCursor'> & { fileName: string | null }

/** Recent snapshots, newest first (keyset on start time), with their progress: the reconciliation list. */
export async function listSnapshots(
  db: Db,
  page: { cursor?: string | null; limit: number; source?: string },
): Promise<{ items: SnapshotSummary[]; nextCursor: string | null }> {
  const cursor = decodeCursor(page.cursor)
  const rows = await db.snapshot.findMany({
    where: {
      ...(page.source ? { source: page.source } : {}),
      ...(cursor
        ? {
            OR: [{ startedAt: { lt: new Date(cursor.at) } }, { startedAt: new Date(cursor.at), id: { lt: cursor.id } }],
          }
        : {}),
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
  })
  const items = rows.slice(0, page.limit)
  const last = items[items.length - 1]
  return {
    items: items.map((s) => ({ ...snapshotProgress(s), fileName: s.fileName })),
    nextCursor:
      rows.length > page.limit && last ? encodeCursor({ at: last.startedAt.toISOString(), id: last.id }) : null,
  }
}
