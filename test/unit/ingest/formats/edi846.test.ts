import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../../server/ingest/event.schema'
import {
  Edi846Reader,
  parseEdi846,
  resolveEdi846Line,
  toIso,
  type Edi846Catalog,
  type Edi846Parsed,
} from '../../../../server/ingest/formats/edi846'
import { body846, interchange, isa } from '../../../support/x12'

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../../fixtures/edi', name), 'utf8')
const one = (segments: string[]) => interchange([[body846('20261122', segments)]])

/** SKU-1..SKU-9 exist, with aliases V-1 (SKU-1) and 0001 (UPC of SKU-1), CA = 12 EA and LB none. */
const catalog: Edi846Catalog = {
  sku: (id) => {
    const code = id === 'V-1' || id === '0001' ? 'SKU-1' : id === 'X-2' ? 'SKU-2' : /^SKU-\d$/.test(id) ? id : undefined
    return code
      ? {
          code,
          baseUom: 'EA',
          factors: new Map([
            ['EA', 1],
            ['CA', 12],
            ['PK', 6],
          ]),
        }
      : undefined
  },
}
const settings = { quantityQualifiers: ['17'], defaultLocation: null }

function events(p: Edi846Parsed, s: { quantityQualifiers: string[]; defaultLocation: string | null } = settings) {
  return p.lines
    .map((l) => resolveEdi846Line(l, s, catalog, 'acme'))
    .map((r) =>
      r.ok
        ? { sku: r.event.sku, location: r.event.location, quantity: r.event.quantity, uom: r.event.uom }
        : { code: r.code, segment: r.segmentIndex },
    )
}

describe('reading 846 files as senders write them', () => {
  it('reads the multi-location fixture: party N1 ignored, N1 loops inside LINs, units kept', () => {
    const p = parseEdi846(fixture('846-multi-location.edi'))
    expect(p.refusal).toBeNull()
    expect(p.envelopeErrors).toEqual([])
    expect(events(p)).toEqual([
      { code: 'UNKNOWN_SKU', segment: 7 },
      { code: 'UNKNOWN_SKU', segment: 7 },
      { code: 'UNKNOWN_SKU', segment: 15 },
      { code: 'UNKNOWN_SKU', segment: 15 },
      { code: 'UNKNOWN_SKU', segment: 21 },
    ])
    expect(
      p.lines.map((l) => [
        l.location?.id,
        l.quantities.map((q) => `${q.qualifier}:${q.value}:${q.unit ?? ''}`).join(' '),
      ]),
    ).toEqual([
      ['DC-EAST', '17:140:EA 33:120:EA'],
      ['DC-WEST', '17:36:EA 33:30:EA'],
      ['DC-EAST', '17:0:EA'],
      ['DC-WEST', '17:12:CA'],
      ['DC-EAST', '17:8:'],
    ])
  })

  it('takes the first listed qualifier present per location: QTY*33 when the source lists 33 first', () => {
    const p = parseEdi846(
      one([
        'LIN*1*SK*SKU-1',
        'QTY*17*40*EA',
        'QTY*33*35*EA',
        'LIN*2*SK*SKU-2',
        'QTY*33*7',
        'LIN*3*SK*SKU-3',
        'QTY*34*9',
      ]),
    )
    const s = { quantityQualifiers: ['33', '17'], defaultLocation: 'DC-1' }
    expect(events(p, s)).toEqual([
      { sku: 'SKU-1', location: 'DC-1', quantity: 35, uom: 'EA' },
      { sku: 'SKU-2', location: 'DC-1', quantity: 7, uom: undefined },
      { code: 'NO_QUANTITY', segment: 11 },
    ])
    const r = resolveEdi846Line(p.lines[2], s, catalog, 'acme')
    expect(r).toMatchObject({
      ok: false,
      message:
        'segment 11: LIN at segment 10 (SK SKU-3): no QTY with a qualifier source "acme" reads (33, 17); the file has 34. Add the qualifier to the source\'s edi846.quantityQualifiers (Settings -> Sources), or send QTY*33.',
    })
  })

  it('gives one count per SDQ location, in the unit SDQ01 names', () => {
    const p = parseEdi846(
      one(['LIN*1*SK*SKU-1', 'QTY*33*30', 'SDQ*CA*92*EAST*1*WEST*2', 'QTY*17*99', 'SDQ*EA*92*EAST*12*WEST*24']),
    )
    expect(events(p, { quantityQualifiers: ['17'], defaultLocation: null })).toEqual([
      { sku: 'SKU-1', location: 'EAST', quantity: 12, uom: 'EA' },
      { sku: 'SKU-1', location: 'WEST', quantity: 24, uom: 'EA' },
    ])
    expect(events(p, { quantityQualifiers: ['33'], defaultLocation: null })).toEqual([
      { sku: 'SKU-1', location: 'EAST', quantity: 1, uom: 'CA' },
      { sku: 'SKU-1', location: 'WEST', quantity: 2, uom: 'CA' },
    ])
  })

  it('gives one count per SCH naming a warehouse and ignores SCH by date (future availability)', () => {
    const p = parseEdi846(
      one([
        'LIN*1*SK*SKU-1',
        'QTY*17*50*EA',
        'SCH*20*EA*WH*DC-EAST',
        'SCH*30*EA*WH*DC-WEST',
        'SCH*100*EA***018*20261215',
      ]),
    )
    expect(events(p)).toEqual([
      { sku: 'SKU-1', location: 'DC-EAST', quantity: 20, uom: 'EA' },
      { sku: 'SKU-1', location: 'DC-WEST', quantity: 30, uom: 'EA' },
    ])
  })

  it('refuses an SDQ that follows no QTY, per LIN', () => {
    const p = parseEdi846(one(['LIN*1*SK*SKU-1', 'SDQ*EA*92*EAST*1', 'LIN*2*SK*SKU-2', 'QTY*17*3']))
    expect(p.lineErrors.map((e) => [e.code, e.segmentIndex])).toEqual([
      ['SPLIT_WITHOUT_QTY', 6],
      ['NO_QUANTITY', 5],
    ])
    expect(events(p, { quantityQualifiers: ['17'], defaultLocation: 'D' })).toEqual([
      { sku: 'SKU-2', location: 'D', quantity: 3, uom: undefined },
    ])
  })

  it('never takes a party N1 (SU, DS, ST, SE, BY) as a location', () => {
    const p = parseEdi846(
      one([
        'N1*SU*Acme*92*ACME',
        'N1*DS*Dist*92*DIST',
        'N1*ST*Shop*92*SHOP',
        'N1*BY*Buyer*92*BUY',
        'LIN*1*SK*SKU-1',
        'N1*SE*Seller*92*SELL',
        'QTY*17*5',
      ]),
    )
    expect(p.lines.map((l) => l.location)).toEqual([null])
    expect(events(p, { quantityQualifiers: ['17'], defaultLocation: 'HOME' })).toEqual([
      { sku: 'SKU-1', location: 'HOME', quantity: 5, uom: undefined },
    ])
    expect(events(p)).toEqual([{ code: 'MISSING_LOCATION', segment: 11 }])
  })

  it('tries every product id of a LIN against the aliases, and refuses ids that name different SKUs', () => {
    const p = parseEdi846(
      one([
        'N1*WH*W*92*DC',
        'LIN*1*UP*0001*BP*NOPE',
        'QTY*17*1',
        'LIN*2*BP*NOPE*VN*V-1*UP*0001',
        'QTY*17*2',
        'LIN*3*SK*SKU-3*UP*0001',
        'QTY*17*3',
        'LIN*4*UP*404',
        'QTY*17*4',
      ]),
    )
    expect(events(p)).toEqual([
      { sku: '0001', location: 'DC', quantity: 1, uom: undefined },
      { sku: 'V-1', location: 'DC', quantity: 2, uom: undefined },
      { code: 'AMBIGUOUS_SKU', segment: 10 },
      { code: 'UNKNOWN_SKU', segment: 12 },
    ])
  })

  it('converts decimal quantities through the unit (QTY03 or UIT) and refuses what is not whole base units', () => {
    const p = parseEdi846(
      one([
        'N1*WH*W*92*DC',
        'LIN*1*SK*SKU-1',
        'UIT*CA',
        'QTY*17*2.5',
        'LIN*2*SK*SKU-2',
        'QTY*17*1.5*EA',
        'LIN*3*SK*SKU-3',
        'QTY*17*0.5*LB',
        'LIN*4*SK*SKU-4',
        'QTY*17*3.50*PK',
        'LIN*5*SK*SKU-5',
        'QTY*17*12.0',
        'LIN*6*SK*SKU-6',
        'QTY*17*1,5',
      ]),
    )
    expect(events(p)).toEqual([
      { sku: 'SKU-1', location: 'DC', quantity: 30, uom: 'EA' },
      { code: 'FRACTIONAL_QUANTITY', segment: 10 },
      { code: 'UNKNOWN_UOM', segment: 12 },
      { sku: 'SKU-4', location: 'DC', quantity: 21, uom: 'EA' },
      // 12.0 is whole: it goes through as written, in the base unit.
      { sku: 'SKU-5', location: 'DC', quantity: 12, uom: undefined },
      { code: 'INVALID_QUANTITY', segment: 18 },
    ])
    const messages = p.lines
      .map((l) => resolveEdi846Line(l, settings, catalog, 'acme'))
      .filter((r) => !r.ok)
      .map((r) => !r.ok && r.message)
    expect(messages).toEqual([
      'segment 10: LIN at segment 9 (SK SKU-2) at DC: quantity 1.5 EA is 1.5 EA, not a whole number of base units of SKU SKU-2: add a unit conversion that gives whole EA (or make EA a smaller unit), or send whole units.',
      'segment 12: LIN at segment 11 (SK SKU-3) at DC: quantity 0.5 LB: SKU SKU-3 has no unit conversion for LB: add one (1 LB = n EA).',
      'segment 18: LIN at segment 17 (SK SKU-6) at DC: quantity "1,5" is not a number; send digits with an optional decimal point, e.g. 120 or 2.5.',
    ])
  })

  it('refuses two figures of the chosen qualifier for one location, but not of another qualifier', () => {
    const p = parseEdi846(
      one([
        'N1*WH*W*92*DC',
        'LIN*1*SK*SKU-1',
        'QTY*17*1',
        'QTY*17*2',
        'LIN*2*SK*SKU-2',
        'QTY*17*5',
        'QTY*33*1',
        'QTY*33*2',
      ]),
    )
    expect(events(p)).toEqual([
      { code: 'DUPLICATE_QUANTITY', segment: 8 },
      { sku: 'SKU-2', location: 'DC', quantity: 5, uom: undefined },
    ])
  })

  it('produces events parseEvent accepts as counts, dated by the most specific DTM*405', () => {
    const p = parseEdi846(
      one([
        'DTM*405*20261121*0500',
        'N1*WH*W*92*DC',
        'LIN*1*SK*SKU-1',
        'QTY*17*1',
        'DTM*405*20261120*1200*ES',
        'LIN*2*SK*SKU-2',
        'QTY*17*2',
      ]),
    )
    const evs = p.lines.map((l) => resolveEdi846Line(l, settings, catalog, 'acme')).map((r) => (r.ok ? r.event : null))
    expect(evs.map((e) => e?.occurredAt)).toEqual(['2026-11-20T12:00:00-05:00', '2026-11-21T05:00:00Z'])
    for (const [i, e] of evs.entries()) expect(parseEvent(e, i).ok).toBe(true)
  })

  it('reads several transaction sets and several interchanges in one file, each with its own separators and keys', () => {
    const a = interchange(
      [
        [body846('20261122', ['N1*WH*W*92*DC', 'LIN*1*SK*SKU-1', 'QTY*17*1'])],
        [
          body846('20261122', ['N1*WH*W*92*DC', 'LIN*1*SK*SKU-2', 'QTY*17*2']),
          body846('20261122', ['N1*WH*W*92*DC', 'LIN*1*SK*SKU-3', 'QTY*17*3']),
        ],
      ],
      { control: '7' },
    )
    const b = interchange([[body846('20261122', ['N1*WH*W*92*DC', 'LIN*1*SK*SKU-4', 'QTY*17*4'])]], {
      control: '8',
      element: '|',
      segment: '\n',
      after: '',
    })
    const p = parseEdi846(`${a}\n\n${b}`)
    expect(p.envelopeErrors).toEqual([])
    expect(p.interchanges.map((i) => [i.control, i.separators.element])).toEqual([
      ['000000007', '*'],
      ['000000008', '|'],
    ])
    expect(p.lines.map((l) => l.idempotencyKey)).toEqual([
      'x12-846:ACME3PL:2611220615:000000007:1:0001:1:DC',
      'x12-846:ACME3PL:2611220615:000000007:2:0001:1:DC',
      'x12-846:ACME3PL:2611220615:000000007:2:0002:1:DC',
      'x12-846:ACME3PL:2611220615:000000008:1:0001:1:DC',
    ])
    // Segments are numbered across the file: the second interchange's LIN is segment 33.
    expect(p.lines[3].segmentIndex).toBe(33)
  })

  it('reads the fixtures of other layouts', () => {
    expect(parseEdi846(fixture('846-pipe-heading-location.edi')).lines.length).toBeGreaterThan(0)
    expect(parseEdi846(fixture('846-trailing-n1-newline-terminator.edi')).lines.length).toBeGreaterThan(0)
  })
})

describe('files that are not 846s, and malformed envelopes', () => {
  const refusal = (text: string) => parseEdi846(text).refusal
  it.each([
    ['997', ['ST*997*0001', 'AK1*IB*1', 'AK9*A*1*1*1'], '997 functional acknowledgment'],
    ['856', ['ST*856*0001', 'BSN*00*SH1*20261122*0600'], '856 ship notice/manifest'],
    ['832', ['ST*832*0001', 'BCT*PS'], '832 price/sales catalog'],
    ['852', ['ST*852*0001', 'XQ*H*20261122'], '852 product activity data'],
    ['999', ['ST*999*0001', 'AK1*IB*1'], '999 implementation acknowledgment'],
    ['123', ['ST*123*0001'], 'transaction set 123'],
  ])('refuses a %s whole, naming it', (code, body, name) => {
    expect(refusal(interchange([[body]]))).toEqual({
      segmentIndex: 3,
      code: 'NOT_AN_846',
      message: `segment 3 (ST): this is a ${name} (transaction set ${code}), not an 846 inventory inquiry/advice; nothing from this file is applied.`,
    })
  })

  it('refuses a file mixing an 846 with a 997', () => {
    expect(
      refusal(interchange([[body846('20261122', ['LIN*1*SK*SKU-1', 'QTY*17*1']), ['ST*997*0002', 'AK1*IB*1']]]))
        ?.message,
    ).toMatch(/^segment 9 \(ST\): this is a 997 functional acknowledgment/)
  })

  it('refuses a TA1-only interchange', () => {
    const text = `${isa()}\nTA1*000000101*261122*0615*A*000~\nIEA*0*000000101~\n`
    expect(refusal(text)).toEqual({
      segmentIndex: 1,
      code: 'NOT_AN_846',
      message:
        'segment 1 (ISA): interchange 000000101 holds only a TA1 interchange acknowledgment, not an 846 inventory inquiry/advice; nothing is applied.',
    })
  })

  it('names EDIFACT, XML, JSON and other text', () => {
    expect(refusal("UNA:+.? 'UNB+UNOC:3+X+Y'")?.message).toBe(
      'segment 1: this is an EDIFACT interchange (UNA/UNB), not an X12 846; nothing from this file is applied.',
    )
    expect(refusal('<Inventory/>')?.code).toBe('NOT_X12')
    expect(refusal('GS*IB*A*B~ST*846*1~')?.message).toBe(
      'segment 1: the file starts with GS but has no ISA interchange header; send the whole interchange (ISA ... IEA).',
    )
    expect(refusal('sku,qty\nA,1')?.message).toBe(
      'segment 1: not an X12 interchange: the file must start with an ISA segment (it starts with "sku,qty\\nA,1"); nothing from this file is applied.',
    )
  })

  it('refuses a test interchange', () => {
    expect(refusal(interchange([[body846('20261122', ['LIN*1*SK*SKU-1', 'QTY*17*1'])]], { usage: 'T' }))?.code).toBe(
      'TEST_INTERCHANGE',
    )
  })

  it('reports envelope errors with the segment number', () => {
    const text = interchange([
      [['ST*846*0001', 'BIA*00*MM*R*20261122', 'LIN*1*SK*SKU-1', 'QTY*17*1', 'CTT*2', 'SE*9*0002']],
    ])
    expect(parseEdi846(text).envelopeErrors).toEqual([
      {
        segmentIndex: 7,
        code: 'LINE_COUNT_MISMATCH',
        message:
          'segment 7 (CTT): CTT01 says 2 line item(s) but transaction set 0001 has 1 LIN segment(s); the file may be truncated or edited.',
      },
      {
        segmentIndex: 8,
        code: 'SEGMENT_COUNT_MISMATCH',
        message:
          'segment 8 (SE): SE01 says 9 segments but transaction set 0001 has 6 (ST to SE inclusive); the file may be truncated or edited.',
      },
      {
        segmentIndex: 8,
        code: 'CONTROL_NUMBER_MISMATCH',
        message: 'segment 8 (SE): SE02 0002 does not match ST02 0001 (segment 3).',
      },
    ])
    expect(parseEdi846(fixture('846-truncated.edi')).envelopeErrors.map((e) => e.code)).toContain('MISSING_IEA')
    const isaBad = parseEdi846(isa().replace('ACME3PL        ', 'ACME3PL') + 'GS*X~')
    expect(isaBad.envelopeErrors[0]).toMatchObject({
      segmentIndex: 1,
      code: 'INVALID_ISA',
      message: expect.stringContaining('ISA06 is 7 characters but must be 15'),
    })
  })

  it('stops at a segment longer than the cap (a wrong terminator), naming it', () => {
    const text = isa({ segment: '~' }) + 'GS*IB' + '*x'.repeat(50_000)
    const p = parseEdi846(text, { maxSegmentChars: 10_000 })
    expect(p.envelopeErrors).toEqual([
      {
        segmentIndex: 2,
        code: 'SEGMENT_TOO_LONG',
        message:
          'segment 2: more than 10000 characters without the segment terminator "~" (declared by the ISA); check the terminator.',
      },
    ])
  })

  it('refuses a NUL character (binary or corrupted data) without quoting it', () => {
    const p = parseEdi846(one(['LIN*1*SK*SKU\u00001', 'QTY*17*1']))
    expect(p.envelopeErrors[0]).toEqual({
      segmentIndex: 5,
      code: 'INVALID_CHARACTER',
      message: 'segment 5: holds a NUL character (U+0000), which is not X12 data; the file may be binary or corrupted.',
    })
    expect(parseEdi846(one(['L\u0001N*1*SK*SKU-1'])).envelopeErrors[0].message).toBe(
      'segment 5: "L\\u0001N" is not a segment id; check that the segment terminator "~" (declared by the ISA) is not used inside data.',
    )
  })

  it('refuses a file over the size cap', () => {
    const r = new Edi846Reader({ maxFileChars: 1000 })
    r.push(one(['LIN*1*SK*SKU-1', 'QTY*17*1']))
    r.push('x'.repeat(1000))
    expect(r.refusal?.code).toBe('FILE_TOO_LARGE')
  })

  it('is linear on long runs of CR, spaces and terminators (no quadratic trimming)', () => {
    const t0 = performance.now()
    parseEdi846(isa() + '\r'.repeat(2_000_000) + 'GS*IB~' + ' '.repeat(2_000_000) + '~'.repeat(1_000_000))
    parseEdi846(isa({ segment: '\n' }) + '\r'.repeat(2_000_000) + 'x')
    // Quadratic behaviour on 2 million characters takes minutes; linear takes well under a few seconds even on a busy machine.
    expect(performance.now() - t0).toBeLessThan(30_000)
  }, 60_000)
})

describe('toIso', () => {
  it.each([
    ['20261122', '0600', '', '2026-11-22T06:00:00Z'],
    ['20261122', '060000', 'UT', '2026-11-22T06:00:00Z'],
    ['20261122', '06000012', 'GM', '2026-11-22T06:00:00.120Z'],
    ['20261122', '0600005', '', '2026-11-22T06:00:00.500Z'],
    ['261122', '0600', '', '2026-11-22T06:00:00Z'],
    ['20261122', '0600', 'ES', '2026-11-22T06:00:00-05:00'],
    ['20260722', '0600', 'ED', '2026-07-22T06:00:00-04:00'],
    ['20260122', '0600', 'ET', '2026-01-22T06:00:00-05:00'],
    ['20260722', '0600', 'ET', '2026-07-22T06:00:00-04:00'],
    ['20260722', '0600', 'CT', '2026-07-22T06:00:00-05:00'],
    ['20260122', '0600', 'MT', '2026-01-22T06:00:00-07:00'],
    ['20260722', '0600', 'PT', '2026-07-22T06:00:00-07:00'],
    ['20261122', '0600', '01', '2026-11-22T06:00:00+01:00'],
    ['20261122', '0600', '12', '2026-11-22T06:00:00+12:00'],
    ['20261122', '0600', '13', '2026-11-22T06:00:00-12:00'],
    ['20261122', '0600', '24', '2026-11-22T06:00:00-01:00'],
    ['20261122', '', 'CS', '2026-11-22T00:00:00-06:00'],
  ])('%s %s %s is %s', (date, time, code, iso) => {
    const r = toIso(date, time, code, 1)
    expect(r).toEqual({ ok: true, segmentIndex: 1, iso })
    if (r.ok)
      expect(
        parseEvent({ idempotencyKey: 'k', type: 'count', sku: 'A', location: 'L', quantity: 0, occurredAt: r.iso }, 0)
          .ok,
      ).toBe(true)
  })

  it('is the same instant whichever way the offset is written', () => {
    const a = toIso('20261122', '0600', 'ES', 1)
    const b = toIso('20261122', '1100', 'UT', 1)
    if (!a.ok || !b.ok) throw new Error('expected valid dates')
    expect(new Date(a.iso).getTime()).toBe(new Date(b.iso).getTime())
  })

  it.each([
    ['20260230', '', '', /not a real date/],
    ['2026112', '', '', /not CCYYMMDD/],
    ['20261122', '2460', '', /not a real date and time/],
    ['20261122', '06', '', /not HHMM/],
    ['20261122', '0600', 'LT', /LT \(local time\) gives no offset/],
    ['20261122', '0600', 'XX', /not a known X12 time code/],
  ])('rejects %s %s %s', (date, time, code, reason) => {
    expect(toIso(date, time, code, 4)).toEqual({ ok: false, segmentIndex: 4, reason: expect.stringMatching(reason) })
  })
})
