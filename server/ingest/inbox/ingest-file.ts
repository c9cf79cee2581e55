// The `ingest-file` job: one dropped file, already stored raw, through the same use case as the
// API. An events file (CSV, NDJSON, EDI 846) applies in ONE transaction: every valid row is
// recorded and applied with per-row rejections kept as dead letters, or (the file as a whole is
// unreadable, or the worker dies) nothing is. Idempotency keys make a re-run after a crash a no-op
// for what was already committed. A snapshot file goes to the reconciliation stage instead.
import path from 'node:path'
import type { InboundMessage, PrismaClient } from '@prisma/client'
import { transaction, withDeadlockRetry } from '../../db'
import { readRaw } from '../raw-store'
import { CsvSyntaxError } from '../formats/csv'
import { readEventCsvRows } from '../formats/event-rows'
import { readNdjson } from '../formats/ndjson'
import { Edi846Reader, type Edi846Line } from '../formats/edi846'
import { resolveEdi846Lines, unresolvedEdi846Event } from './edi846-events'
import { MAX_EVENTS_PER_BATCH } from '../event.schema'
import { applyPreparedEvents } from '../ingest-events'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from '../dead-letters.repository'
import { processSnapshot } from '../../reconciliation/process-snapshot'
import { snapshotForMessage } from '../../reconciliation/snapshot-reads'
import { emitStockChanged } from '../../realtime/publisher'
import { claimedName, fileKind, settleFile, snapshotModeFromName } from './inbox-files'
import { prepareFileRows, type Row } from './file-rows'
import { config } from '../../env'
import { recordOrderExceptionItems } from '../../exceptions/record-order-exceptions'
import type { Db } from '../../db'
import { sourceSettings } from '../../sources/list-sources'
import { DEFAULT_SOURCE_SETTINGS, type SourceSettings } from '../../sources/source-settings.schema'
import { isMapped, mapRecord, readMappedCsvRows, type MappingContext } from '../formats/mapped-rows'

export interface IngestFileResult {
  outcome: 'processed' | 'failed' | 'already-done' | 'missing'
  kind?: 'events' | 'snapshot'
  accepted?: number
  duplicates?: number
  rejected?: number
  snapshotId?: string
  error?: string
  movedTo?: string | null
}

/** A reason the whole file is refused (nothing applied). */
export class FileRefused extends Error {}

/** One row of a file; `unit` says how its position is named in reports (EDI counts segments). */

/** Largest EDI file read (characters); bigger ones are refused whole, asking to split them. */
const MAX_EDI_FILE_CHARS = 64 * 1024 * 1024

const FINISHED = new Set(['processed', 'partially_rejected', 'rejected'])

/** One claimed file: its stored message, where it lies, and the name it was claimed under. */
interface ClaimedFile {
  msg: InboundMessage
  sourceDir: string
  claimed: string
}
type IngestFileOptions = {
  inboxDir: string
  maxFileEvents?: number
  /** EDI size cap in characters (default 64 Mi). */ maxEdiChars?: number
}
type RowRejection = { index: number; code: string; message: string; raw: unknown; sku?: string | null }
type EventsSummary = {
  accepted: number
  duplicates: number
  rejected: Array<{ line: number; code: string; message: string }>
  skuCodes: string[]
}

/** The job: settle a file committed before a crash, refuse what cannot be read, else route it by kind. */
export async function ingestFile(
  db: PrismaClient,
  messageId: string,
  opts: IngestFileOptions,
): Promise<IngestFileResult> {
  const msg = await db.inboundMessage.findUnique({ where: { id: messageId } })
  if (!msg || !msg.fileName) return { outcome: 'missing' }
  const sourceDir = path.join(opts.inboxDir, msg.source)
  const claimed = claimedName(msg.id, msg.fileName)
  if (FINISHED.has(msg.status)) {
    // Committed before a crash, not yet moved: move it now.
    const movedTo = settleFile(sourceDir, claimed, msg.status === 'rejected' ? 'failed' : 'processed', msg.error)
    return { outcome: 'already-done', movedTo }
  }
  if (msg.status === 'storing') throw new Error(`File ${msg.fileName} is still being stored; retrying.`)

  const kind = fileKind(msg.fileName)
  if (kind === 'unsupported')
    return refuse(
      db,
      msg.id,
      sourceDir,
      claimed,
      `${msg.fileName}: unsupported file type. Drop .csv or .ndjson (events or snapshots) or .edi/.x12/.846 (EDI X12 846).`,
    )
  if (msg.chunks === 0 && msg.body === '')
    return refuse(db, msg.id, sourceDir, claimed, `${msg.fileName}: the file is empty.`)
  const file: ClaimedFile = { msg, sourceDir, claimed }

  // ERP order exceptions (server/exceptions): `*order-exceptions*.ndjson`, one exception per line.
  if (kind === 'ndjson' && /order-exceptions/i.test(msg.fileName)) return ingestOrderExceptionsFile(db, file)

  // How this source writes its files (column maps, delimiter, ...); defaults when never configured.
  const settings = await sourceSettings(db, msg.source)
  const mapping = kind === 'csv' ? settings.csv : kind === 'ndjson' ? settings.ndjson : null
  const snapshotShaped = mapping !== null && !isMapped(mapping) && (kind !== 'csv' || settings.csv.delimiter === ',')
  if (kind !== 'edi846' && snapshotShaped && (await looksLikeSnapshot(db, msg.id, kind)))
    return ingestSnapshotFile(db, file, kind)
  return ingestEventsFile(db, file, kind, settings, opts)
}

async function ingestOrderExceptionsFile(
  db: PrismaClient,
  { msg, sourceDir, claimed }: ClaimedFile,
): Promise<IngestFileResult> {
  const items: Array<{ index: number; raw: unknown }> = []
  const unreadable: Array<{ index: number; code: string; message: string; raw: unknown }> = []
  // Always in Stocktower's own shape: a source's column map is for its stock files, not for these.
  for await (const row of fileRows(db, msg.source, msg.id, 'ndjson', DEFAULT_SOURCE_SETTINGS, {
    fileHash: msg.sha256 ?? msg.id,
    receivedAt: msg.receivedAt.toISOString(),
  })) {
    if (row.event) items.push({ index: row.line, raw: row.event })
    else
      unreadable.push({
        index: row.line,
        code: row.code ?? 'INVALID_ROW',
        message: withPosition(row, row.error ?? 'unreadable.'),
        raw: null,
      })
  }
  if (unreadable.length > 0) await recordIngestDeadLetters(db, msg.id, msg.source, unreadable)
  const r = await recordOrderExceptionItems(db, msg.source, items, msg.id, msg.receivedAt)
  const rejected = [
    ...unreadable.map(({ index, code, message }) => ({ line: index, code, message })),
    ...r.rejected.map((x) => ({ line: x.index, code: x.code, message: x.message })),
  ]
  const allRejected = r.accepted + r.duplicates === 0
  await db.inboundMessage.update({
    where: { id: msg.id },
    data: {
      status: rejected.length === 0 ? 'processed' : allRejected ? 'rejected' : 'partially_rejected',
      accepted: r.accepted,
      duplicates: r.duplicates,
      rejected: rejected.length,
    },
  })
  const report =
    rejected.length === 0
      ? null
      : `${msg.fileName}: ${rejected.length} exception(s) rejected\n${rejected.map((x) => reportLine(x)).join('\n')}`
  return settleEventsFile(sourceDir, claimed, report, {
    accepted: r.accepted,
    duplicates: r.duplicates,
    rejected: rejected.length,
  })
}

/** A snapshot file goes to the reconciliation stage (compared with positions, not applied). */
async function ingestSnapshotFile(
  db: PrismaClient,
  { msg, sourceDir, claimed }: ClaimedFile,
  kind: 'csv' | 'ndjson',
): Promise<IngestFileResult> {
  const fileName = msg.fileName!
  const snapshotId = await snapshotForMessage(db, {
    source: msg.source,
    mode: snapshotModeFromName(fileName),
    format: kind,
    messageId: msg.id,
    fileName,
    asOf: msg.receivedAt,
    autoCorrectUnits: config().snapshotAutoCorrectUnits,
  })
  const r = await processSnapshot(db, snapshotId)
  if (r.status === 'failed') {
    const s = await db.snapshot.findUnique({ where: { id: snapshotId }, select: { error: true } })
    return {
      ...(await refuse(
        db,
        msg.id,
        sourceDir,
        claimed,
        `${fileName}: ${s?.error ?? 'the snapshot could not be read.'}`,
      )),
      kind: 'snapshot',
      snapshotId,
    }
  }
  const errorText = r.rejectedRows > 0 ? await deadLetterReport(db, msg.id, fileName) : null
  await db.inboundMessage.update({
    where: { id: msg.id },
    data: { status: r.rejectedRows > 0 ? 'partially_rejected' : 'processed', rejected: r.rejectedRows, error: null },
  })
  const movedTo = settleFile(sourceDir, claimed, 'processed', errorText)
  return { outcome: 'processed', kind: 'snapshot', snapshotId, rejected: r.rejectedRows, movedTo }
}

/** Events: the whole file in one transaction, then the file moved with its report. */
async function ingestEventsFile(
  db: PrismaClient,
  { msg, sourceDir, claimed }: ClaimedFile,
  kind: 'csv' | 'ndjson' | 'edi846',
  settings: SourceSettings,
  opts: IngestFileOptions,
): Promise<IngestFileResult> {
  let summary: EventsSummary
  try {
    summary = await withDeadlockRetry(() =>
      transaction(db, (tx) => applyEventsFile(tx, msg, kind, settings, opts), { timeoutMs: 15 * 60_000 }),
    )
  } catch (e) {
    if (e instanceof FileRefused || e instanceof CsvSyntaxError)
      return refuse(db, msg.id, sourceDir, claimed, `${msg.fileName}: ${e.message}`)
    throw e // transient (database): the job retries; nothing of this file was committed
  }
  if (summary.accepted > 0) emitStockChanged(summary.skuCodes)
  if (summary.rejected.length > 0) emitIngestDeadLettersChanged()
  const allRejected = summary.accepted + summary.duplicates === 0
  const report =
    summary.rejected.length === 0
      ? null
      : `${msg.fileName}: ${summary.rejected.length} row(s) rejected${allRejected ? ' (none applied)' : `; ${summary.accepted} applied, ${summary.duplicates} duplicate(s)`}\n` +
        summary.rejected.map((r) => reportLine(r)).join('\n')
  const counts = { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected.length }
  return settleEventsFile(sourceDir, claimed, report, counts)
}

/** A file of rows done: to failed/ when no row applied, else processed/, with its report beside it. */
function settleEventsFile(
  sourceDir: string,
  claimed: string,
  report: string | null,
  counts: { accepted: number; duplicates: number; rejected: number },
): IngestFileResult {
  const allRejected = counts.accepted + counts.duplicates === 0
  const movedTo = settleFile(sourceDir, claimed, allRejected ? 'failed' : 'processed', report)
  return { outcome: allRejected ? 'failed' : 'processed', kind: 'events', ...counts, movedTo }
}

/** Inside the file's transaction: rows in chunks of MAX_EVENTS_PER_BATCH through the events use case, rejections as dead letters, the message's outcome. */
async function applyEventsFile(
  tx: Db,
  msg: InboundMessage,
  kind: 'csv' | 'ndjson' | 'edi846',
  settings: SourceSettings,
  opts: IngestFileOptions,
): Promise<EventsSummary> {
  const receivedAt = msg.receivedAt
  const totals = { accepted: 0, duplicates: 0, offset: 0 }
  let total = 0
  const rejected: RowRejection[] = []
  const skuCodes: string[] = []
  let chunk: Row[] = []
  const apply = async () => {
    if (chunk.length === 0) return
    await applyChunk(tx, msg, chunk, totals, rejected, skuCodes)
    chunk = []
  }
  for await (const row of fileRows(tx, msg.source, msg.id, kind, settings, {
    fileHash: msg.sha256 ?? msg.id,
    receivedAt: receivedAt.toISOString(),
    maxEdiChars: opts.maxEdiChars,
  })) {
    if (++total > (opts.maxFileEvents ?? 1_000_000))
      throw new FileRefused(`more than ${opts.maxFileEvents ?? 1_000_000} events in one file; split it.`)
    chunk.push(row)
    if (chunk.length >= MAX_EVENTS_PER_BATCH) await apply()
  }
  await apply()
  if (total === 0) throw new FileRefused('the file holds no events.')
  const { accepted, duplicates } = totals
  rejected.sort((a, b) => a.index - b.index)
  await recordIngestDeadLetters(tx, msg.id, msg.source, rejected)
  const status = rejected.length === 0 ? 'processed' : accepted + duplicates === 0 ? 'rejected' : 'partially_rejected'
  // The message keeps a short summary; the .error.txt beside the file lists every rejected row.
  const errorText =
    rejected.length === 0
      ? null
      : `${rejected.length} row(s) rejected; first: ${rejected
          .slice(0, 20)
          .map((r) => reportLine({ line: r.index, code: r.code, message: r.message }))
          .join(' | ')}`
  await tx.inboundMessage.update({
    where: { id: msg.id },
    data: { status, accepted, duplicates, rejected: rejected.length, error: errorText },
  })
  return {
    accepted,
    duplicates,
    rejected: rejected.map((r) => ({ line: r.index, code: r.code, message: r.message })),
    skuCodes,
  }
}

/** One chunk of rows: unreadable rows rejected, the rest prepared and applied; rejections reported by file line. */
async function applyChunk(
  tx: Db,
  msg: InboundMessage,
  chunk: Row[],
  totals: { accepted: number; duplicates: number; offset: number },
  rejected: RowRejection[],
  skuCodes: string[],
): Promise<void> {
  const { offset } = totals
  const { good, unreadable, prepared, rowOf } = await prepareFileRows(tx, msg.source, chunk, offset)
  for (const r of unreadable)
    rejected.push({
      index: r.line,
      code: r.code ?? 'INVALID_ROW',
      message: withPosition(r, r.error ?? 'unreadable.'),
      raw: r.raw ?? null,
      sku: r.sku ?? null,
    })
  // Rejections are reported by file line.
  for (const rj of prepared.rejected) {
    const row = rowOf(rj.index)
    rejected.push({ ...rj, index: row.line, message: withPosition(row, rj.message) })
  }
  const r = await applyPreparedEvents(tx, msg.source, prepared, msg.id, msg.receivedAt)
  for (const rj of r.rejected) {
    const row = rowOf(rj.index)
    rejected.push({ ...rj, index: row.line, message: withPosition(row, rj.message) })
  }
  totals.accepted += r.accepted
  totals.duplicates += r.duplicates
  skuCodes.push(...prepared.skuCodes)
  totals.offset += good.length
}

/** "line 12: ..." (or "segment 9: ..." for EDI), once, whatever the parser already said. */
function withPosition(row: Row, message: string): string {
  const bare = message.replace(/^(?:line|segment) \d+(?: \([^)]*\))?: /, '')
  return storable(`${row.unit ?? 'line'} ${row.line}: ${bare}`)
}

/** "line 12: UNKNOWN_SKU: Unknown SKU ..." for the .error.txt. */
function reportLine(r: { line: number; code: string; message: string }): string {
  const m = /^((?:line|segment) \d+): ([\s\S]*)$/.exec(r.message)
  return m ? `${m[1]}: ${r.code}: ${m[2]}` : `line ${r.line}: ${r.code}: ${r.message}`
}

export async function* fileRows(
  db: Parameters<typeof readRaw>[0],
  source: string,
  messageId: string,
  kind: 'csv' | 'ndjson' | 'edi846',
  settings: SourceSettings,
  ctx: ReadContext,
): AsyncGenerator<Row> {
  yield* rowsOf(db, source, readRaw(db, messageId), kind, settings, ctx)
}

/** A file's rows with the source's settings: events to apply, or per-row errors. Shared with the dry run. */
export type ReadContext = MappingContext & { maxEdiChars?: number }

export async function* rowsOf(
  db: Db,
  source: string,
  raw: AsyncIterable<string> | Iterable<string>,
  kind: 'csv' | 'ndjson' | 'edi846',
  settings: SourceSettings,
  ctx: ReadContext,
): AsyncGenerator<Row> {
  if (kind === 'csv') yield* csvRows(raw, settings, ctx)
  else if (kind === 'ndjson') yield* ndjsonRows(raw, settings, ctx)
  else yield* edi846Rows(db, source, raw, settings, ctx)
}

/** CSV: mapped columns when the source maps them, else the event columns. */
async function* csvRows(
  raw: AsyncIterable<string> | Iterable<string>,
  settings: SourceSettings,
  ctx: ReadContext,
): AsyncGenerator<Row> {
  if (isMapped(settings.csv)) {
    for await (const r of readMappedCsvRows(raw, settings.csv, ctx))
      yield r.error !== undefined ? { line: r.line, error: r.error, code: r.code } : { line: r.line, event: r.event }
    return
  }
  for await (const r of readEventCsvRows(raw, { delimiter: settings.csv.delimiter }))
    yield r.error !== undefined ? { line: r.line, error: r.error } : { line: r.line, event: r.event }
}

/** NDJSON: one object per line, mapped when the source maps its fields. */
async function* ndjsonRows(
  raw: AsyncIterable<string> | Iterable<string>,
  settings: SourceSettings,
  ctx: ReadContext,
): AsyncGenerator<Row> {
  const mapped = isMapped(settings.ndjson)
  for await (const r of readNdjson(raw)) {
    if (r.error !== undefined) yield { line: r.line, error: r.error, code: 'INVALID_JSON' }
    else if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
      yield { line: r.line, error: `line ${r.line}: expected one JSON object per line.` }
    else if (mapped) {
      const m = mapRecord(r.value as Record<string, unknown>, settings.ndjson, ctx, r.line)
      yield m.error !== undefined ? { line: r.line, error: m.error, code: m.code } : { line: r.line, event: m.event }
    } else yield { line: r.line, event: r.value as Record<string, unknown> }
  }
}

/**
 * EDI: streamed through the reader; lines are released per intact transaction set and resolved
 * in batches with the source's settings. A refusal or an envelope error found later (a count
 * mismatch at the end) throws, which rolls back whatever this file already wrote.
 */
async function* edi846Rows(
  db: Db,
  source: string,
  raw: AsyncIterable<string> | Iterable<string>,
  settings: SourceSettings,
  ctx: ReadContext,
): AsyncGenerator<Row> {
  const reader = new Edi846Reader({ maxFileChars: ctx.maxEdiChars ?? MAX_EDI_FILE_CHARS })
  let pending: Edi846Line[] = []
  let errorsSeen = 0
  const flush = async function* (): AsyncGenerator<Row> {
    for (; errorsSeen < reader.lineErrors.length; errorsSeen++) {
      const e = reader.lineErrors[errorsSeen]
      yield { line: e.segmentIndex, unit: 'segment', error: e.message, code: e.code }
    }
    const lines = pending
    pending = []
    const resolved = await resolveEdi846Lines(db, source, lines, settings.edi846)
    for (const [i, r] of resolved.entries()) {
      if (r.ok) yield { line: r.segmentIndex, unit: 'segment', event: { ...r.event } }
      else
        yield {
          line: r.segmentIndex,
          unit: 'segment',
          error: r.message,
          code: r.code,
          raw: unresolvedEdi846Event(lines[i]),
          sku: lines[i].itemIds[0]?.id,
        }
    }
  }
  for await (const part of raw) {
    for (const l of reader.push(part)) pending.push(l)
    const r = refusalOf(reader)
    if (r) throw r
    if (pending.length >= 1000) yield* flush()
  }
  for (const l of reader.end()) pending.push(l)
  const r = refusalOf(reader)
  if (r) throw r
  yield* flush()
}

/** The reader's refusal, or its envelope errors (the first 20), as the file's refusal; null while it reads. */
function refusalOf(reader: Edi846Reader): FileRefused | null {
  if (reader.refusal) return new FileRefused(reader.refusal.message)
  if (reader.envelopeErrors.length > 0) {
    const errs = [...reader.envelopeErrors].sort((a, b) => a.segmentIndex - b.segmentIndex)
    return new FileRefused(
      `malformed envelope: ${errs
        .slice(0, 20)
        .map((e) => `${e.code}: ${e.message}`)
        .join('; ')}${errs.length > 20 ? `; and ${errs.length - 20} more` : ''}`,
    )
  }
  return null
}

/** A CSV whose header has on_hand, or NDJSON whose first object has on_hand/onHand and no type, is a snapshot. */
async function looksLikeSnapshot(db: PrismaClient, messageId: string, kind: 'csv' | 'ndjson'): Promise<boolean> {
  let head = ''
  for await (const part of readRaw(db, messageId)) {
    head += part
    if (head.includes('\n') || head.length > 65536) break
  }
  return headLooksLikeSnapshot(head, kind)
}

/** The start of a file (its first line at least) tells a snapshot from an events file. */
export function headLooksLikeSnapshot(head: string, kind: 'csv' | 'ndjson'): boolean {
  const firstLine =
    head
      .slice(0, 65536)
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() !== '') ?? ''
  if (kind === 'csv') {
    const cols = firstLine
      .toLowerCase()
      .split(',')
      .map((c) => c.trim().replace(/^"|"$/g, ''))
    return cols.includes('on_hand') && !cols.includes('type')
  }
  try {
    const v = JSON.parse(firstLine) as Record<string, unknown>
    return typeof v === 'object' && v !== null && ('on_hand' in v || 'onHand' in v) && !('type' in v)
  } catch {
    return false
  }
}

/** PostgreSQL text cannot hold NUL; a reason quoting a file's bytes must still be storable. */
function storable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text
}

async function refuse(
  db: PrismaClient,
  messageId: string,
  sourceDir: string,
  claimed: string,
  rawReason: string,
): Promise<IngestFileResult> {
  const reason = storable(rawReason)
  await db.inboundMessage.update({ where: { id: messageId }, data: { status: 'rejected', error: reason } })
  const m = await db.inboundMessage.findUnique({ where: { id: messageId }, select: { source: true } })
  await recordIngestDeadLetters(db, messageId, m?.source ?? null, [
    { index: -1, code: 'FILE_REFUSED', message: reason, raw: null },
  ])
  emitIngestDeadLettersChanged()
  const movedTo = settleFile(sourceDir, claimed, 'failed', `${reason}\nNothing from this file was applied.`)
  return { outcome: 'failed', error: reason, movedTo }
}

async function deadLetterReport(db: PrismaClient, messageId: string, fileName: string): Promise<string> {
  const rows = await db.deadLetter.findMany({
    where: { inboundMessageId: messageId },
    orderBy: { firstSeenAt: 'asc' },
    take: 10_000,
    select: { code: true, reason: true },
  })
  return `${fileName}: ${rows.length} row(s) rejected\n` + rows.map((r) => `${r.code}: ${r.reason}`).join('\n')
}
