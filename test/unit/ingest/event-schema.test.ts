import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../server/ingest/event.schema'

const good = {
  idempotencyKey: 'k1',
  type: 'receipt',
  sku: 'SKU-1',
  location: 'DC-EAST',
  quantity: 4,
  occurredAt: '2026-11-22T10:00:00Z',
}

describe('parseEvent', () => {
  it('accepts a valid event with optional fields', () => {
    const r = parseEvent({ ...good, uom: 'EA', sourceSeq: 88123, reference: 'PO-1' }, 0)
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.event.sourceSeq).toBe(88123n)
  })
  const bad: Array<[string, unknown, string]> = [
    ['not an object', 'x', 'INVALID_EVENT'],
    ['missing sku', { ...good, sku: undefined }, 'MISSING_FIELD'],
    ['mistyped sku', { ...good, sku: 12 }, 'INVALID_FIELD'],
    ['unknown type', { ...good, type: 'teleport' }, 'UNKNOWN_TYPE'],
    ['zero receipt', { ...good, quantity: 0 }, 'INVALID_QUANTITY'],
    ['negative receipt', { ...good, quantity: -1 }, 'INVALID_QUANTITY'],
    ['fractional quantity', { ...good, quantity: 1.5 }, 'INVALID_QUANTITY'],
    ['string quantity', { ...good, quantity: '4' }, 'INVALID_QUANTITY'],
    ['absurd quantity', { ...good, quantity: 2e9 }, 'INVALID_QUANTITY'],
    ['zero adjustment', { ...good, type: 'adjustment', quantity: 0 }, 'INVALID_QUANTITY'],
    ['negative count', { ...good, type: 'count', quantity: -1 }, 'INVALID_QUANTITY'],
    ['date without offset', { ...good, occurredAt: '2026-11-22T10:00:00' }, 'INVALID_DATE'],
    ['unparseable date', { ...good, occurredAt: 'yesterday' }, 'INVALID_DATE'],
    ['negative sourceSeq', { ...good, sourceSeq: -1 }, 'INVALID_FIELD'],
    ['sourceSeq above 2^53-1', { ...good, sourceSeq: 2 ** 53 }, 'INVALID_FIELD'],
    ['toLocation on a receipt', { ...good, toLocation: 'DC-WEST' }, 'INVALID_FIELD'],
    // Issue 17: what PostgreSQL cannot store or index is refused per event, with a code.
    ['a NUL in the SKU', { ...good, sku: 'SKU\u0000-1' }, 'INVALID_TEXT'],
    ['a NUL in the reference', { ...good, reference: 'PO\u0000' }, 'INVALID_TEXT'],
    ['a lone high surrogate in the key', { ...good, idempotencyKey: 'k\ud800' }, 'INVALID_TEXT'],
    ['a lone low surrogate in the location', { ...good, location: '\udc00DC' }, 'INVALID_TEXT'],
    ['a whitespace-only key', { ...good, idempotencyKey: '  \t ' }, 'MISSING_FIELD'],
    ['a whitespace-only SKU', { ...good, sku: '   ' }, 'MISSING_FIELD'],
    ['a 257-character key', { ...good, idempotencyKey: 'k'.repeat(257) }, 'VALUE_TOO_LONG'],
    ['a 5,000-character SKU', { ...good, sku: 'S'.repeat(5000) }, 'VALUE_TOO_LONG'],
    ['a 300-character reference', { ...good, reference: 'R'.repeat(300) }, 'VALUE_TOO_LONG'],
    ['a 21-character unit', { ...good, uom: 'U'.repeat(21) }, 'VALUE_TOO_LONG'],
    ['year 0000', { ...good, occurredAt: '0000-01-01T00:00:00Z' }, 'INVALID_DATE'],
    ['an offset into year 0', { ...good, occurredAt: '0001-01-01T00:30:00+01:00' }, 'INVALID_DATE'],
    ['an offset into year 10000', { ...good, occurredAt: '9999-12-31T23:59:59-14:00' }, 'INVALID_DATE'],
    ['February 30th', { ...good, occurredAt: '2026-02-30T00:00:00Z' }, 'INVALID_DATE'],
  ]
  it.each(bad)('rejects %s', (_n, raw, code) => {
    const r = parseEvent(raw, 3)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.rejection.code).toBe(code)
      expect(r.rejection.index).toBe(3)
      expect(r.rejection.message.length).toBeGreaterThan(5)
    }
  })
  it('a rejection never carries an unbounded or unstorable SKU into its dead letter', () => {
    const r = parseEvent({ ...good, sku: 'S'.repeat(5000) }, 0)
    expect(!r.ok && r.rejection.sku).toBe(null)
    const t = parseEvent({ ...good, sku: 'A\u0000' }, 0)
    expect(!t.ok && t.rejection.sku).toBe(null)
  })
  it('accepts emoji and accents (well-formed text) and the longest allowed values', () => {
    expect(
      parseEvent({ ...good, sku: 'SKU-😀-é', reference: 'R'.repeat(256), idempotencyKey: 'k'.repeat(256) }, 0).ok,
    ).toBe(true)
  })
  it('allows a count of zero and a signed damage', () => {
    expect(parseEvent({ ...good, type: 'count', quantity: 0 }, 0).ok).toBe(true)
    expect(parseEvent({ ...good, type: 'damage', quantity: -2 }, 0).ok).toBe(true)
  })
})
