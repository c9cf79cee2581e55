import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../../server/ingest/event.schema'
import { Edi846SyntaxError, parseEdi846, toIso, type Edi846Options, type Edi846Result } from '../../../../server/ingest/formats/edi846'

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../../fixtures/edi', name), 'utf8')

interface Envelope { element?: string; component?: string; terminator?: string; newline?: string; control?: string; usage?: string; sender?: string }

/** A fixed-width ISA, 106 characters with its terminator. */
function isa(e: Envelope = {}): string {
  const el = e.element ?? '*'
  const s = ['ISA', '00', ' '.repeat(10), '00', ' '.repeat(10), 'ZZ', (e.sender ?? 'ACME3PL').padEnd(15), 'ZZ', 'STOCKTOWER'.padEnd(15),
    '261122', '0615', 'U', '00401', e.control ?? '000000101', '0', e.usage ?? 'P', e.component ?? '>'].join(el) + (e.terminator ?? '~')
  expect(s).toHaveLength(106)
  return s
}

/**
 * A whole interchange around transaction-set bodies (segments between ST and SE, written with *
 * and > and converted to the envelope's separators). SE01 is computed unless a body gives its own SE.
 */
function x12(bodies: string[][], e: Envelope = {}): string {
  const el = e.element ?? '*'
  const comp = e.component ?? '>'
  const term = e.terminator ?? '~'
  const nl = e.newline ?? '\n'
  const segs: string[] = ['GS*IB*ACME3PL*STOCKTOWER*20261122*0615*101*X*004010']
  bodies.forEach((body, i) => {
    const st02 = String(i + 1).padStart(4, '0')
    const withSt = body[0]?.startsWith('ST*') ? body : [`ST*846*${st02}`, ...body]
    segs.push(...withSt)
    if (!withSt.some((s) => s.startsWith('SE*'))) segs.push(`SE*${withSt.length + 1}*${withSt[0].split('*')[2]}`)
  })
  segs.push(`GE*${bodies.length}*101`, `IEA*1*${e.control ?? '000000101'}`)
  return isa(e) + nl + segs.map((s) => s.replaceAll('*', el).replaceAll('>', comp) + term).join(nl) + nl
}

const simpleBody = (qty = 'QTY*17*10*EA') => ['BIA*00*MM*R1*20261122*0600', 'N1*WH*Dallas*92*DC-EAST', 'LIN*1*SK*SKU-1', qty, 'CTT*1']

function codes(r: Edi846Result): string[] {
  return r.errors.map((e) => e.code)
}

function counts(r: Edi846Result) {
  return r.events.map(({ event: { sku, location, quantity } }) => ({ sku, location, quantity }))
}

function parse(text: string, opts?: Edi846Options): Edi846Result {
  return parseEdi846(text, opts)
}

describe('parseEdi846 on realistic files', () => {
  it('reads a multi-item, multi-location 846 with N1 loops inside each LIN', () => {
    const r = parse(fixture('846-multi-location.edi'))
    expect(r.errors).toEqual([])
    expect(r).toMatchObject({ interchangeControl: '000004521', senderId: 'ACME3PL', isTest: false, separators: { element: '*', component: '>', segment: '~' } })
    expect(r.events.map((e) => ({ segmentIndex: e.segmentIndex, ...e.event }))).toEqual([
      { segmentIndex: 10, idempotencyKey: 'x12-846:ACME3PL:2611220615:000004521:4521:0001:1:DC-EAST', type: 'count', sku: 'SKU-123', location: 'DC-EAST', quantity: 140, uom: 'EA', occurredAt: '2026-11-22T06:00:00-05:00', reference: '846 INV-20261122-01 LIN 1: SK=SKU-123 UP=012345678905 VN=AC-123' },
      { segmentIndex: 13, idempotencyKey: 'x12-846:ACME3PL:2611220615:000004521:4521:0001:1:DC-WEST', type: 'count', sku: 'SKU-123', location: 'DC-WEST', quantity: 36, uom: 'EA', occurredAt: '2026-11-22T06:00:00-05:00', reference: '846 INV-20261122-01 LIN 1: SK=SKU-123 UP=012345678905 VN=AC-123' },
      { segmentIndex: 17, idempotencyKey: 'x12-846:ACME3PL:2611220615:000004521:4521:0001:2:DC-EAST', type: 'count', sku: 'SKU-456', location: 'DC-EAST', quantity: 0, uom: 'EA', occurredAt: '2026-11-22T06:00:00-05:00', reference: '846 INV-20261122-01 LIN 2: SK=SKU-456 UP=012345678912' },
      // The DTM after this QTY dates it alone (QTY loop), overriding the heading's report date.
      { segmentIndex: 19, idempotencyKey: 'x12-846:ACME3PL:2611220615:000004521:4521:0001:2:DC-WEST', type: 'count', sku: 'SKU-456', location: 'DC-WEST', quantity: 12, uom: 'CA', occurredAt: '2026-11-22T05:45:00-05:00', reference: '846 INV-20261122-01 LIN 2: SK=SKU-456 UP=012345678912' },
      // No SK or VN: the buyer's part number is the best id; no unit means the SKU's base unit.
      { segmentIndex: 23, idempotencyKey: 'x12-846:ACME3PL:2611220615:000004521:4521:0001:3:DC-EAST', type: 'count', sku: 'BUY-789', location: 'DC-EAST', quantity: 8, occurredAt: '2026-11-22T06:00:00-05:00', reference: '846 INV-20261122-01 LIN 3: BP=BUY-789 UP=012345678929' },
    ])
    expect(r.events[0].itemIds).toEqual([{ qualifier: 'SK', id: 'SKU-123' }, { qualifier: 'UP', id: '012345678905' }, { qualifier: 'VN', id: 'AC-123' }])
    expect(r.ignored.map((i) => [i.segmentIndex, i.code])).toEqual([[6, 'IGNORED_PARTY'], [11, 'IGNORED_QUANTITY'], [14, 'IGNORED_QUANTITY']])
    expect(r.ignored[1].message).toBe('segment 11 (QTY): QTY01 33 (available for sale) is not applied; only QTY*17 (quantity on hand) becomes a count.')
  })

  it('produces events parseEvent accepts as counts', () => {
    for (const f of ['846-multi-location.edi', '846-pipe-heading-location.edi', '846-trailing-n1-newline-terminator.edi']) {
      const r = parse(fixture(f))
      expect(r.events.length).toBeGreaterThan(0)
      r.events.forEach((e, i) => expect(parseEvent(e.event, i)).toMatchObject({ ok: true, event: { type: 'count' } }))
    }
  })

  it('reads | and ^ separators with a heading location, all on one line (5010)', () => {
    const r = parse(fixture('846-pipe-heading-location.edi'))
    expect(r.errors).toEqual([])
    expect(r.separators).toEqual({ element: '|', component: '^', segment: '~' })
    expect(r.events.map((e) => ({ ...e.event, idempotencyKey: undefined, reference: undefined }))).toEqual([
      { type: 'count', sku: 'VN-1001', location: 'DC-CENTRAL', quantity: 250, uom: 'EA', occurredAt: '2026-11-23T23:30:00Z' },
      // QTY03 is a composite (unit^multiplier): the unit is its first component.
      { type: 'count', sku: 'VN-1002', location: 'DC-CENTRAL', quantity: 75, uom: 'CA', occurredAt: '2026-11-23T23:30:00Z' },
    ])
    expect(r.ignored.map((i) => i.segment)).toEqual(['QTY|33|240|EA', 'QTY|02|10|EA'])
  })

  it('reads the standard order (QTY loop, then the LIN\'s N1) with a CR LF segment terminator', () => {
    const r = parse(fixture('846-trailing-n1-newline-terminator.edi'))
    expect(r.errors).toEqual([])
    expect(r.separators.segment).toBe('\r')
    expect(counts(r)).toEqual([{ sku: 'SKU-123', location: 'DC-WEST', quantity: 19 }, { sku: 'SKU-456', location: 'DC-WEST', quantity: 4 }])
    // DTM04 PT in November is Pacific Standard Time.
    expect(r.events[0].event.occurredAt).toBe('2026-11-24T18:30:00-08:00')
  })

  it('gives the same events whatever the separators and line breaks', () => {
    const body = ['BIA*00*MM*R1*20261122*0600', 'LIN*1*SK*SKU-1', 'N1*WH*Dallas*92*DC-EAST', 'QTY*17*10*CA>12', 'N1*WH*Reno*92*DC-WEST', 'QTY*17*4*EA', 'LIN*2*VN*V-2', 'N1*WH*Reno*92*DC-WEST', 'QTY*17*0', 'CTT*2']
    const variants: Envelope[] = [
      {},
      { newline: '' },
      { newline: '\r\n' },
      { element: '|', component: '^', terminator: '~' },
      { element: '^', component: ':', terminator: "'" },
      { element: '*', component: ':', terminator: '\n', newline: '' },
    ]
    const results = variants.map((v) => parse(x12([body], v)))
    for (const r of results) expect(r.errors).toEqual([])
    const events = results.map((r) => r.events.map((e) => e.event))
    for (const e of events) expect(e).toEqual(events[0])
    expect(counts(results[0])).toEqual([
      { sku: 'SKU-1', location: 'DC-EAST', quantity: 10 }, { sku: 'SKU-1', location: 'DC-WEST', quantity: 4 }, { sku: 'V-2', location: 'DC-WEST', quantity: 0 },
    ])
    expect(events[0][0].uom).toBe('CA')
  })

  it('reads a file wrapped at 80 columns', () => {
    const flat = x12([simpleBody()], { newline: '' })
    const wrapped = flat.match(/.{1,80}/g)!.join('\r\n')
    expect(parse(wrapped).events.map((e) => e.event)).toEqual(parse(flat).events.map((e) => e.event))
    expect(parse(wrapped).errors).toEqual([])
  })

  it('tolerates a BOM and blank space before the ISA', () => {
    expect(counts(parse(`\uFEFF\r\n  ${x12([simpleBody()])}`))).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 10 }])
  })

  it('reads several transaction sets, each with its own keys', () => {
    const r = parse(x12([simpleBody('QTY*17*10'), simpleBody('QTY*17*11')]))
    expect(r.errors).toEqual([])
    expect(r.events.map((e) => [e.event.quantity, e.event.idempotencyKey])).toEqual([
      [10, 'x12-846:ACME3PL:2611220615:000000101:101:0001:1:DC-EAST'],
      [11, 'x12-846:ACME3PL:2611220615:000000101:101:0002:1:DC-EAST'],
    ])
  })

  it('flags a test interchange (ISA15 = T)', () => {
    expect(parse(x12([simpleBody()], { usage: 'T' })).isTest).toBe(true)
  })
})

describe('idempotency keys', () => {
  it('are the same when the same file is dropped again, so the second drop is all duplicates', () => {
    const text = fixture('846-multi-location.edi')
    expect(parse(text).events.map((e) => e.event.idempotencyKey)).toEqual(parse(text).events.map((e) => e.event.idempotencyKey))
  })

  it('are unique within a file and differ for another interchange control number', () => {
    const keys = parse(fixture('846-multi-location.edi')).events.map((e) => e.event.idempotencyKey)
    expect(new Set(keys).size).toBe(keys.length)
    const a = parse(x12([simpleBody()], { control: '000000101' })).events[0].event.idempotencyKey
    const b = parse(x12([simpleBody()], { control: '000000102' })).events[0].event.idempotencyKey
    expect(a).not.toBe(b)
  })

  it('do not depend on the separators', () => {
    const a = parse(x12([simpleBody()])).events[0].event.idempotencyKey
    const b = parse(x12([simpleBody()], { element: '|', component: '^' })).events[0].event.idempotencyKey
    expect(a).toBe(b)
  })
})

describe('locations', () => {
  it('uses the configured default location when no N1 places a LIN', () => {
    const body = ['BIA*00*MM*R1*20261122', 'LIN*1*SK*SKU-1', 'QTY*17*3', 'CTT*1']
    expect(counts(parse(x12([body]), { defaultLocation: '3PL-MAIN' }))).toEqual([{ sku: 'SKU-1', location: '3PL-MAIN', quantity: 3 }])
  })

  it('reports a LIN without a location when there is no default', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'LIN*1*SK*SKU-1', 'QTY*17*3', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(r.errors).toEqual([{
      segmentIndex: 6, segment: 'QTY*17*3', code: 'MISSING_LOCATION',
      message: 'segment 6 (QTY): LIN at segment 5 (SKU SKU-1) has no location: add N1*WH*<name>*92*<location code> to the heading or the LIN loop, or set a default location for this inbox.',
    }])
  })

  it('lets a LIN\'s own N1 override the heading location', () => {
    const body = ['BIA*00*MM*R1*20261122', 'N1*WH*Dallas*92*DC-EAST', 'LIN*1*SK*A', 'N1*WH*Reno*92*DC-WEST', 'QTY*17*1', 'LIN*2*SK*B', 'QTY*17*2', 'CTT*2']
    expect(counts(parse(x12([body])))).toEqual([{ sku: 'A', location: 'DC-WEST', quantity: 1 }, { sku: 'B', location: 'DC-EAST', quantity: 2 }])
  })

  it('reports an N1 location without an id, and the QTYs it should have placed', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'LIN*1*SK*A', 'N1*WH*Dallas DC', 'QTY*17*1', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['MISSING_LOCATION_ID', 'MISSING_LOCATION'])
    expect(r.errors[0].message).toBe('segment 6 (N1): N1*WH has no location id; send N1*WH*<name>*92*<location code> (N103 qualifier and N104 id).')
    expect(r.errors[1].message).toMatch(/its location is unusable because of segment 6/)
  })

  it('refuses two heading locations', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*A*92*DC-EAST', 'N1*WH*B*92*DC-WEST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['AMBIGUOUS_LOCATION', 'MISSING_LOCATION'])
  })

  it('withholds a transaction set whose N1s could be a running heading', () => {
    // Read top to bottom this looks like "B is at DC-EAST, C at DC-WEST", but in 846 structure
    // the N1 after B's QTY belongs to B's LIN loop: no reading is safe.
    const body = ['BIA*00*MM*R1*20261122', 'N1*WH*A*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'LIN*2*SK*B', 'QTY*17*2', 'N1*WH*B*92*DC-WEST', 'LIN*3*SK*C', 'QTY*17*3', 'CTT*3']
    const r = parse(x12([body]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['AMBIGUOUS_LOCATION', 'TRANSACTION_WITHHELD'])
    expect(r.errors[0].segmentIndex).toBe(10)
  })

  it('refuses a LIN loop that mixes N1-after-QTY and QTY-after-N1', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'LIN*1*SK*A', 'QTY*17*1', 'N1*WH*A*92*DC-EAST', 'QTY*17*2', 'CTT*1']]))
    expect(counts(r)).toEqual([{ sku: 'A', location: 'DC-EAST', quantity: 1 }])
    expect(r.errors).toMatchObject([{ segmentIndex: 8, code: 'AMBIGUOUS_LOCATION' }])
  })

  it('ignores parties that are not stock locations', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*SU*Acme*92*ACME', 'N1*WH*Dallas*92*DC-EAST', 'LIN*1*SK*A', 'N1*MF*Maker*92*M1', 'QTY*17*1', 'CTT*1']]))
    expect(counts(r)).toEqual([{ sku: 'A', location: 'DC-EAST', quantity: 1 }])
    expect(r.ignored.map((i) => i.code)).toEqual(['IGNORED_PARTY', 'IGNORED_PARTY'])
  })
})

describe('quantities', () => {
  it('maps QTY*17 (on hand) to the count and reports a location with only QTY*33 (available)', () => {
    const r = parse(x12([simpleBody('QTY*33*9*EA')]))
    expect(r.events).toEqual([])
    expect(r.errors).toMatchObject([{ segmentIndex: 7, code: 'NO_ON_HAND_QUANTITY', message: expect.stringMatching(/has no QTY\*17 \(quantity on hand\) for the heading location/) }])
    expect(r.ignored).toMatchObject([{ segmentIndex: 7, code: 'IGNORED_QUANTITY' }])
  })

  it('can take another qualifier as on hand for a partner that sends only that', () => {
    expect(counts(parse(x12([simpleBody('QTY*33*9*EA')]), { onHandQualifier: '33' }))).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 9 }])
  })

  it('reports a LIN with no QTY at all', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'PID*F****Widget', 'CTT*1']]))
    expect(r.errors).toMatchObject([{ segmentIndex: 6, code: 'NO_ON_HAND_QUANTITY', message: expect.stringMatching(/has no QTY/) }])
  })

  it.each([
    ['QTY*17*ten*EA', /QTY02 "ten" is not a number/],
    ['QTY*17**EA', /QTY02 \(empty\) is not a number/],
    ['QTY*17*12.5*EA', /QTY02 12.5 is not a whole number/],
  ])('rejects %s with the segment number', (qty, message) => {
    const r = parse(x12([simpleBody(qty)]))
    expect(r.events).toEqual([])
    expect(r.errors).toEqual([{ segmentIndex: 7, segment: qty, code: 'INVALID_QUANTITY', message: expect.stringMatching(/^segment 7 \(QTY\): /) }])
    expect(r.errors[0].message).toMatch(message)
  })

  it('accepts a decimal that is a whole number, and leaves a negative count for parseEvent to reject', () => {
    expect(counts(parse(x12([simpleBody('QTY*17*12.00')])))).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 12 }])
    const neg = parse(x12([simpleBody('QTY*17*-2')]))
    expect(parseEvent(neg.events[0].event, 0)).toMatchObject({ ok: false, rejection: { code: 'INVALID_QUANTITY' } })
  })

  it('applies neither of two on-hand quantities for one location', () => {
    const body = ['BIA*00*MM*R1*20261122', 'LIN*1*SK*A', 'N1*WH*D*92*DC-EAST', 'QTY*17*1', 'N1*WH*W*92*DC-WEST', 'QTY*17*5', 'N1*WH*D*92*DC-EAST', 'QTY*17*2', 'CTT*1']
    const r = parse(x12([body]))
    expect(counts(r)).toEqual([{ sku: 'A', location: 'DC-WEST', quantity: 5 }])
    expect(r.errors).toMatchObject([{ segmentIndex: 11, code: 'DUPLICATE_QUANTITY', message: expect.stringMatching(/2 on-hand quantities for one location \(segments 7, 11\)/) }])
  })

  it('reports a QTY before any LIN', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'QTY*17*5', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1']]))
    expect(counts(r)).toEqual([{ sku: 'A', location: 'DC-EAST', quantity: 1 }])
    expect(r.errors).toEqual([{ segmentIndex: 6, segment: 'QTY*17*5', code: 'QTY_OUTSIDE_LIN', message: 'segment 6 (QTY): QTY before any LIN; a quantity must follow the LIN that names its item.' }])
  })

  it('refuses SDQ quantities rather than dropping them', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'LIN*1*SK*A', 'SDQ*EA*92*DC-EAST*10*DC-WEST*4', 'CTT*1']]))
    expect(r.errors).toMatchObject([{ segmentIndex: 5, code: 'NO_ON_HAND_QUANTITY' }, { segmentIndex: 6, code: 'UNSUPPORTED_SEGMENT' }])
  })
})

describe('items', () => {
  it('prefers SK, then VN, over other ids, keeping all of them for alias resolution', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*7*UP*0123*BP*B-1*VN*V-1', 'QTY*17*1', 'LIN**UP*0456*SK*S-2', 'QTY*17*2', 'CTT*2']]))
    expect(r.events.map((e) => e.event.sku)).toEqual(['V-1', 'S-2'])
    expect(r.events[0].itemIds).toEqual([{ qualifier: 'UP', id: '0123' }, { qualifier: 'BP', id: 'B-1' }, { qualifier: 'VN', id: 'V-1' }])
  })

  it('takes a custom preference order', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*S-1*UP*0123', 'QTY*17*1', 'CTT*1']]), { skuQualifiers: ['UP'] })
    expect(r.events[0].event.sku).toBe('0123')
  })

  it('reports a LIN with no product id', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1', 'QTY*17*1', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(r.errors).toMatchObject([{ segmentIndex: 6, code: 'MISSING_ITEM_ID' }])
  })
})

describe('report dates', () => {
  const at = (body: string[]) => parse(x12([body])).events.map((e) => e.event.occurredAt)

  it('uses BIA04/BIA05 as UTC when no DTM dates the report', () => {
    expect(at(['BIA*00*MM*R1*20261122*0600', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1'])).toEqual(['2026-11-22T06:00:00Z'])
    expect(at(['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1'])).toEqual(['2026-11-22T00:00:00Z'])
  })

  it('takes the most specific report date: QTY, then the LIN\'s N1, then LIN, then heading', () => {
    const body = [
      'BIA*00*MM*R1*20261101', 'DTM*405*20261102*0000*UT', 'N1*WH*D*92*DC-EAST',
      'LIN*1*SK*A', 'DTM*405*20261103*0000*UT', 'QTY*17*1', // LIN date
      'LIN*2*SK*B', 'DTM*405*20261103*0000*UT',
      'N1*WH*W*92*DC-WEST', 'DTM*405*20261104*0000*UT', 'QTY*17*2', // N1 date over the LIN's
      'N1*WH*N*92*DC-NORTH', 'QTY*17*3', 'DTM*405*20261105*0000*UT', // QTY date
      'LIN*3*SK*C', 'QTY*17*4', // heading DTM over BIA
      'CTT*3',
    ]
    expect(at(body)).toEqual(['2026-11-03T00:00:00Z', '2026-11-04T00:00:00Z', '2026-11-05T00:00:00Z', '2026-11-02T00:00:00Z'])
  })

  it('ignores dates that are not the report date, but reports them', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'DTM*036*20301231', 'QTY*17*1', 'CTT*1']]))
    expect(r.events[0].event.occurredAt).toBe('2026-11-22T00:00:00Z')
    expect(r.ignored).toMatchObject([{ segmentIndex: 7, code: 'IGNORED_DATE' }])
  })

  it('reads DTM05 D8 and DT formats', () => {
    expect(at(['BIA*00*MM*R1', 'DTM*405****D8*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1'])).toEqual(['2026-11-22T00:00:00Z'])
    expect(at(['BIA*00*MM*R1', 'DTM*405****DT*202611221415', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1'])).toEqual(['2026-11-22T14:15:00Z'])
  })

  it('reports an unusable report date on the DTM and on each count it would date', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'DTM*405*20261122*0600*LT', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['INVALID_DATE', 'INVALID_DATE'])
    expect(r.errors[0].message).toMatch(/^segment 5 \(DTM\): time code LT \(local time\) gives no offset from UTC/)
    expect(r.errors[1].message).toMatch(/^segment 8 \(QTY\): .*its report date \(segment 5\) is unusable/)
  })

  it('reports a count with no date at all', () => {
    const r = parse(x12([['BIA*00*MM*R1', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*1']]))
    expect(r.errors).toMatchObject([{ segmentIndex: 7, code: 'MISSING_DATE' }])
  })

  it('refuses two report dates for one scope', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'DTM*405*20261122', 'DTM*405*20261123', 'CTT*1']]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['INVALID_DATE', 'INVALID_DATE'])
  })
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
    if (r.ok) expect(parseEvent({ idempotencyKey: 'k', type: 'count', sku: 'A', location: 'L', quantity: 0, occurredAt: r.iso }, 0).ok).toBe(true)
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

describe('malformed interchanges', () => {
  it('throws only when there is no ISA at all', () => {
    expect(() => parse('GS*IB*A*B*20261122*0615*1*X*004010~')).toThrow(Edi846SyntaxError)
    expect(() => parse('')).toThrow(/must start with an ISA segment/)
    expect(() => parse('sku,location,on_hand\n')).toThrow(Edi846SyntaxError)
  })

  it('reports an ISA of the wrong length, naming the element', () => {
    const text = x12([simpleBody()]).replace('ACME3PL        ', 'ACME3PL')
    const r = parse(text)
    expect(r.events).toEqual([])
    expect(r.errors).toEqual([{
      segmentIndex: 1, segment: expect.stringMatching(/^ISA\*00/), code: 'INVALID_ISA',
      message: 'segment 1 (ISA): ISA06 is 7 characters but must be 15 (the ISA is fixed-width, 106 characters with its terminator; pad ISA06 and ISA08 with spaces).',
    }])
  })

  it('reports a cut-off ISA', () => {
    expect(parse('ISA*00*          *00*   ')).toMatchObject({ events: [], errors: [{ segmentIndex: 1, code: 'INVALID_ISA' }] })
  })

  it('reports separators that are not distinct punctuation', () => {
    const text = x12([simpleBody()], { component: '~' })
    expect(parse(text).errors).toMatchObject([{ code: 'INVALID_ISA', message: expect.stringMatching(/separators are not distinct/) }])
  })

  it('skips a transaction set that is not an 846 and still reads the 846 beside it', () => {
    const r = parse(x12([['ST*850*0009', 'BEG*00*SA*PO-1**20261122'], simpleBody()]))
    expect(counts(r)).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 10 }])
    expect(r.errors).toEqual([{ segmentIndex: 3, segment: 'ST*850*0009', code: 'WRONG_TRANSACTION_SET', message: 'segment 3 (ST): transaction set 850 is not an 846 (Inventory Inquiry/Advice); it is skipped up to its SE.' }])
  })

  it('withholds the counts of a transaction set whose SE segment count does not match', () => {
    const r = parse(x12([[...simpleBody(), 'SE*9*0001']]))
    expect(r.events).toEqual([])
    expect(r.errors).toEqual([
      { segmentIndex: 9, segment: 'SE*9*0001', code: 'SEGMENT_COUNT_MISMATCH', message: 'segment 9 (SE): SE01 says 9 segments but transaction set 0001 has 7 (ST to SE inclusive); the file may be truncated or edited.' },
      { segmentIndex: 9, segment: 'SE*9*0001', code: 'TRANSACTION_WITHHELD', message: 'segment 9 (SE): the 1 count(s) of transaction set 0001 (segment 3) are not applied because of SEGMENT_COUNT_MISMATCH; fix and resend the file.' },
    ])
  })

  it('withholds a transaction set whose SE02 does not match ST02', () => {
    const r = parse(x12([[...simpleBody(), 'SE*7*0002']]))
    expect(r.events).toEqual([])
    expect(codes(r)).toEqual(['CONTROL_NUMBER_MISMATCH', 'TRANSACTION_WITHHELD'])
  })

  it('withholds a transaction set whose CTT line count does not match its LINs', () => {
    const r = parse(x12([['BIA*00*MM*R1*20261122', 'N1*WH*D*92*DC-EAST', 'LIN*1*SK*A', 'QTY*17*1', 'CTT*2']]))
    expect(r.events).toEqual([])
    expect(r.errors).toMatchObject([{ segmentIndex: 8, code: 'LINE_COUNT_MISMATCH' }, { segmentIndex: 9, code: 'TRANSACTION_WITHHELD' }])
  })

  it('withholds a truncated file and names what is missing', () => {
    const r = parse(fixture('846-truncated.edi'))
    expect(r.events).toEqual([])
    expect(r.errors.map((e) => [e.segmentIndex, e.code])).toEqual([
      [5, 'QTY_OUTSIDE_LIN'], [8, 'INVALID_QUANTITY'], [11, 'MISSING_SE'], [11, 'TRANSACTION_WITHHELD'], [11, 'MISSING_GE'], [11, 'MISSING_IEA'],
    ])
    expect(r.errors[2].message).toBe('end of file after segment 11 (QTY): the file ends inside transaction set 0002 (segment 3); it is truncated.')
  })

  it('withholds a transaction set cut off by the next ST', () => {
    const r = parse(x12([[...simpleBody(), 'ST*846*0002', ...simpleBody('QTY*17*4'), 'SE*7*0002']]))
    expect(counts(r)).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 4 }])
    expect(codes(r)).toEqual(['MISSING_SE', 'TRANSACTION_WITHHELD', 'TRANSACTION_COUNT_MISMATCH'])
  })

  it('reports GE and IEA count or control mismatches without withholding intact transaction sets', () => {
    const text = x12([simpleBody()]).replace('GE*1*101', 'GE*2*101').replace('IEA*1*000000101', 'IEA*1*000000999')
    const r = parse(text)
    expect(counts(r)).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 10 }])
    expect(r.errors.map((e) => [e.segmentIndex, e.code])).toEqual([[10, 'TRANSACTION_COUNT_MISMATCH'], [11, 'CONTROL_NUMBER_MISMATCH']])
  })

  it('reads one interchange per file and reports a second one', () => {
    const one = x12([simpleBody()])
    const r = parse(one + x12([simpleBody('QTY*17*99')], { control: '000000102' }))
    expect(counts(r)).toEqual([{ sku: 'SKU-1', location: 'DC-EAST', quantity: 10 }])
    expect(r.errors[0]).toMatchObject({ segmentIndex: 12, code: 'MULTIPLE_INTERCHANGES' })
  })

  it('reports a segment that is not a segment id', () => {
    const r = parse(x12([simpleBody()]).replace('CTT*1~', 'CTT*1~not a segment~'))
    expect(r.errors).toMatchObject([
      { segmentIndex: 9, code: 'INVALID_SEGMENT', message: expect.stringMatching(/^segment 9: "not a segment" is not a segment id/) },
      { code: 'SEGMENT_COUNT_MISMATCH' }, { code: 'TRANSACTION_WITHHELD' },
    ])
  })

  it('reports segments outside a transaction set', () => {
    const r = parse(x12([simpleBody()]).replace('GS*', 'REF*ZZ*X~GS*'))
    expect(counts(r)).toHaveLength(1)
    expect(r.errors).toMatchObject([{ segmentIndex: 2, code: 'UNEXPECTED_SEGMENT', message: 'segment 2 (REF): outside a transaction set (ST ... SE).' }])
  })

  it('never throws on arbitrary damage after a valid ISA', () => {
    const good = fixture('846-multi-location.edi')
    for (let cut = 107; cut < good.length; cut += 7) {
      const r = parse(good.slice(0, cut))
      expect(Array.isArray(r.errors)).toBe(true)
    }
  })
})
