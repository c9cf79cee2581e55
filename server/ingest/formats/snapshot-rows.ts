// One row of an on-hand snapshot (docs/api.md "Snapshots"), from CSV (`sku,location,on_hand
// [,quarantined,damaged,allocated]`, cells are strings) or NDJSON (same keys, `onHand` accepted).
// A quantity left out or empty is "not compared", so it is absent from the row, never zero: a
// zero would raise a variance for every position the sender simply does not track.

export const SNAPSHOT_CSV_REQUIRED_COLUMNS = ['sku', 'location', 'on_hand'] as const
export const SNAPSHOT_CSV_ALLOWED_COLUMNS = [
  'sku',
  'location',
  'on_hand',
  'quarantined',
  'damaged',
  'allocated',
] as const

/** Same bound as an event's quantity: a larger count is a unit or keying mistake. */
export const MAX_SNAPSHOT_QUANTITY = 1_000_000_000

export interface SnapshotRow {
  sku: string
  location: string
  onHand?: number
  quarantined?: number
  damaged?: number
  allocated?: number
}

export type SnapshotRowErrorCode =
  'INVALID_ROW' | 'MISSING_FIELD' | 'INVALID_FIELD' | 'UNKNOWN_FIELD' | 'INVALID_QUANTITY'

export type SnapshotRowResult =
  { ok: true; row: SnapshotRow } | { ok: false; code: SnapshotRowErrorCode; message: string }

type QuantityField = 'onHand' | 'quarantined' | 'damaged' | 'allocated'

/** Key in the file to the row's field. NDJSON may say onHand; both spellings in one row is refused. */
const QUANTITY_KEYS: ReadonlyArray<readonly [string, QuantityField]> = [
  ['on_hand', 'onHand'],
  ['onHand', 'onHand'],
  ['quarantined', 'quarantined'],
  ['damaged', 'damaged'],
  ['allocated', 'allocated'],
]
const KNOWN_KEYS = new Set(['sku', 'location', ...QUANTITY_KEYS.map(([k]) => k)])
const WHOLE_NUMBER = /^\d+$/

/**
 * Validates one snapshot row. `values` is a CSV row from readCsvRows (strings keyed by lower-cased
 * header) or one parsed NDJSON value; `line` only serves the message. An unknown key is refused
 * rather than ignored, because a misspelt `on_hnad` would otherwise silently mean "not compared".
 */
export function parseSnapshotRow(values: unknown, line: number): SnapshotRowResult {
  const fail = (code: SnapshotRowErrorCode, message: string): SnapshotRowResult => ({
    ok: false,
    code,
    message: `line ${line}: ${message}`,
  })
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return fail('INVALID_ROW', 'a snapshot row must be an object with sku, location and on_hand.')
  }
  const v = values as Record<string, unknown>
  const unknown = Object.keys(v).filter((k) => !KNOWN_KEYS.has(k))
  if (unknown.length > 0) {
    return fail(
      'UNKNOWN_FIELD',
      `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${SNAPSHOT_CSV_ALLOWED_COLUMNS.join(', ')} (or onHand).`,
    )
  }
  const row: Partial<SnapshotRow> = {}
  for (const f of ['sku', 'location'] as const) {
    const raw = v[f]
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
      return fail('MISSING_FIELD', `"${f}" is required.`)
    if (typeof raw !== 'string') return fail('INVALID_FIELD', `"${f}" must be a string (got ${JSON.stringify(raw)}).`)
    row[f] = raw.trim()
  }
  if (isPresent(v.on_hand) && isPresent(v.onHand)) {
    return fail('INVALID_FIELD', 'both "on_hand" and "onHand" are given; send one of them.')
  }
  for (const [key, field] of QUANTITY_KEYS) {
    if (!isPresent(v[key])) continue
    const q = parseQuantity(v[key])
    if (q === null) {
      return fail(
        'INVALID_QUANTITY',
        `"${key}" must be a whole number from 0 to ${MAX_SNAPSHOT_QUANTITY} (got ${JSON.stringify(v[key])}); leave it empty to not compare it.`,
      )
    }
    row[field] = q
  }
  return { ok: true, row: row as SnapshotRow }
}

/** Absent, null or an empty cell all mean "not compared". */
function isPresent(raw: unknown): boolean {
  return !(raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
}

/**
 * A JSON integer or a string of digits (CSV cells are strings); no sign, decimals or exponent,
 * since "12.0" or "1e3" in an on-hand column is more likely a unit mix-up than a count.
 */
function parseQuantity(raw: unknown): number | null {
  let n: number
  if (typeof raw === 'number') n = raw
  else if (typeof raw === 'string' && WHOLE_NUMBER.test(raw.trim())) n = Number(raw.trim())
  else return null
  return Number.isInteger(n) && n >= 0 && n <= MAX_SNAPSHOT_QUANTITY ? n : null
}
