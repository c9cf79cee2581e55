import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../server/ingest/event.schema'

const good = { idempotencyKey: 'k1', type: 'receipt', sku: 'SKU-1', location: 'DC-EAST', quantity: 4, occurredAt: '2026-11-22T10:00:00Z' }

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
  ]
  it.each(bad)('rejects %s', (_n, raw, code) => {
    const r = parseEvent(raw, 3)
    expect(r.ok).toBe(false)
    if (!r.ok) { expect(r.rejection.code).toBe(code); expect(r.rejection.index).toBe(3); expect(r.rejection.message.length).toBeGreaterThan(5) }
  })
  it('allows a count of zero and a signed damage', () => {
    expect(parseEvent({ ...good, type: 'count', quantity: 0 }, 0).ok).toBe(true)
    expect(parseEvent({ ...good, type: 'damage', quantity: -2 }, 0).ok).toBe(true)
  })
})
