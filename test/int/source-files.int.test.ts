// Files in a sender's own shape (column map, delimiter, decimal separator, date format) through the
// real inbox, and the Settings dry run that reads a sample with the source's settings and applies
// nothing. Real PostgreSQL, real files.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { dropIntoInbox, onHandAt } from './helpers/inbox'
import { makeLocation, makeSku, saveRules } from '../support/factories'
import { saveSource } from '../../server/sources/save-source'
import { dryRunFile } from '../../server/sources/dry-run-file'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
let inbox: string
const actor: Actor = { kind: 'user', id: null, label: 'ops@example.com' }
const ERP = {
  columns: { 'Item Number': 'sku', Warehouse: 'location', 'Qty On Hand': 'quantity', 'As Of': 'occurredAt' },
  fixed: { type: 'count' },
  delimiter: ';',
  decimalSeparator: ',',
  dateFormat: 'DD.MM.YYYY',
}

useTestDatabase(async (created) => {
  db = created
  await saveRules(db)
  for (const l of ['DC-EAST', 'DC-WEST']) await makeLocation(db, l)
  for (const s of ['M-1', 'M-2', 'M-3', 'N-1', 'N-2', 'D-1']) await makeSku(db, s)
  inbox = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-src-'))
  await saveSource(db, actor, 'erp-export', { name: 'ERP stock export', kind: 'erp', settings: { csv: ERP } })
  await saveSource(db, actor, 'wms-json', {
    name: 'WMS JSON',
    kind: 'wms',
    settings: {
      ndjson: {
        columns: { item: 'sku', site: 'location', qty: 'quantity', ts: 'occurredAt', id: 'idempotencyKey' },
        fixed: { type: 'count' },
        dateFormat: 'YYYY-MM-DD',
      },
    },
  })
  await saveSource(db, actor, 'acme-3pl', {
    name: 'Acme',
    kind: '3pl',
    settings: { edi846: { quantityQualifiers: ['33'], defaultLocation: 'DC-WEST' } },
  })
})
afterAll(async () => {
  fs.rmSync(inbox, { recursive: true, force: true })
})

const onHand = (sku: string, location: string) => onHandAt(db, sku, location)
const drop = (source: string, name: string, content: string) => dropIntoInbox(db, inbox, source, name, content)

const EXPORT = [
  'Item Number;Description;Warehouse;Qty On Hand;As Of',
  'M-1;"Widget; blue";DC-EAST;120;01.12.2026 06:00',
  'M-2;Gadget;DC-WEST;7,0;01.12.2026',
  'M-3;Gizmo;DC-EAST;12,5;01.12.2026',
  'NOPE;Unknown;DC-EAST;4;01.12.2026',
  'M-1;Widget;DC-WEST;3;2026-12-01',
].join('\r\n')

describe("CSV and NDJSON in the sender's columns", () => {
  it('applies an ERP stock export as it is: ; delimiter, decimal comma, DD.MM.YYYY, a fixed type, unmapped columns ignored', async () => {
    const { result, report } = await drop('erp-export', 'stock-20261201.csv', EXPORT)
    expect(result).toMatchObject({ outcome: 'processed', kind: 'events', accepted: 2, rejected: 3 })
    expect([await onHand('M-1', 'DC-EAST'), await onHand('M-2', 'DC-WEST'), await onHand('M-3', 'DC-EAST')]).toEqual([
      120,
      7,
      null,
    ])
    expect(report).toBe(
      'stock-20261201.csv: 3 row(s) rejected; 2 applied, 0 duplicate(s)\n' +
        'line 4: INVALID_QUANTITY: quantity "12,5" is not a whole number of units; quantities are whole units (use a unit with a conversion, e.g. EA instead of CA).\n' +
        'line 5: UNKNOWN_SKU: Unknown SKU "NOPE" for source "erp-export": add the SKU or an alias.\n' +
        'line 6: INVALID_DATE: date "2026-12-01" is not in the source\'s date format DD.MM.YYYY (optionally followed by HH:MM, UTC).\n',
    )
    const ledger = await db.ledgerEvent.findMany({
      where: { source: 'erp-export' },
      orderBy: { idempotencyKey: 'asc' },
      select: { idempotencyKey: true, type: true, occurredAt: true },
    })
    expect(ledger.map((l) => [l.type, l.occurredAt.toISOString()])).toEqual([
      ['count', '2026-12-01T06:00:00.000Z'],
      ['count', '2026-12-01T00:00:00.000Z'],
    ])
    expect(ledger.every((l) => /^file:[0-9a-f]{16}:[23]$/.test(l.idempotencyKey))).toBe(true)
    // The same export dropped again: same keys (from the file's content), all duplicates.
    const again = await drop('erp-export', 'stock-20261201-again.csv', EXPORT)
    expect(again.result).toMatchObject({ accepted: 0, duplicates: 2 })
  })

  it('refuses an export whose header lacks a mapped column, naming it and the delimiter', async () => {
    const { result } = await drop(
      'erp-export',
      'renamed.csv',
      'Item;Warehouse;Qty On Hand;As Of\nM-1;DC-EAST;1;01.12.2026\n',
    )
    expect(result).toMatchObject({
      outcome: 'failed',
      error:
        'renamed.csv: line 1: the header lacks the mapped column(s) Item Number (found: Item, Warehouse, Qty On Hand, As Of); check the source\'s column map and delimiter (";").',
    })
  })

  it('maps NDJSON keys the same way', async () => {
    const lines = [
      { id: 'wms-1', item: 'N-1', site: 'DC-EAST', qty: 15, ts: '2026-12-01 08:30', extra: 'ignored' },
      { id: 'wms-2', item: 'N-2', site: 'DC-WEST', qty: '4', ts: '2026-12-01' },
      { id: 'wms-3', item: 'N-2', site: 'DC-WEST', qty: 1.5, ts: '2026-12-01' },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n')
    const { result, report } = await drop('wms-json', 'stock.ndjson', lines)
    expect(result).toMatchObject({ outcome: 'processed', accepted: 2, rejected: 1 })
    expect([await onHand('N-1', 'DC-EAST'), await onHand('N-2', 'DC-WEST')]).toEqual([15, 4])
    expect(report).toContain('line 3: INVALID_QUANTITY: quantity "1.5" is not a whole number of units')
    expect(
      await db.ledgerEvent.count({ where: { source: 'wms-json', idempotencyKey: { in: ['wms-1', 'wms-2'] } } }),
    ).toBe(2)
  })
})

describe('file dry run (Settings -> Sources)', () => {
  const counts = async () => [
    await db.ledgerEvent.count(),
    await db.inboundMessage.count(),
    await db.deadLetter.count(),
    await db.position.count(),
  ]

  it("shows the events a sample would produce and each line's error, with the source's settings, and applies nothing", async () => {
    const before = await counts()
    const r = await dryRunFile(db, {
      code: 'erp-export',
      fileName: 'sample.csv',
      content: EXPORT.replaceAll('M-1', 'D-1'),
    })
    expect(r).toMatchObject({
      source: 'erp-export',
      format: 'csv',
      kind: 'events',
      refused: null,
      totals: { events: 2, errors: 3 },
    })
    expect(r.events).toEqual([
      expect.objectContaining({
        line: 2,
        type: 'count',
        sku: 'D-1',
        location: 'DC-EAST',
        quantity: 120,
        written: '120 EA',
        occurredAt: '2026-12-01T06:00:00.000Z',
      }),
      expect.objectContaining({ line: 3, sku: 'M-2', location: 'DC-WEST', quantity: 7 }),
    ])
    expect(r.errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'INVALID_QUANTITY'],
      [5, 'UNKNOWN_SKU'],
      [6, 'INVALID_DATE'],
    ])
    expect(await counts()).toEqual(before)
  })

  it('tries settings being edited before they are saved', async () => {
    const r = await dryRunFile(db, {
      code: 'erp-export',
      fileName: 'sample.csv',
      content: 'sku,location,quantity\nM-2,DC-EAST,3\n',
      settings: {
        csv: { columns: { sku: 'sku', location: 'location', quantity: 'quantity' }, fixed: { type: 'receipt' } },
      },
    })
    expect(r).toMatchObject({
      refused: null,
      totals: { events: 1, errors: 0 },
      events: [{ type: 'receipt', sku: 'M-2', quantity: 3 }],
    })
  })

  it("reads an 846 sample with the source's qualifiers and default location, and names a refused file", async () => {
    const edi = fs.readFileSync(
      path.join(import.meta.dirname, '../fixtures/edi/846-qty33-no-location-pipe-brace-crlf-bom.edi'),
      'utf8',
    )
    const r = await dryRunFile(db, { code: 'acme-3pl', fileName: 'acme.edi', content: edi })
    expect(r).toMatchObject({ format: 'edi846', kind: 'events', refused: null, totals: { events: 0, errors: 3 } })
    expect(r.errors.map((e) => [e.unit, e.line, e.code])).toEqual([
      ['segment', 7, 'UNKNOWN_SKU'],
      ['segment', 11, 'UNKNOWN_SKU'],
      ['segment', 13, 'UNKNOWN_SKU'],
    ])
    expect(r.errors[0].message).toBe(
      'segment 7: LIN at segment 7 (VN ACME-A1, UP 012345000011): none of its product ids is a SKU or an alias of source "acme-3pl": add an alias for one of them (ACME-A1, 012345000011).',
    )
    const ack = fs.readFileSync(path.join(import.meta.dirname, '../fixtures/edi/997-functional-ack.edi'), 'utf8')
    expect((await dryRunFile(db, { code: 'acme-3pl', fileName: 'ack.edi', content: ack })).refused).toBe(
      'ack.edi: segment 3 (ST): this is a 997 functional acknowledgment (transaction set 997), not an 846 inventory inquiry/advice; nothing from this file is applied.',
    )
  })

  it('refuses bad input clearly', async () => {
    await expect(dryRunFile(db, { code: 'nope', fileName: 'a.csv', content: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_SOURCE',
    })
    await expect(dryRunFile(db, { code: 'erp-export', fileName: '../a.csv', content: 'x' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
    await expect(dryRunFile(db, { code: 'erp-export', fileName: 'a.csv', content: '' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('the file is empty'),
    })
    expect((await dryRunFile(db, { code: 'erp-export', fileName: 'a.txt', content: 'x' })).refused).toMatch(
      /unsupported file type/,
    )
  })
})
