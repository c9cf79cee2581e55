// Events as CSV rows: the same fields as the API's JSON events (docs/api.md "Inventory events"),
// one column each. This module only reshapes a row into the API's raw event object; parseEvent
// then validates it, so a file row and an API event are rejected with the same codes.
// NDJSON event files need no mapping: each line already is an API event object.
import { CsvSyntaxError, readCsv, type CsvOptions } from './csv'

/** The CSV columns, in snake_case, each naming one field of the API's event object. */
export const EVENT_CSV_COLUMNS = [
  'idempotency_key',
  'type',
  'sku',
  'location',
  'quantity',
  'uom',
  'occurred_at',
  'source_seq',
  'reference',
  'to_location',
] as const
export type EventCsvColumn = (typeof EVENT_CSV_COLUMNS)[number]

/** Columns a header must have: a file lacking one is unusable as a whole, not row by row. */
export const EVENT_CSV_REQUIRED_COLUMNS: readonly EventCsvColumn[] = [
  'idempotency_key',
  'type',
  'sku',
  'location',
  'quantity',
  'occurred_at',
]

/** CSV column to the API field it fills. */
export const EVENT_FIELD_BY_COLUMN: Readonly<Record<EventCsvColumn, string>> = {
  idempotency_key: 'idempotencyKey',
  type: 'type',
  sku: 'sku',
  location: 'location',
  quantity: 'quantity',
  uom: 'uom',
  occurred_at: 'occurredAt',
  source_seq: 'sourceSeq',
  reference: 'reference',
  to_location: 'toLocation',
}

/**
 * Every accepted header spelling (compared lower-cased, as readCsvRows lower-cases headers) to its
 * snake_case column: `occurred_at`, `occurredAt` and `OccurredAt` are all `occurred_at`.
 */
export const EVENT_CSV_HEADER_ALIASES: Readonly<Record<string, EventCsvColumn>> = Object.fromEntries(
  EVENT_CSV_COLUMNS.flatMap(
    (c) =>
      [
        [c, c],
        [EVENT_FIELD_BY_COLUMN[c].toLowerCase(), c],
      ] as Array<[string, EventCsvColumn]>,
  ),
)

const INTEGER = /^[+-]?\d+$/

/**
 * Maps one CSV row (header name to cell, names in either spelling) to the API's raw event object.
 * Empty cells are omitted, so a missing required field gets parseEvent's MISSING_FIELD. quantity and
 * source_seq become numbers only when they are integers; anything else stays a string so parseEvent
 * rejects it with its own precise code (INVALID_QUANTITY, INVALID_FIELD) instead of a guess here.
 */
export function eventFromCsvRow(values: Record<string, string | undefined>): Record<string, unknown> {
  const event: Record<string, unknown> = {}
  for (const [name, cell] of Object.entries(values)) {
    const column = EVENT_CSV_HEADER_ALIASES[name.trim().toLowerCase()]
    if (!column || cell === undefined) continue
    const text = cell.trim()
    if (text === '') continue
    const field = EVENT_FIELD_BY_COLUMN[column]
    event[field] = (column === 'quantity' || column === 'source_seq') && INTEGER.test(text) ? Number(text) : text
  }
  return event
}

/**
 * Checks an events CSV header: maps each name to its snake_case column and names what is missing,
 * unknown or repeated (`idempotency_key` and `idempotencyKey` together is a repeat).
 */
export function normalizeEventCsvHeader(
  header: string[],
): { ok: true; columns: Array<EventCsvColumn | null> } | { ok: false; message: string } {
  const names = header.map((h) => h.trim())
  const columns = names.map((n) => (n === '' ? null : (EVENT_CSV_HEADER_ALIASES[n.toLowerCase()] ?? null)))
  const unknown = names.filter((n, i) => n !== '' && columns[i] === null)
  if (unknown.length > 0)
    return {
      ok: false,
      message: `unknown column(s) ${unknown.join(', ')}; allowed: ${EVENT_CSV_COLUMNS.join(', ')} (or their camelCase names).`,
    }
  const seen = new Set<string>()
  for (const c of columns) {
    if (c === null) continue
    if (seen.has(c))
      return {
        ok: false,
        message: `the column ${c} appears twice in the header (snake_case and camelCase name the same column).`,
      }
    seen.add(c)
  }
  const missing = EVENT_CSV_REQUIRED_COLUMNS.filter((c) => !seen.has(c))
  if (missing.length > 0)
    return {
      ok: false,
      message: `the header lacks the column(s) ${missing.join(', ')} (found: ${names.filter(Boolean).join(', ') || 'nothing'}).`,
    }
  return { ok: true, columns }
}

export type EventCsvRow =
  | { line: number; event: Record<string, unknown>; error?: undefined }
  | { line: number; error: string; event?: undefined }

/**
 * Reads an events CSV: header checked by normalizeEventCsvHeader, then one `{ line, event }` per
 * row, `event` being the raw API object for parseEvent. A row with more cells than the header
 * (typically an unquoted comma in `reference`) is yielded as `{ line, error }` so it is rejected
 * alone. Throws CsvSyntaxError (naming the line) for a broken header or broken quoting, after
 * which nothing in the file can be trusted to line up.
 */
export async function* readEventCsvRows(
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  opts: CsvOptions = {},
): AsyncGenerator<EventCsvRow> {
  let columns: Array<EventCsvColumn | null> | null = null
  for await (const rec of readCsv(input, opts)) {
    if (!columns) {
      const h = normalizeEventCsvHeader(rec.fields)
      if (!h.ok) throw new CsvSyntaxError(rec.line, h.message)
      columns = h.columns
      continue
    }
    if (rec.fields.length > columns.length) {
      yield {
        line: rec.line,
        error: `line ${rec.line}: ${rec.fields.length} cells but the header has ${columns.length} columns; quote a cell that contains a comma.`,
      }
      continue
    }
    const values: Record<string, string> = {}
    rec.fields.forEach((f, i) => {
      const c = columns![i]
      if (c) values[c] = f
    })
    yield { line: rec.line, event: eventFromCsvRow(values) }
  }
  if (!columns) throw new CsvSyntaxError(1, 'the file is empty; a header row is required.')
}
