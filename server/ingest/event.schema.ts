// Parsing of one inventory event (docs/api.md "Inventory events"). Each problem maps to a precise
// code so the sender can fix its data; a bad event is rejected alone and kept as a dead letter.
// Adding an event type touches more than this file: docs/adding-an-event-type.md lists them.
import { EVENT_TYPES, type EventType } from '../positions/apply-event'
import { quoted, unstorableText } from './storable-text'

export const MAX_EVENTS_PER_BATCH = 5000
export const MAX_BODY_BYTES = 10 * 1024 * 1024
export const MAX_ABS_QUANTITY = 1_000_000_000
const MAX_SOURCE_SEQ = 2n ** 53n - 1n
/**
 * The longest value each text field may hold (characters). Every one lands in an indexed column or
 * is looked up against one (a btree entry holds ~2.7 KB): a source code, the SKU and location
 * codes or aliases the catalogue accepts (aliases up to 200), units (20), keys and references.
 */
export const MAX_TEXT = {
  source: 100,
  idempotencyKey: 256,
  type: 32,
  sku: 200,
  location: 200,
  uom: 20,
  reference: 256,
  toLocation: 200,
} as const
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

export interface ParsedEvent {
  index: number
  idempotencyKey: string
  type: EventType
  sku: string
  location: string
  quantity: number
  uom: string | null
  occurredAt: Date
  sourceSeq: bigint | null
  reference: string | null
  toLocation: string | null
  raw: unknown
}

export interface EventRejection {
  index: number
  code: string
  message: string
  raw: unknown
  sku?: string | null
}

/** Which sign each type's quantity may have (docs/api.md's event table). */
const SIGN: Record<EventType, 'positive' | 'nonzero' | 'nonnegative'> = {
  receipt: 'positive',
  adjustment: 'nonzero',
  count: 'nonnegative',
  transfer_out: 'positive',
  transfer_in: 'positive',
  in_transit: 'nonzero',
  ship: 'positive',
  return_received: 'positive',
  quarantine: 'positive',
  release: 'positive',
  damage: 'nonzero',
  allocate: 'positive',
  deallocate: 'positive',
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : null
}

/**
 * Rejects times JavaScript would silently roll over (2026-02-30, 24:30, an offset of +25:00), and
 * year 0000, which JavaScript reads and PostgreSQL refuses ("date/time field value out of range").
 */
export function isRealCalendarTime(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/i.exec(iso)
  if (!m) return false
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number)
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate()
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || sec > 59) return false
  if (m[8] && (Number(m[9]) > 14 || Number(m[10]) > 59)) return false
  const t = Date.parse(iso)
  // An offset can still move a time into year 0 or 10000, which toISOString writes as "+010000-...".
  if (Number.isNaN(t)) return false
  const year = new Date(t).getUTCFullYear()
  return year >= 1 && year <= 9999
}

/** An ISO-8601 time with an offset that PostgreSQL can store, or null. */
export function parseIsoTime(v: string): Date | null {
  if (v.length > 40 || !ISO_WITH_OFFSET.test(v) || !isRealCalendarTime(v)) return null
  return new Date(v)
}

export function parseEvent(
  raw: unknown,
  index: number,
): { ok: true; event: ParsedEvent } | { ok: false; rejection: EventRejection } {
  const reject = (p: EventProblem) => ({
    ok: false as const,
    rejection: { index, code: p.code, message: p.message, raw, sku: p.sku },
  })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return reject({ code: 'INVALID_EVENT', message: 'An event must be a JSON object.' })
  const r = raw as Record<string, unknown>
  const sku = typeof r.sku === 'string' ? r.sku : null
  const problem = textProblem(r, sku) ?? typeAndQuantityProblem(r, sku)
  if (problem) return reject(problem)
  const t = r.type as EventType
  const occurredRaw = (r.occurredAt as string).trim()
  const occurredAt = parseIsoTime(occurredRaw)
  if (!occurredAt)
    return reject({
      code: 'INVALID_DATE',
      message: `"occurredAt" must be an ISO-8601 time with an offset (got ${quoted(occurredRaw)}).`,
      sku,
    })
  const later = optionalFieldProblem(r, t, sku)
  if (later) return reject(later)
  return {
    ok: true,
    event: {
      index,
      idempotencyKey: str(r.idempotencyKey)!,
      type: t,
      sku: (r.sku as string).trim(),
      location: (r.location as string).trim(),
      quantity: r.quantity as number,
      uom: str(r.uom),
      occurredAt,
      sourceSeq: r.sourceSeq === undefined || r.sourceSeq === null ? null : BigInt(r.sourceSeq as number),
      reference: str(r.reference),
      toLocation: str(r.toLocation),
      raw,
    },
  }
}

/** Why an event is refused, before it is one (`sku` names it in the dead letter when storable). */
type EventProblem = { code: string; message: string; sku?: string | null }

/** Required text fields present, and every text field storable and within its length. */
function textProblem(r: Record<string, unknown>, sku: string | null): EventProblem | null {
  for (const f of ['idempotencyKey', 'type', 'sku', 'location', 'occurredAt'] as const) {
    if (r[f] === undefined || r[f] === null || r[f] === '')
      return { code: 'MISSING_FIELD', message: `"${f}" is required.`, sku }
    if (typeof r[f] !== 'string') return { code: 'INVALID_FIELD', message: `"${f}" must be a string.`, sku }
    if ((r[f] as string).trim() === '')
      return { code: 'MISSING_FIELD', message: `"${f}" is blank (only whitespace).`, sku }
  }
  // Text checks come before anything quotes the value: the dead letter's sku is storable and bounded.
  for (const f of [
    'idempotencyKey',
    'type',
    'sku',
    'location',
    'occurredAt',
    'uom',
    'reference',
    'toLocation',
  ] as const) {
    if (typeof r[f] !== 'string') continue
    const why = unstorableText(r[f] as string)
    if (why) return { code: 'INVALID_TEXT', message: `"${f}" ${why}.`, sku: null }
    const max = f === 'occurredAt' ? 40 : MAX_TEXT[f]
    if ((r[f] as string).trim().length > max)
      return {
        code: 'VALUE_TOO_LONG',
        message: `"${f}" is longer than ${max} characters.`,
        sku: f === 'sku' ? null : sku,
      }
  }
  return null
}

/** A known event type, and an integer quantity within bounds with the sign the type needs. */
function typeAndQuantityProblem(r: Record<string, unknown>, sku: string | null): EventProblem | null {
  const type = r.type as string
  if (!(EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      code: 'UNKNOWN_TYPE',
      message: `Unknown event type ${quoted(type)}; expected one of ${EVENT_TYPES.join(', ')}.`,
      sku,
    }
  }
  const t = type as EventType
  if (r.quantity === undefined || r.quantity === null)
    return { code: 'MISSING_FIELD', message: '"quantity" is required.', sku }
  if (typeof r.quantity !== 'number' || !Number.isInteger(r.quantity))
    return { code: 'INVALID_QUANTITY', message: '"quantity" must be an integer.', sku }
  const q = r.quantity
  if (Math.abs(q) > MAX_ABS_QUANTITY)
    return { code: 'INVALID_QUANTITY', message: `"quantity" ${q} is beyond ±${MAX_ABS_QUANTITY}.`, sku }
  const sign = SIGN[t]
  if (sign === 'positive' && q <= 0)
    return { code: 'INVALID_QUANTITY', message: `A ${t} needs a quantity greater than 0 (got ${q}).`, sku }
  if (sign === 'nonzero' && q === 0)
    return { code: 'INVALID_QUANTITY', message: `A ${t} needs a non-zero quantity.`, sku }
  if (sign === 'nonnegative' && q < 0)
    return { code: 'INVALID_QUANTITY', message: `A count needs a quantity of 0 or more (got ${q}).`, sku }
  return null
}

/** sourceSeq a safe non-negative integer, uom/reference/toLocation strings, toLocation only on a transfer_out. */
function optionalFieldProblem(r: Record<string, unknown>, t: EventType, sku: string | null): EventProblem | null {
  if (r.sourceSeq !== undefined && r.sourceSeq !== null) {
    if (
      typeof r.sourceSeq !== 'number' ||
      !Number.isInteger(r.sourceSeq) ||
      r.sourceSeq < 0 ||
      BigInt(r.sourceSeq) > MAX_SOURCE_SEQ
    ) {
      return { code: 'INVALID_FIELD', message: '"sourceSeq" must be an integer from 0 to 2^53 - 1.', sku }
    }
  }
  for (const f of ['uom', 'reference', 'toLocation'] as const) {
    if (r[f] !== undefined && r[f] !== null && typeof r[f] !== 'string')
      return { code: 'INVALID_FIELD', message: `"${f}" must be a string.`, sku }
  }
  if (str(r.toLocation) && t !== 'transfer_out')
    return { code: 'INVALID_FIELD', message: '"toLocation" is only allowed on transfer_out.', sku }
  return null
}
