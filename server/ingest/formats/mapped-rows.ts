// Files in a sender's own columns (an ERP's stock export: `Item Number;Warehouse;Qty On Hand`) to
// the API's raw event objects, with the source's column map, fixed values, decimal separator and
// date format (server/sources/source-settings.schema.ts). parseEvent then validates each event, so
// a mapped row and an API event are refused with the same codes. Pure.
import { CsvSyntaxError, readCsv } from './csv'
import type { DateFormat, EventField, FileMapping } from '../../sources/source-settings.schema'

export interface MappingContext {
  /** Idempotency keys for rows without one: `file:<hash of the file>:<line>`; a re-drop is all duplicates. */
  fileHash: string
  /** occurredAt for rows without one: when the file was received. */
  receivedAt: string
}

export type MappedRow =
  | { line: number; event: Record<string, unknown>; error?: undefined; code?: undefined }
  | { line: number; error: string; code: string; event?: undefined }

/** True when the mapping has a column map: the file is read in the sender's columns. */
export function isMapped(m: FileMapping): boolean {
  return !!m.columns && Object.keys(m.columns).length > 0
}

const DATE_PATTERNS: Record<Exclude<DateFormat, 'iso'>, { re: RegExp; order: [number, number, number] }> = {
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{2})-(\d{2})/, order: [1, 2, 3] },
  'DD/MM/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})/, order: [3, 2, 1] },
  'MM/DD/YYYY': { re: /^(\d{2})\/(\d{2})\/(\d{4})/, order: [3, 1, 2] },
  'DD.MM.YYYY': { re: /^(\d{2})\.(\d{2})\.(\d{4})/, order: [3, 2, 1] },
  YYYYMMDD: { re: /^(\d{4})(\d{2})(\d{2})/, order: [1, 2, 3] },
}
const TIME = /^[ T](\d{2}):(\d{2})(?::(\d{2}))?$/

/** A date in the source's format (optionally followed by ` HH:MM[:SS]`, UTC) to ISO-8601; null when it does not match. */
export function parseMappedDate(text: string, format: DateFormat): string | null {
  const v = text.trim()
  if (v.length > 40) return null
  if (format === 'iso') return v
  const p = DATE_PATTERNS[format]
  const m = p.re.exec(v)
  if (!m) return null
  const rest = v.slice(m[0].length)
  const t = rest === '' ? ['', '00', '00', '00'] : TIME.exec(rest)
  if (!t) return null
  const [y, mo, d] = p.order.map((i) => m[i])
  return `${y}-${mo}-${d}T${t[1]}:${t[2]}:${t[3] ?? '00'}Z`
}

/** A quantity with the source's decimal separator to a number; a string (refused by parseEvent) when it is not one. */
export function parseMappedNumber(raw: unknown, decimalSeparator: '.' | ','): number | string {
  if (typeof raw === 'number') return raw
  const v = String(raw).trim()
  const re = decimalSeparator === ',' ? /^[+-]?\d{1,15}(,\d{1,9})?$/ : /^[+-]?\d{1,15}(\.\d{1,9})?$/
  if (!re.test(v)) return v
  return Number(decimalSeparator === ',' ? v.replace(',', '.') : v)
}

/**
 * One record (header or key to value) to a raw event. Unmapped keys are ignored (exports carry many
 * columns); an empty cell leaves the field to the fixed value or the default.
 */
export function mapRecord(
  values: Record<string, unknown>,
  mapping: FileMapping,
  ctx: MappingContext,
  line: number,
): MappedRow {
  const byName = new Map(Object.entries(mapping.columns ?? {}).map(([k, f]) => [k.trim().toLowerCase(), f] as const))
  const event: Partial<Record<EventField, unknown>> = {}
  for (const [key, value] of Object.entries(values)) {
    const field = byName.get(key.trim().toLowerCase())
    if (!field || value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue
    event[field] = typeof value === 'string' ? value.trim() : value
  }
  for (const [field, value] of Object.entries(mapping.fixed ?? {}) as Array<[EventField, unknown]>) {
    if (event[field] === undefined) event[field] = value
  }
  if (event.quantity !== undefined) {
    const q = parseMappedNumber(event.quantity, mapping.decimalSeparator)
    if (typeof q === 'number' && !Number.isInteger(q)) {
      return {
        line,
        code: 'INVALID_QUANTITY',
        error: `line ${line}: quantity ${JSON.stringify(String(event.quantity))} is not a whole number of units; quantities are whole units (use a unit with a conversion, e.g. EA instead of CA).`,
      }
    }
    event.quantity = q
  }
  if (event.sourceSeq !== undefined) event.sourceSeq = parseMappedNumber(event.sourceSeq, '.')
  if (event.occurredAt !== undefined) {
    const iso = parseMappedDate(String(event.occurredAt), mapping.dateFormat)
    if (iso === null)
      return {
        line,
        code: 'INVALID_DATE',
        error: `line ${line}: date ${JSON.stringify(String(event.occurredAt).slice(0, 40))} is not in the source's date format ${mapping.dateFormat} (optionally followed by HH:MM, UTC).`,
      }
    event.occurredAt = iso
  } else event.occurredAt = ctx.receivedAt
  if (event.idempotencyKey === undefined) event.idempotencyKey = `file:${ctx.fileHash.slice(0, 16)}:${line}`
  for (const f of ['idempotencyKey', 'type', 'sku', 'location', 'uom', 'reference', 'toLocation'] as const) {
    if (typeof event[f] === 'number') event[f] = String(event[f])
  }
  return { line, event }
}

/**
 * A CSV in the sender's columns. Every mapped column must be in the header (a renamed column would
 * otherwise silently empty a field); other columns are ignored. Throws CsvSyntaxError for a header
 * that does not fit or broken quoting.
 */
export async function* readMappedCsvRows(
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  mapping: FileMapping & { delimiter?: string },
  ctx: MappingContext,
): AsyncGenerator<MappedRow> {
  let header: string[] | null = null
  for await (const rec of readCsv(input, { delimiter: mapping.delimiter })) {
    if (!header) {
      header = rec.fields.map((f) => f.trim())
      const lower = new Set(header.map((h) => h.toLowerCase()))
      const missing = Object.keys(mapping.columns ?? {}).filter((c) => !lower.has(c.trim().toLowerCase()))
      if (missing.length > 0)
        throw new CsvSyntaxError(
          rec.line,
          `the header lacks the mapped column(s) ${missing.join(', ')} (found: ${header.filter(Boolean).join(', ') || 'nothing'}); check the source's column map and delimiter (${JSON.stringify(mapping.delimiter ?? ',')}).`,
          'MISSING_COLUMN',
        )
      continue
    }
    if (rec.fields.length > header.length) {
      yield {
        line: rec.line,
        code: 'INVALID_ROW',
        error: `line ${rec.line}: ${rec.fields.length} cells but the header has ${header.length} columns; quote a cell that contains the delimiter.`,
      }
      continue
    }
    const values: Record<string, string> = {}
    rec.fields.forEach((f, i) => {
      if (header![i]) values[header![i]] = f
    })
    yield mapRecord(values, mapping, ctx, rec.line)
  }
  if (!header) throw new CsvSyntaxError(1, 'the file is empty; a header row is required.', 'EMPTY_FILE')
}
