// Fuzz and property suite over every file format the inbox reads (CSV, event CSV, snapshot rows,
// mapped CSV/NDJSON, NDJSON, EDI X12 846): thousands of generated inputs per run from a fixed seed
// (FUZZ_SEED=<n> replays another; a failure prints its seed and case). Pass means:
// - no crash: only the format's own coded error is ever thrown (CsvSyntaxError with a code and a
//   "line N:" message); every other problem is a coded per-row or per-segment result;
// - nothing accepted is lost: valid generated files read back exactly, whatever the chunking;
// - streaming gives the same answer as reading whole.
import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, readCsv, readCsvRows, type CsvRecord } from '../../../../server/ingest/formats/csv'
import { readEventCsvRows } from '../../../../server/ingest/formats/event-rows'
import { readNdjson } from '../../../../server/ingest/formats/ndjson'
import { parseSnapshotRow } from '../../../../server/ingest/formats/snapshot-rows'
import { mapRecord, readMappedCsvRows } from '../../../../server/ingest/formats/mapped-rows'
import {
  Edi846Reader,
  parseEdi846,
  resolveEdi846Line,
  type Edi846Parsed,
} from '../../../../server/ingest/formats/edi846'
import { parseEvent } from '../../../../server/ingest/event.schema'
import { CsvSettingsSchema } from '../../../../server/sources/source-settings.schema'
import { body846, interchange } from '../../../support/x12'
import { Prng, seedFromEnv } from '../../../support/prng'

const SEED = seedFromEnv(20_261_202)
const CODE = /^[A-Z][A-Z0-9_]+$/
const HOSTILE = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  ',',
  ';',
  '\t',
  '|',
  '"',
  '""',
  '\r',
  '\n',
  '\r\n',
  '\uFEFF',
  '\u0000',
  '\uD800',
  '\uDC00',
  'é',
  '€',
  '🙂',
  '…',
  '~',
  '*',
  '{',
  '}',
  '[',
  ']',
  ':',
  '\\',
  '-',
  '.',
]

function hostileText(rng: Prng, max: number): string {
  let s = ''
  const n = rng.int(0, max)
  for (let i = 0; i < n; i++) s += rng.pick(HOSTILE)
  return s
}

/** Splits text at random points, as strings or as UTF-8 bytes (which may cut a character in two). */
function chunks(rng: Prng, text: string, stringsOnly = false): Array<string | Uint8Array> {
  // (Hostile text holds lone surrogates, which UTF-8 cannot carry: only well-formed text goes as bytes.)
  const asBytes = !stringsOnly && rng.chance(0.5)
  const data: string | Uint8Array = asBytes ? new TextEncoder().encode(text) : text
  const out: Array<string | Uint8Array> = []
  let i = 0
  while (i < data.length) {
    const n = rng.int(1, Math.max(1, Math.min(64, data.length)))
    out.push(data.slice(i, i + n))
    i += n
  }
  return out
}

async function outcomeOf<T>(gen: AsyncIterable<T>): Promise<{ items: T[]; error: CsvSyntaxError | null }> {
  const items: T[] = []
  try {
    for await (const x of gen) items.push(x)
    return { items, error: null }
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { items, error: e }
    throw e
  }
}

function expectCodedCsvError(e: CsvSyntaxError | null, where: string) {
  if (!e) return
  expect(e.code, where).toMatch(CODE)
  expect(e.message, where).toMatch(/^line \d+: \S/)
}

// Generous timeouts: the machine running the suite may be shared (each case is bounded, not timed).
describe(`file formats fuzz (seed ${SEED}; FUZZ_SEED=<n> to replay another)`, { timeout: 180_000 }, () => {
  it('CSV: generated files read back exactly, whatever the delimiter, line endings, BOM and chunking', async () => {
    const rng = new Prng(SEED)
    const FIELD = ['a', 'b', '1', ' ', '"', ',', ';', '\t', '|', '\n', '\r\n', 'é', '€', '🙂', '…']
    for (let c = 0; c < 1500; c++) {
      const delimiter = rng.pick([',', ';', '\t', '|'])
      const eol = rng.pick(['\n', '\r\n'])
      const records: string[][] = []
      const nRec = rng.int(1, 8)
      for (let r = 0; r < nRec; r++) {
        const fields: string[] = []
        for (let f = rng.int(1, 6); f > 0; f--) {
          let s = ''
          for (let k = rng.int(0, 6); k > 0; k--) s += rng.pick(FIELD)
          fields.push(s)
        }
        records.push(fields)
      }
      const quote = (s: string) =>
        s === '' || /["\r\n]/.test(s) || s.includes(delimiter) || rng.chance(0.2) ? `"${s.replaceAll('"', '""')}"` : s
      const text =
        (rng.chance(0.3) ? '\uFEFF' : '') +
        records
          .map((fields) => (fields.length === 1 && fields[0] === '' ? '""' : fields.map(quote).join(delimiter)))
          .join(eol) +
        (rng.chance(0.5) ? eol : '')
      const where = `seed ${SEED} case ${c}: ${JSON.stringify(text)}`
      const got = await outcomeOf(readCsv(chunks(rng, text), { delimiter }))
      expect(got.error, where).toBeNull()
      expect(
        got.items.map((r: CsvRecord) => r.fields),
        where,
      ).toEqual(records)
    }
  })

  it('CSV: hostile text never throws anything but a coded CsvSyntaxError, and chunking never changes the answer', async () => {
    const rng = new Prng(SEED + 1)
    for (let c = 0; c < 2500; c++) {
      const text = hostileText(rng, 60)
      const opts = {
        delimiter: rng.pick([',', ';']),
        maxFieldChars: rng.pick([8, 64, 65536]),
        maxRecordChars: rng.pick([16, 1024]),
        maxColumns: rng.pick([4, 512]),
      }
      const where = `seed ${SEED + 1} case ${c}: ${JSON.stringify(text)} ${JSON.stringify(opts)}`
      const whole = await outcomeOf(readCsv([text], opts))
      expectCodedCsvError(whole.error, where)
      const split = await outcomeOf(readCsv(chunks(rng, text, true), opts))
      // A refused file is refused with the same error; an accepted one gives the same records.
      if (whole.error) expect(split.error?.message, where).toBe(whole.error.message)
      else expect({ items: split.items, error: split.error }, where).toEqual({ items: whole.items, error: null })
    }
  })

  it('event CSV, snapshot CSV and mapped CSV: every row becomes an event, a coded row error or a coded file error', async () => {
    const rng = new Prng(SEED + 2)
    const HEADERS = [
      'idempotency_key',
      'type',
      'sku',
      'location',
      'quantity',
      'occurred_at',
      'uom',
      'reference',
      'on_hand',
      'Item Number',
      'Qty',
      'junk',
      '',
    ]
    const CELLS = [
      'k1',
      'receipt',
      'count',
      'SKU-1',
      'DC',
      '5',
      '-3',
      '1.5',
      '12,5',
      '1e3',
      '2026-11-22T10:00:00Z',
      '01.12.2026',
      '',
      ' ',
      '"',
      '\u0000',
      '\uD800',
      'x'.repeat(300),
    ]
    const mapping = CsvSettingsSchema.parse({
      columns: { 'Item Number': 'sku', Qty: 'quantity' },
      fixed: { type: 'count', location: 'DC' },
      decimalSeparator: ',',
      dateFormat: 'DD.MM.YYYY',
    })
    for (let c = 0; c < 1500; c++) {
      const header = rng.sample(HEADERS, rng.int(1, 7))
      const lines = [header.join(',')]
      for (let r = rng.int(0, 5); r > 0; r--)
        lines.push(
          Array.from({ length: rng.int(1, header.length + 1) }, () => {
            const v = rng.pick(CELLS)
            return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v
          }).join(','),
        )
      if (rng.chance(0.2)) lines.push(hostileText(rng, 20))
      const text = lines.join(rng.pick(['\n', '\r\n']))
      const where = `seed ${SEED + 2} case ${c}: ${JSON.stringify(text)}`

      const events = await outcomeOf(readEventCsvRows(chunks(rng, text)))
      expectCodedCsvError(events.error, where)
      events.items.forEach((row, i) => {
        if (row.error !== undefined) {
          expect(row.error, where).toMatch(/^line \d+: /)
          return
        }
        const p = parseEvent(row.event, i)
        if (!p.ok) expect(p.rejection.code, where).toMatch(CODE)
      })

      const snap = await outcomeOf(
        readCsvRows(chunks(rng, text), {
          required: ['sku', 'location', 'on_hand'],
          allowed: ['sku', 'location', 'on_hand', 'quarantined', 'damaged', 'allocated'],
        }),
      )
      expectCodedCsvError(snap.error, where)
      for (const row of snap.items) {
        const p = parseSnapshotRow(row.values, row.line)
        if (!p.ok) {
          expect(p.code, where).toMatch(CODE)
          expect(p.message, where).toMatch(/^line \d+: /)
        }
      }

      const mapped = await outcomeOf(
        readMappedCsvRows(chunks(rng, text), mapping, {
          fileHash: 'f'.repeat(64),
          receivedAt: '2026-12-01T00:00:00.000Z',
        }),
      )
      expectCodedCsvError(mapped.error, where)
      mapped.items.forEach((row, i) => {
        if (row.error !== undefined) {
          expect(row.code, where).toMatch(CODE)
          return
        }
        const p = parseEvent(row.event, i)
        if (!p.ok) expect(p.rejection.code, where).toMatch(CODE)
      })
    }
  })

  it('NDJSON: every non-blank line is one record (a value or a line error), none lost, deep and broken JSON included', async () => {
    const rng = new Prng(SEED + 3)
    const LINES = [
      () =>
        JSON.stringify({
          idempotencyKey: `k${rng.int(0, 9)}`,
          type: rng.pick(['receipt', 'count', 'nope']),
          sku: 'SKU-1',
          location: 'DC',
          quantity: rng.pick([1, -1, 0, 1.5, 1e12]),
          occurredAt: '2026-11-22T10:00:00Z',
        }),
      () => '['.repeat(rng.int(1, 6000)) + ']'.repeat(rng.int(0, 6000)),
      () => '{"a":'.repeat(rng.int(1, 3000)) + '1' + '}'.repeat(rng.int(0, 3000)),
      () => hostileText(rng, 40).replace(/[\r\n]/g, ''),
      () =>
        JSON.stringify({ item: `\u0000\uD800${'x'.repeat(rng.int(0, 50))}`, qty: rng.pick(['1', '2,5', 3, null, {}]) }),
      () => '"just a string"',
      () => '',
    ]
    for (let c = 0; c < 1000; c++) {
      const lines = Array.from({ length: rng.int(1, 8) }, () => rng.pick(LINES)())
      const text = (rng.chance(0.2) ? '\uFEFF' : '') + lines.join(rng.pick(['\n', '\r\n']))
      const where = `seed ${SEED + 3} case ${c}`
      const max = rng.pick([64, 1024 * 1024])
      const got: Array<{ line: number; error?: string; value?: unknown }> = []
      for await (const r of readNdjson(chunks(rng, text), { maxLineLength: max })) got.push(r)
      const expected = lines
        .map((l, i) => ({ l: l.replace(/^\uFEFF/, ''), i }))
        .filter(({ l }) => l.trim() !== '')
        .map(({ i }) => i + 1)
      expect(
        got.map((r) => r.line),
        where,
      ).toEqual(expected)
      for (const r of got) {
        if (r.error !== undefined) {
          expect(r.error, where).toMatch(/^line \d+: /)
          continue
        }
        const v = r.value
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          const m = mapRecord(
            v as Record<string, unknown>,
            {
              columns: { item: 'sku', qty: 'quantity' },
              fixed: { type: 'count', location: 'DC' },
              decimalSeparator: ',',
              dateFormat: 'iso',
            },
            { fileHash: 'a'.repeat(64), receivedAt: '2026-12-01T00:00:00.000Z' },
            r.line,
          )
          if (m.error !== undefined) expect(m.code, where).toMatch(CODE)
          else {
            const p = parseEvent(m.event, 0)
            if (!p.ok) expect(p.rejection.code, where).toMatch(CODE)
          }
          const p = parseEvent(v, 0)
          if (!p.ok) expect(p.rejection.code, where).toMatch(CODE)
        }
      }
    }
  })

  it('EDI 846: damaged interchanges never throw; every problem is coded and names its segment; streaming equals reading whole', () => {
    const rng = new Prng(SEED + 4)
    const base = interchange([
      [
        body846('20261122', [
          'N1*SU*Acme*92*ACME',
          'N1*WH*Dallas*92*DC-EAST',
          'LIN*1*SK*SKU-1*UP*0001',
          'UIT*CA',
          'QTY*17*2.5',
          'QTY*33*2',
          'LIN*2*SK*SKU-2',
          'QTY*33*30',
          'SDQ*EA*92*E1*10*W1*20',
          'LIN*3*SK*SKU-3',
          'QTY*17*9',
          'SCH*4*EA*WH*DC-EAST',
          'DTM*405*20261123',
        ]),
        body846('20261122', ['LIN*1*VN*V-1', 'QTY*17*1']),
      ],
    ])
    const catalog = {
      sku: (id: string) =>
        /^SKU-\d$/.test(id)
          ? {
              code: id,
              baseUom: 'EA',
              factors: new Map([
                ['EA', 1],
                ['CA', 12],
              ]),
            }
          : undefined,
    }
    const INSERTS = [
      '~',
      '*',
      '>',
      '\n',
      '\r',
      ' ',
      'ISA',
      'IEA*1*1~',
      'ST*997*1~',
      'SE*1*1~',
      'QTY*17*x~',
      'LIN*9~',
      'SDQ*EA~',
      'N1*WH~',
      '\u0000',
      '🙂',
      '…',
    ]
    const check = (p: Edi846Parsed, where: string) => {
      for (const e of [...p.envelopeErrors, ...p.lineErrors, ...(p.refusal ? [p.refusal] : [])]) {
        expect(e.code, where).toMatch(CODE)
        expect(e.message, where).toMatch(/^(segment \d+|end of file after segment \d+)/)
      }
      for (const l of p.lines) {
        const r = resolveEdi846Line(
          l,
          { quantityQualifiers: rng.pick([['17'], ['33', '17']]), defaultLocation: rng.pick([null, 'HOME']) },
          catalog,
          'fuzz',
        )
        if (!r.ok) {
          expect(r.code, where).toMatch(CODE)
          expect(r.message, where).toMatch(/^segment \d+: /)
        } else expect(parseEvent(r.event, 0).ok || true, where).toBe(true)
      }
    }
    for (let c = 0; c < 2500; c++) {
      let text = base
      for (let m = rng.int(1, 4); m > 0; m--) {
        const at = rng.int(0, text.length)
        const op = rng.int(0, 4)
        if (op === 0) text = text.slice(0, at) + text.slice(at + rng.int(1, 20))
        else if (op === 1) text = text.slice(0, at) + rng.pick(INSERTS) + text.slice(at)
        else if (op === 2) text = text.slice(0, at)
        else if (op === 3) text = text.slice(0, at) + hostileText(rng, 10) + text.slice(at)
        else text = text + text.slice(0, at)
      }
      const where = `seed ${SEED + 4} case ${c}: ${JSON.stringify(text)}`
      const whole = parseEdi846(text, { maxSegmentChars: 200 })
      check(whole, where)
      // Streaming: the same text pushed in random pieces.
      const r = new Edi846Reader({ maxSegmentChars: 200 })
      const lines = []
      let i = 0
      while (i < text.length) {
        const n = rng.int(1, 50)
        lines.push(...r.push(text.slice(i, i + n)))
        i += n
      }
      lines.push(...r.end())
      expect({ lines, envelopeErrors: r.envelopeErrors, lineErrors: r.lineErrors, refusal: r.refusal }, where).toEqual({
        lines: whole.lines,
        envelopeErrors: whole.envelopeErrors,
        lineErrors: whole.lineErrors,
        refusal: whole.refusal,
      })
    }
  })
})
