import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../../server/ingest/event.schema'
import { readCsvRows } from '../../../../server/ingest/formats/csv'
import {
  EVENT_CSV_COLUMNS,
  EVENT_CSV_HEADER_ALIASES,
  eventFromCsvRow,
  normalizeEventCsvHeader,
  readEventCsvRows,
  type EventCsvRow,
} from '../../../../server/ingest/formats/event-rows'

const fixtures = path.join(import.meta.dirname, '../../../fixtures/inbox')

async function readAll(text: string | Buffer): Promise<EventCsvRow[]> {
  const out: EventCsvRow[] = []
  for await (const r of readEventCsvRows([text])) out.push(r)
  return out
}

describe('eventFromCsvRow', () => {
  it('maps snake_case cells to the API event, integers to numbers, empty cells omitted', () => {
    expect(
      eventFromCsvRow({
        idempotency_key: 'k1',
        type: 'receipt',
        sku: 'SKU-1',
        location: 'DC-EAST',
        quantity: '40',
        uom: 'EA',
        occurred_at: '2026-11-22T10:00:00Z',
        source_seq: '88123',
        reference: '',
        to_location: '',
      }),
    ).toEqual({
      idempotencyKey: 'k1',
      type: 'receipt',
      sku: 'SKU-1',
      location: 'DC-EAST',
      quantity: 40,
      uom: 'EA',
      occurredAt: '2026-11-22T10:00:00Z',
      sourceSeq: 88123,
    })
  })

  it('accepts camelCase names, as written or lower-cased by readCsvRows', () => {
    expect(eventFromCsvRow({ idempotencyKey: 'k', occurredat: 't', SourceSeq: '7', toLocation: 'DC-W' })).toEqual({
      idempotencyKey: 'k',
      occurredAt: 't',
      sourceSeq: 7,
      toLocation: 'DC-W',
    })
  })

  it('keeps a signed integer quantity as a number', () => {
    expect(eventFromCsvRow({ quantity: '-3' }).quantity).toBe(-3)
    expect(eventFromCsvRow({ quantity: '+3' }).quantity).toBe(3)
  })

  const rejected: Array<[string, Record<string, string>, string]> = [
    ['a decimal quantity', { quantity: '1.5' }, 'INVALID_QUANTITY'],
    ['a unit in the quantity', { quantity: '4 EA' }, 'INVALID_QUANTITY'],
    ['an exponent quantity', { quantity: '1e3' }, 'INVALID_QUANTITY'],
    ['an empty quantity', { quantity: '' }, 'MISSING_FIELD'],
    ['a non-numeric source_seq', { source_seq: 'abc' }, 'INVALID_FIELD'],
    ['a source_seq above 2^53-1', { source_seq: '9007199254740993' }, 'INVALID_FIELD'],
    ['a missing sku', { sku: '' }, 'MISSING_FIELD'],
  ]
  const base = {
    idempotency_key: 'k',
    type: 'receipt',
    sku: 'SKU-1',
    location: 'DC-EAST',
    quantity: '4',
    occurred_at: '2026-11-22T10:00:00Z',
  }
  it.each(rejected)('leaves %s for parseEvent to reject with its precise code', (_n, cells, code) => {
    const r = parseEvent(eventFromCsvRow({ ...base, ...cells }), 0)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.rejection.code).toBe(code)
  })

  it('ignores columns that are not event fields', () => {
    expect(eventFromCsvRow({ sku: 'A', colour: 'blue' })).toEqual({ sku: 'A' })
  })

  it('has an alias for every column in both spellings', () => {
    for (const c of EVENT_CSV_COLUMNS) expect(EVENT_CSV_HEADER_ALIASES[c]).toBe(c)
    expect(EVENT_CSV_HEADER_ALIASES.idempotencykey).toBe('idempotency_key')
  })
})

describe('normalizeEventCsvHeader', () => {
  it('maps either spelling to snake_case columns', () => {
    expect(
      normalizeEventCsvHeader(['idempotencyKey', 'TYPE', 'sku', 'location', 'quantity', 'occurred_at', '']),
    ).toEqual({
      ok: true,
      columns: ['idempotency_key', 'type', 'sku', 'location', 'quantity', 'occurred_at', null],
    })
  })
  it('names a missing required column', () => {
    expect(normalizeEventCsvHeader(['idempotency_key', 'type', 'sku', 'location', 'quantity'])).toEqual({
      ok: false,
      message: expect.stringMatching(/lacks the column\(s\) occurred_at/),
    })
  })
  it('names an unknown column', () => {
    expect(normalizeEventCsvHeader(['idempotency_key', 'qty'])).toEqual({
      ok: false,
      message: expect.stringMatching(/^unknown column\(s\) qty/),
    })
  })
  it('refuses the same column in both spellings', () => {
    expect(normalizeEventCsvHeader(['sku', 'occurred_at', 'occurredAt'])).toEqual({
      ok: false,
      message: expect.stringMatching(/occurred_at appears twice/),
    })
  })
})

describe('readEventCsvRows', () => {
  it('reads the inbox fixture into events parseEvent accepts', async () => {
    const out = await readAll(readFileSync(path.join(fixtures, 'events-valid.csv')))
    expect(out.map((r) => r.line)).toEqual([2, 3, 4, 5])
    const parsed = out.map((r, i) => parseEvent(r.event, i))
    expect(parsed.every((p) => p.ok)).toBe(true)
    expect(out[1].event).toMatchObject({ type: 'adjustment', quantity: -3, reference: 'cycle count, aisle 4' })
    expect(out[2].event).toMatchObject({ type: 'transfer_out', toLocation: 'DC-WEST', uom: 'CA' })
    expect(out[2].event).not.toHaveProperty('sourceSeq')
    expect(out[3].event).toMatchObject({ type: 'count', quantity: 0, reference: 'note: "recount" requested' })
    expect(out[3].event).not.toHaveProperty('uom')
  })

  it('rejects a row with too many cells alone and goes on', async () => {
    const out = await readAll(
      'idempotency_key,type,sku,location,quantity,occurred_at,reference\nk1,receipt,A,L,1,2026-11-22T10:00:00Z,PO 1, line 2\nk2,receipt,A,L,1,2026-11-22T10:00:00Z,PO 2\n',
    )
    expect(out).toEqual([
      { line: 2, error: 'line 2: 8 cells but the header has 7 columns; quote a cell that contains a comma.' },
      { line: 3, event: expect.objectContaining({ idempotencyKey: 'k2', reference: 'PO 2' }) },
    ])
  })

  it('fails the whole file on a bad header or an empty file', async () => {
    await expect(readAll('sku,location\nA,B\n')).rejects.toThrow(
      /^line 1: the header lacks the column\(s\) idempotency_key, type, quantity, occurred_at/,
    )
    await expect(readAll('')).rejects.toThrow(/the file is empty/)
  })

  it('agrees with readCsvRows + eventFromCsvRow on a camelCase header', async () => {
    const text =
      'idempotencyKey,type,sku,location,quantity,occurredAt,sourceSeq\nk1,count,A,L,7,2026-11-22T10:00:00Z,12\n'
    const viaRows = []
    for await (const r of readCsvRows([text], { required: [] })) viaRows.push(eventFromCsvRow(r.values))
    const out = await readAll(text)
    expect(out[0].event).toEqual(viaRows[0])
    expect(viaRows[0]).toEqual({
      idempotencyKey: 'k1',
      type: 'count',
      sku: 'A',
      location: 'L',
      quantity: 7,
      occurredAt: '2026-11-22T10:00:00Z',
      sourceSeq: 12,
    })
  })
})
