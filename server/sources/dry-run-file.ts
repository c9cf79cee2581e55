// Settings -> Sources -> "Try a file": a sample file read exactly as the inbox would read it from
// this source, with the source's current settings and catalogue, showing the events it would
// produce or each line's error. Nothing is stored or applied (no raw message, no ledger, no dead
// letter): only reads.
import crypto from 'node:crypto'
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { CsvSyntaxError } from '../ingest/formats/csv'
import { parseSnapshotRow } from '../ingest/formats/snapshot-rows'
import { readCsvRows } from '../ingest/formats/csv'
import { readNdjson } from '../ingest/formats/ndjson'
import { SNAPSHOT_CSV_ALLOWED_COLUMNS, SNAPSHOT_CSV_REQUIRED_COLUMNS } from '../ingest/formats/snapshot-rows'
import { isMapped } from '../ingest/formats/mapped-rows'
import { fileKind } from '../ingest/inbox/inbox-files'
import { FileRefused, headLooksLikeSnapshot, rowsOf } from '../ingest/inbox/ingest-file'
import { prepareFileRows, type Row } from '../ingest/inbox/file-rows'
import { MAX_EVENTS_PER_BATCH } from '../ingest/event.schema'
import { getSource } from './list-sources'
import { SourceSettingsSchema, type SourceSettings } from './source-settings.schema'
import { SourceCodeSchema } from './save-source'

export const MAX_DRY_RUN_BYTES = 900 * 1024
/** Rows listed in the answer; the totals count them all. */
export const MAX_DRY_RUN_ROWS_SHOWN = 500

export const DryRunFileInputSchema = z
  .object({
    code: SourceCodeSchema,
    fileName: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(/^[^/\\\u0000]+$/, 'a file name, without folders'),
    content: z
      .string()
      .min(1, 'the file is empty')
      .refine(
        (s) => Buffer.byteLength(s) <= MAX_DRY_RUN_BYTES,
        `a sample is at most ${MAX_DRY_RUN_BYTES / 1024} KiB; drop larger files in the inbox`,
      ),
    /** Settings to try instead of the stored ones (the form being edited); omitted = the stored settings. */
    settings: SourceSettingsSchema.optional(),
  })
  .strict()

export interface DryRunEvent {
  line: number
  unit: 'line' | 'segment'
  idempotencyKey: string
  type: string
  sku: string
  location: string
  /** In base units. */ quantity: number
  /** As the file wrote it, e.g. "3 CA". */ written: string
  occurredAt: string
  reference: string | null
}
export interface DryRunError {
  line: number
  unit: 'line' | 'segment'
  code: string
  message: string
}
export interface DryRunResult {
  source: string
  fileName: string
  format: 'csv' | 'ndjson' | 'edi846' | 'unsupported'
  kind: 'events' | 'snapshot' | null
  /** Why the whole file would be refused (nothing would apply), if so. */
  refused: string | null
  events: DryRunEvent[]
  errors: DryRunError[]
  totals: { events: number; errors: number }
  /** Snapshot files: rows read (they are compared with positions, not applied as events). */
  snapshotRows?: number
}

export async function dryRunFile(db: PrismaClient, raw: unknown): Promise<DryRunResult> {
  const input = parseInput(DryRunFileInputSchema, raw)
  const source = await getSource(db, input.code)
  const settings: SourceSettings = input.settings ?? source.settings
  const format = fileKind(input.fileName)
  const result: DryRunResult = {
    source: input.code,
    fileName: input.fileName,
    format,
    kind: null,
    refused: null,
    events: [],
    errors: [],
    totals: { events: 0, errors: 0 },
  }
  const addError = (e: DryRunError) => {
    result.totals.errors++
    if (result.errors.length < MAX_DRY_RUN_ROWS_SHOWN) result.errors.push(e)
  }
  if (format === 'unsupported') {
    result.refused = `${input.fileName}: unsupported file type. Drop .csv or .ndjson (events or snapshots) or .edi/.x12/.846 (EDI X12 846).`
    return result
  }
  const mapping = format === 'csv' ? settings.csv : format === 'ndjson' ? settings.ndjson : null
  if (
    format !== 'edi846' &&
    mapping &&
    !isMapped(mapping) &&
    (format !== 'csv' || settings.csv.delimiter === ',') &&
    headLooksLikeSnapshot(input.content, format)
  ) {
    result.kind = 'snapshot'
    result.snapshotRows = 0
    await dryRunSnapshotRows(input, format, result, addError)
    return result
  }
  await dryRunEvents(db, input, format, settings, result, addError)
  result.errors.sort((a, b) => a.line - b.line)
  return result
}

type DryRunInput = { code: string; fileName: string; content: string }

/** A snapshot file: each row read and parsed (snapshots are compared with positions, not applied as events). */
async function dryRunSnapshotRows(
  input: DryRunInput,
  format: 'csv' | 'ndjson',
  result: DryRunResult,
  addError: (e: DryRunError) => void,
): Promise<void> {
  try {
    const rows =
      format === 'csv'
        ? readCsvRows([input.content], {
            required: [...SNAPSHOT_CSV_REQUIRED_COLUMNS],
            allowed: [...SNAPSHOT_CSV_ALLOWED_COLUMNS],
          })
        : (async function* () {
            for await (const r of readNdjson([input.content]))
              yield r.error !== undefined ? { line: r.line, error: r.error } : { line: r.line, values: r.value }
          })()
    for await (const r of rows as AsyncIterable<{ line: number; values?: unknown; error?: string }>) {
      result.snapshotRows = (result.snapshotRows ?? 0) + 1
      if (r.error !== undefined) {
        addError({ line: r.line, unit: 'line', code: 'INVALID_JSON', message: r.error })
        continue
      }
      const p = parseSnapshotRow(r.values, r.line)
      if (!p.ok) addError({ line: r.line, unit: 'line', code: p.code, message: p.message })
    }
  } catch (e) {
    if (e instanceof CsvSyntaxError) result.refused = `${input.fileName}: ${e.message}`
    else throw e
  }
}

/** An events file: rows parsed and resolved in batches as the ingest would, nothing written. */
async function dryRunEvents(
  db: PrismaClient,
  input: DryRunInput,
  format: Exclude<DryRunResult['format'], 'unsupported'>,
  settings: SourceSettings,
  result: DryRunResult,
  addError: (e: DryRunError) => void,
): Promise<void> {
  result.kind = 'events'
  const ctx = {
    fileHash: crypto.createHash('sha256').update(input.content).digest('hex'),
    receivedAt: new Date().toISOString(),
  }
  let chunk: Row[] = []
  let offset = 0
  const flush = async () => {
    const { good, unreadable, prepared, rowOf } = await prepareFileRows(db, input.code, chunk, offset)
    for (const r of unreadable)
      addError({
        line: r.line,
        unit: r.unit ?? 'line',
        code: r.code ?? 'INVALID_ROW',
        message: r.error ?? 'unreadable.',
      })
    for (const rj of prepared.rejected) {
      const row = rowOf(rj.index)
      addError({ line: row.line, unit: row.unit ?? 'line', code: rj.code, message: rj.message })
    }
    prepared.resolved.forEach((e, i) => {
      const row = rowOf(e.index)
      result.totals.events++
      if (result.events.length < MAX_DRY_RUN_ROWS_SHOWN) {
        result.events.push({
          line: row.line,
          unit: row.unit ?? 'line',
          idempotencyKey: e.idempotencyKey,
          type: e.type,
          sku: prepared.skuCodes[i],
          location: e.location,
          quantity: e.baseQuantity,
          written: `${e.quantity} ${e.uom}`,
          occurredAt: e.occurredAt.toISOString(),
          reference: e.reference,
        })
      }
    })
    offset += good.length
    chunk = []
  }
  try {
    for await (const row of rowsOf(db, input.code, [input.content], format, settings, ctx)) {
      chunk.push(row)
      if (chunk.length >= MAX_EVENTS_PER_BATCH) await flush()
    }
    await flush()
    if (result.totals.events + result.totals.errors === 0)
      result.refused = `${input.fileName}: the file holds no events.`
  } catch (e) {
    if (e instanceof FileRefused || e instanceof CsvSyntaxError) {
      result.refused = `${input.fileName}: ${e.message}`
      result.events = []
      result.totals.events = 0
    } else throw e
  }
}
