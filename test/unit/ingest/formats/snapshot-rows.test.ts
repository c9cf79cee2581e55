import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCsvRows } from '../../../../server/ingest/formats/csv'
import { readNdjson } from '../../../../server/ingest/formats/ndjson'
import {
  MAX_SNAPSHOT_QUANTITY,
  parseSnapshotRow,
  SNAPSHOT_CSV_ALLOWED_COLUMNS,
  SNAPSHOT_CSV_REQUIRED_COLUMNS,
} from '../../../../server/ingest/formats/snapshot-rows'

const fixtures = path.join(import.meta.dirname, '../../../fixtures/inbox')
const csvOpts = { required: [...SNAPSHOT_CSV_REQUIRED_COLUMNS], allowed: [...SNAPSHOT_CSV_ALLOWED_COLUMNS] }

describe('parseSnapshotRow', () => {
  it('parses a CSV row of strings', () => {
    expect(
      parseSnapshotRow(
        { sku: 'SKU-1', location: 'DC-EAST', on_hand: '140', quarantined: '2', damaged: '0', allocated: '15' },
        2,
      ),
    ).toEqual({
      ok: true,
      row: { sku: 'SKU-1', location: 'DC-EAST', onHand: 140, quarantined: 2, damaged: 0, allocated: 15 },
    })
  })

  it('treats a column left out or empty as not compared (absent, never zero)', () => {
    const r = parseSnapshotRow({ sku: 'SKU-1', location: 'DC-EAST', on_hand: '', damaged: '3' }, 2)
    expect(r).toEqual({ ok: true, row: { sku: 'SKU-1', location: 'DC-EAST', damaged: 3 } })
    if (r.ok) expect('onHand' in r.row).toBe(false)
  })

  it('parses an NDJSON object with numbers, onHand or on_hand, and null as not compared', () => {
    expect(parseSnapshotRow({ sku: 'A', location: 'L', onHand: 0, allocated: null }, 1)).toEqual({
      ok: true,
      row: { sku: 'A', location: 'L', onHand: 0 },
    })
    expect(parseSnapshotRow({ sku: 'A', location: 'L', on_hand: 5 }, 1)).toEqual({
      ok: true,
      row: { sku: 'A', location: 'L', onHand: 5 },
    })
  })

  it('trims sku and location', () => {
    expect(parseSnapshotRow({ sku: ' A ', location: ' L ', on_hand: ' 4 ' }, 1)).toEqual({
      ok: true,
      row: { sku: 'A', location: 'L', onHand: 4 },
    })
  })

  it('accepts the upper bound', () => {
    expect(parseSnapshotRow({ sku: 'A', location: 'L', on_hand: MAX_SNAPSHOT_QUANTITY }, 1).ok).toBe(true)
  })

  const bad: Array<[string, unknown, string, RegExp]> = [
    ['not an object', [1, 2], 'INVALID_ROW', /^line 9: a snapshot row must be an object/],
    ['a missing sku', { location: 'L', on_hand: '1' }, 'MISSING_FIELD', /^line 9: "sku" is required/],
    ['an empty location', { sku: 'A', location: ' ', on_hand: '1' }, 'MISSING_FIELD', /"location" is required/],
    ['a numeric sku', { sku: 123, location: 'L' }, 'INVALID_FIELD', /"sku" must be a string \(got 123\)/],
    [
      'a negative on_hand',
      { sku: 'A', location: 'L', on_hand: '-1' },
      'INVALID_QUANTITY',
      /"on_hand" must be a whole number from 0 to 1000000000 \(got "-1"\)/,
    ],
    ['a decimal quarantined', { sku: 'A', location: 'L', quarantined: '1.5' }, 'INVALID_QUANTITY', /"quarantined"/],
    ['a fractional JSON number', { sku: 'A', location: 'L', damaged: 2.5 }, 'INVALID_QUANTITY', /"damaged"/],
    ['a quantity beyond 1e9', { sku: 'A', location: 'L', allocated: '1000000001' }, 'INVALID_QUANTITY', /"allocated"/],
    ['a negative JSON number', { sku: 'A', location: 'L', onHand: -4 }, 'INVALID_QUANTITY', /"onHand"/],
    ['a boolean quantity', { sku: 'A', location: 'L', onHand: true }, 'INVALID_QUANTITY', /"onHand"/],
    [
      'both spellings of on hand',
      { sku: 'A', location: 'L', on_hand: 1, onHand: 1 },
      'INVALID_FIELD',
      /both "on_hand" and "onHand"/,
    ],
    ['a misspelt column', { sku: 'A', location: 'L', on_hnad: 4 }, 'UNKNOWN_FIELD', /unknown field\(s\) "on_hnad"/],
  ]
  it.each(bad)('rejects %s with a code and a message naming the line', (_n, values, code, message) => {
    const r = parseSnapshotRow(values, 9)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.code).toBe(code)
      expect(r.message).toMatch(message)
    }
  })
})

describe('snapshot files', () => {
  it('reads the CSV fixture through readCsvRows', async () => {
    const out = []
    for await (const r of readCsvRows([readFileSync(path.join(fixtures, 'snapshot-dc-east.csv'))], csvOpts))
      out.push(parseSnapshotRow(r.values, r.line))
    expect(out).toEqual([
      {
        ok: true,
        row: { sku: 'SKU-123', location: 'DC-EAST', onHand: 140, quarantined: 2, damaged: 0, allocated: 15 },
      },
      { ok: true, row: { sku: 'SKU-456', location: 'DC-EAST', onHand: 0 } },
      { ok: true, row: { sku: 'BUY-789', location: 'DC-EAST', onHand: 8, quarantined: 0, damaged: 1 } },
      { ok: true, row: { sku: 'SKU-999', location: 'DC-EAST', allocated: 3 } },
    ])
  })

  it('requires the sku, location and on_hand columns and refuses unknown ones', async () => {
    const read = async (text: string) => {
      for await (const _ of readCsvRows([text], csvOpts)) void _
    }
    await expect(read('sku,location\nA,L\n')).rejects.toThrow(/lacks the column\(s\) on_hand/)
    await expect(read('sku,location,on_hand,reserved\n')).rejects.toThrow(/unknown column\(s\) reserved/)
  })

  it('reads NDJSON rows through readNdjson', async () => {
    const text = '{"sku":"A","location":"L","onHand":3}\n{"sku":"B","location":"L","on_hand":"x"}\n'
    const out = []
    for await (const r of readNdjson([text])) out.push(r.error ? r.error : parseSnapshotRow(r.value, r.line))
    expect(out[0]).toEqual({ ok: true, row: { sku: 'A', location: 'L', onHand: 3 } })
    expect(out[1]).toMatchObject({ ok: false, code: 'INVALID_QUANTITY', message: expect.stringMatching(/^line 2: /) })
  })
})
