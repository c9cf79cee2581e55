// EDI X12 846 (Inventory Inquiry/Advice) to `count` events in the API's raw shape, for the file
// inbox. Pure: text in, events and precise errors out; parseEvent validates the events afterwards.
//
// Envelope: ISA / GS / ST*846 ... SE / GE / IEA. The ISA is fixed-width (106 characters with its
// terminator), which is how the separators are learnt: the element separator is ISA character 3,
// the component separator is ISA16 (character 104) and the segment terminator the character after
// it. Line breaks after terminators, or wrapping every 80 columns, are tolerated (dropped) unless
// the terminator is itself a line break.
//
// Transaction set 846, as senders actually send it:
//   ST, BIA (date in BIA04/BIA05), DTM*, N1 loop (N1*<entity>*<name>*<id qualifier>*<id>),
//   LIN loop: LIN*<assigned id>*<qualifier>*<id>*<qualifier>*<id>..., DTM, QTY loop
//   (QTY*<qualifier>*<quantity>*<unit>, DTM), N1 loop inside the LIN ... CTT, SE.
//
// Decisions (each documented where it is applied):
// - QTY*17 (quantity on hand) becomes the count; QTY*33 (available for sale) and every other
//   qualifier are ignored but reported. A count sets Stocktower's onHand, which counts every
//   physical unit, quarantined, damaged and allocated ones included, and sellable is derived from
//   it. "Available for sale" is the sender's figure *after* its own holds and allocations: writing
//   it into onHand would subtract those twice (sellable too low) and turn every allocation into a
//   phantom shrink. A partner that can only send QTY*33 can be configured with onHandQualifier.
// - Location: an N1 whose entity code names a stock location (WH, RL, SF, SN) with N103/N104 sets
//   it. In the heading it applies to every LIN; inside a LIN loop it applies to that LIN only. Both
//   layouts exist inside a LIN: N1 then its QTYs ("leading") or QTYs then the N1 ("trailing", the
//   standard's segment order). The first of QTY/N1 in the loop decides which, and a QTY the rule
//   cannot place is an error, never a guess.
// - SDQ (destination quantities) carries no quantity qualifier, so it cannot be told apart from
//   available-for-sale: refused with an error rather than silently dropped.
// - Report date: a DTM with a report-date qualifier (405 by default) on the QTY, the LIN's N1, the
//   LIN or the heading, most specific first, else BIA04/BIA05. X12 times are UTC unless DTM04 gives
//   a time code.
// - Idempotency key: x12-846:<ISA06 sender>:<ISA09><ISA10>:<ISA13>:<GS06>:<ST02>:<LIN ordinal>:<location>.
//   Re-dropping the same file yields the same keys (duplicates), while a sender that reuses a
//   control number on another day (some reset them) does not collide. The LIN ordinal is its
//   position in the transaction set, not LIN01, which is optional and not unique.
// - No sourceSeq is set: a control number is not guaranteed to increase per SKU x location.
// - A transaction set whose integrity is in doubt (SE count or control number mismatch, CTT line
//   count mismatch, no SE) yields no events: a truncated or spliced file must not apply partly.

export interface Edi846Options {
  /** Location for a LIN that no N1 places, e.g. a single-warehouse 3PL that sends no N1. */
  defaultLocation?: string
  /** QTY01 qualifier that becomes the count. Default '17' (quantity on hand); see above. */
  onHandQualifier?: string
  /** LIN product id qualifiers, most preferred first, for the event's sku. */
  skuQualifiers?: readonly string[]
  /** DTM01 qualifiers that date the report. */
  reportDateQualifiers?: readonly string[]
}

/** Seller's SKU / vendor item number first: the sender's own code is what it counts by. */
export const DEFAULT_SKU_QUALIFIERS = ['SK', 'VN', 'VP', 'BP', 'IN', 'MG', 'UP', 'EN', 'UK'] as const
export const DEFAULT_REPORT_DATE_QUALIFIERS = ['405'] as const
export const DEFAULT_ON_HAND_QUALIFIER = '17'
/** N101 entity codes that name where stock is: warehouse, reporting location, ship from, store. */
export const LOCATION_ENTITY_CODES = ['WH', 'RL', 'SF', 'SN'] as const

export interface Edi846ItemId { qualifier: string; id: string }

export interface Edi846CountEvent {
  idempotencyKey: string
  type: 'count'
  sku: string
  location: string
  quantity: number
  uom?: string
  occurredAt: string
  reference: string
}

export interface Edi846Count {
  /** 1-based index of the QTY segment in the file (ISA is 1). */
  segmentIndex: number
  event: Edi846CountEvent
  /** Every LIN product id, for alias resolution when `sku` is not Stocktower's code. */
  itemIds: Edi846ItemId[]
}

export type Edi846ErrorCode =
  | 'INVALID_ISA' | 'INVALID_SEGMENT' | 'UNEXPECTED_SEGMENT' | 'MULTIPLE_INTERCHANGES'
  | 'MISSING_GE' | 'MISSING_SE' | 'MISSING_IEA' | 'WRONG_TRANSACTION_SET'
  | 'SEGMENT_COUNT_MISMATCH' | 'CONTROL_NUMBER_MISMATCH' | 'TRANSACTION_COUNT_MISMATCH' | 'GROUP_COUNT_MISMATCH' | 'LINE_COUNT_MISMATCH'
  | 'QTY_OUTSIDE_LIN' | 'MISSING_ITEM_ID' | 'MISSING_LOCATION_ID' | 'AMBIGUOUS_LOCATION' | 'MISSING_LOCATION'
  | 'INVALID_QUANTITY' | 'NO_ON_HAND_QUANTITY' | 'DUPLICATE_QUANTITY' | 'INVALID_DATE' | 'MISSING_DATE' | 'UNSUPPORTED_SEGMENT'
  | 'TRANSACTION_WITHHELD'

export type Edi846IgnoredCode = 'IGNORED_QUANTITY' | 'IGNORED_PARTY' | 'IGNORED_DATE' | 'UNUSED_LOCATION'

export interface Edi846Issue<C extends string = Edi846ErrorCode> {
  /** 1-based index of the segment in the file (ISA is 1). */
  segmentIndex: number
  /** The segment's text, shortened when long. */
  segment: string
  code: C
  message: string
}

export interface Edi846Result {
  /** ISA13. */
  interchangeControl: string
  /** ISA06, trimmed. */
  senderId: string
  /** ISA15 = T: a test interchange, which the caller should not apply to production stock. */
  isTest: boolean
  separators: { element: string; component: string; segment: string }
  events: Edi846Count[]
  errors: Edi846Issue[]
  /** Segments understood but deliberately not applied (other QTY qualifiers, parties, dates). */
  ignored: Array<Edi846Issue<Edi846IgnoredCode>>
}

/** Thrown only when the text is not an X12 interchange at all (no ISA to learn separators from). */
export class Edi846SyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Edi846SyntaxError'
  }
}

// ISA01..ISA16 widths: the ISA is the one fixed-width segment, which is how a reader learns the
// separators before it can split anything.
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const
const ISA_LENGTH = 106

interface Segment { index: number; id: string; elements: string[]; text: string }

type Dated = { ok: true; iso: string; segmentIndex: number } | { ok: false; segmentIndex: number; reason: string }
type Located = { ok: true; code: string; segmentIndex: number } | { ok: false; segmentIndex: number; reason: string }

interface QtyEntry { kind: 'qty'; seg: Segment; qualifier: string; quantity: number | null; uom?: string; date?: Dated }
interface N1Entry { kind: 'n1'; seg: Segment; location: Located; date?: Dated; used: boolean }

interface LinState {
  seg: Segment
  ordinal: number
  itemIds: Edi846ItemId[]
  sku: string | null
  date?: Dated
  entries: Array<QtyEntry | N1Entry>
}

interface TxState {
  st: Segment
  st02: string
  is846: boolean
  segmentCount: number
  biaDate?: Dated
  biaReference?: string
  headerDate?: Dated
  headerLocation?: Located
  lin: LinState | null
  linCount: number
  counts: Edi846Count[]
  /** Why this transaction set's events must not apply (integrity in doubt), if so. */
  withheld: string[]
}

interface GroupState { gs: Segment; gs06: string; txCount: number }

/** Parses one X12 interchange holding 846 transaction sets. Throws only when there is no ISA. */
export function parseEdi846(input: string, options: Edi846Options = {}): Edi846Result {
  const onHandQualifier = options.onHandQualifier ?? DEFAULT_ON_HAND_QUALIFIER
  const skuQualifiers = options.skuQualifiers ?? DEFAULT_SKU_QUALIFIERS
  const reportDateQualifiers = options.reportDateQualifiers ?? DEFAULT_REPORT_DATE_QUALIFIERS
  const defaultLocation = options.defaultLocation?.trim() || undefined

  let text = input.replace(/^\uFEFF/, '').replace(/^\s+/, '')
  if (!text.startsWith('ISA')) {
    throw new Edi846SyntaxError(`Not an X12 interchange: the file must start with an ISA segment (it starts with ${JSON.stringify(text.slice(0, 20))}).`)
  }
  const result: Edi846Result = {
    interchangeControl: '', senderId: '', isTest: false,
    separators: { element: text[3] ?? '', component: '', segment: '' },
    events: [], errors: [], ignored: [],
  }
  let isa = readIsa(text)
  if (!isa.ok) {
    // A file wrapped at a fixed width breaks the ISA too; retry without its line breaks.
    const unwrapped = text.replace(/[\r\n]/g, '')
    const retry = readIsa(unwrapped)
    if (!retry.ok || isLineBreak(retry.terminator)) {
      result.errors.push({ segmentIndex: 1, segment: shorten(text.split(/[\r\n]/)[0]), code: 'INVALID_ISA', message: `segment 1 (ISA): ${isa.reason}` })
      return result
    }
    text = unwrapped
    isa = retry
  }
  const { element, component, terminator, fields } = isa
  // Line breaks are not data in X12; unless one is the terminator, drop them all (this also
  // undoes 80-column wrapping).
  if (!isLineBreak(terminator)) text = text.replace(/[\r\n]/g, '')
  result.separators = { element, component, segment: terminator }
  result.interchangeControl = fields[13]
  result.senderId = fields[6].trim()
  result.isTest = fields[15] === 'T'
  const keyPrefix = `x12-846:${fields[6].trim()}:${fields[9]}${fields[10]}:${fields[13]}`

  const error = (seg: Segment, code: Edi846ErrorCode, message: string, where = `segment ${seg.index} (${seg.id})`) => {
    result.errors.push({ segmentIndex: seg.index, segment: shorten(seg.text), code, message: `${where}: ${message}` })
  }
  const ignore = (seg: Segment, code: Edi846IgnoredCode, message: string) => {
    result.ignored.push({ segmentIndex: seg.index, segment: shorten(seg.text), code, message: `segment ${seg.index} (${seg.id}): ${message}` })
  }

  let group: GroupState | null = null
  let groupCount = 0
  let tx: TxState | null = null
  let ended = false

  /** Turns the open LIN loop into events (it closes at the next LIN, CTT or SE). */
  const closeLin = () => {
    if (!tx || !tx.lin) return
    const lin = tx.lin
    tx.lin = null
    if (lin.sku === null) return // MISSING_ITEM_ID already reported
    const skuLabel = `LIN at segment ${lin.seg.index} (SKU ${lin.sku})`
    const qtys = lin.entries.filter((e): e is QtyEntry => e.kind === 'qty')
    if (qtys.length === 0) {
      error(lin.seg, 'NO_ON_HAND_QUANTITY', `${skuLabel} has no QTY; send QTY*${onHandQualifier}*<quantity on hand> for each location.`)
      return
    }
    // Place each QTY: by the N1 before it (leading layout) or after it (trailing layout); null
    // means the heading location. A QTY missing from the map could not be placed (error reported).
    const placement = placeQuantities(lin.entries)
    const hasN1 = lin.entries.some((e) => e.kind === 'n1')
    const trailing = hasN1 && lin.entries[0].kind === 'qty'
    if (trailing && tx.headerLocation) {
      // "N1 EAST, LIN, QTY, LIN, QTY, N1 WEST, LIN, QTY" is read by some senders as a running
      // heading. An N1 after a LIN's QTYs is then that LIN's location or the next LINs': no
      // placement of this transaction set can be trusted, so none of it applies.
      const n1 = lin.entries.find((e): e is N1Entry => e.kind === 'n1')!
      error(n1.seg, 'AMBIGUOUS_LOCATION', `${skuLabel}: this N1 follows the LIN's QTYs while the heading names a location (segment ${tx.headerLocation.segmentIndex}), so it may place this LIN or the LINs after it. Put each LIN's N1 right after its LIN, before its QTYs.`)
      tx.withheld.push('AMBIGUOUS_LOCATION')
      return
    }
    for (const q of qtys) {
      if (!placement.has(q)) {
        error(q.seg, 'AMBIGUOUS_LOCATION', `${skuLabel}: this QTY comes after the loop's last N1, but the loop opened with QTYs placed by the N1 that follows them. Within one LIN loop put every N1 before its QTYs, or every N1 after them.`)
      }
    }
    for (const n1 of placement.values()) if (n1) n1.used = true
    for (const e of lin.entries) {
      if (e.kind === 'n1' && !e.used) ignore(e.seg, 'UNUSED_LOCATION', `${skuLabel}: this N1 places no QTY.`)
    }
    // One on-hand figure per location; a second one is a contradiction, so neither applies.
    const scopes = new Map<string, { first: QtyEntry; onHand: QtyEntry[] }>()
    for (const q of qtys) {
      const n1 = placement.get(q)
      if (n1 === undefined) continue
      const scopeKey = n1 ? `n1:${n1.location.ok ? n1.location.code : n1.seg.index}` : 'heading'
      const scope = scopes.get(scopeKey) ?? { first: q, onHand: [] }
      scopes.set(scopeKey, scope)
      if (q.qualifier === onHandQualifier) scope.onHand.push(q)
    }
    for (const scope of scopes.values()) {
      if (scope.onHand.length === 0) {
        const n1 = placement.get(scope.first)
        const where = n1 ? `the location of the N1 at segment ${n1.seg.index}` : 'the heading location'
        error(scope.first.seg, 'NO_ON_HAND_QUANTITY', `${skuLabel} has no QTY*${onHandQualifier} (quantity on hand) for ${where}; other QTY qualifiers are not applied. Send QTY*${onHandQualifier}*<quantity on hand>.`)
        continue
      }
      if (scope.onHand.length > 1) {
        const at = scope.onHand.map((q) => q.seg.index).join(', ')
        error(scope.onHand[1].seg, 'DUPLICATE_QUANTITY', `${skuLabel} has ${scope.onHand.length} on-hand quantities for one location (segments ${at}); none is applied. Send one QTY*${onHandQualifier} per location.`)
        continue
      }
      const q = scope.onHand[0]
      if (q.quantity === null) continue // INVALID_QUANTITY already reported
      const n1 = placement.get(q) ?? null
      const location = n1 ? n1.location : tx.headerLocation ?? (defaultLocation ? { ok: true as const, code: defaultLocation, segmentIndex: 0 } : undefined)
      if (!location) {
        error(q.seg, 'MISSING_LOCATION', `${skuLabel} has no location: add N1*WH*<name>*92*<location code> to the heading or the LIN loop, or set a default location for this inbox.`)
        continue
      }
      if (!location.ok) {
        error(q.seg, 'MISSING_LOCATION', `${skuLabel}: its location is unusable because of segment ${location.segmentIndex}: ${location.reason}`)
        continue
      }
      const date = q.date ?? n1?.date ?? lin.date ?? tx.headerDate ?? tx.biaDate
      if (!date) {
        error(q.seg, 'MISSING_DATE', `${skuLabel} has no report date: BIA04 is empty and no DTM*${reportDateQualifiers[0]} applies.`)
        continue
      }
      if (!date.ok) {
        error(q.seg, 'INVALID_DATE', `${skuLabel}: its report date (segment ${date.segmentIndex}) is unusable: ${date.reason}`)
        continue
      }
      const ids = lin.itemIds.map((p) => `${p.qualifier}=${p.id}`).join(' ')
      const event: Edi846CountEvent = {
        idempotencyKey: `${keyPrefix}:${group?.gs06 ?? ''}:${tx.st02}:${lin.ordinal}:${location.code}`,
        type: 'count',
        sku: lin.sku,
        location: location.code,
        quantity: q.quantity,
        occurredAt: date.iso,
        reference: `846 ${tx.biaReference ?? `${fields[13]}/${tx.st02}`} LIN ${lin.ordinal}: ${ids}`,
      }
      if (q.uom) event.uom = q.uom
      tx.counts.push({ segmentIndex: q.seg.index, event, itemIds: lin.itemIds })
    }
  }

  /** Ends a transaction set; its events apply only when its integrity checks passed. */
  const closeTx = (at: Segment, where?: string) => {
    if (!tx) return
    closeLin()
    if (tx.withheld.length === 0) result.events.push(...tx.counts)
    else if (tx.counts.length > 0) {
      error(at, 'TRANSACTION_WITHHELD', `the ${tx.counts.length} count(s) of transaction set ${tx.st02} (segment ${tx.st.index}) are not applied because of ${[...new Set(tx.withheld)].join(', ')}; fix and resend the file.`, where)
    }
    tx = null
  }

  const segments = splitSegments(text, element, terminator)
  for (const seg of segments) {
    if (seg.index === 1) continue // the ISA, read above
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(seg.id)) {
      error(seg, 'INVALID_SEGMENT', `"${shorten(seg.id)}" is not a segment id; check the segment terminator (${JSON.stringify(terminator)}, from ISA character 106) is not used inside data.`, `segment ${seg.index}`)
      if (tx) tx.segmentCount++
      continue
    }
    if (ended) {
      error(seg, seg.id === 'ISA' ? 'MULTIPLE_INTERCHANGES' : 'UNEXPECTED_SEGMENT', seg.id === 'ISA' ? 'a second interchange in one file is not read; send one interchange (ISA ... IEA) per file.' : 'data after IEA is not read.')
      continue
    }
    if (tx && seg.id !== 'ISA' && seg.id !== 'GS' && seg.id !== 'GE' && seg.id !== 'IEA') tx.segmentCount++

    switch (seg.id) {
      case 'ISA':
        error(seg, 'MULTIPLE_INTERCHANGES', 'a second ISA before IEA; send one interchange (ISA ... IEA) per file.')
        continue
      case 'GS':
        if (tx) { error(seg, 'MISSING_SE', `transaction set ${tx.st02} (segment ${tx.st.index}) has no SE.`); tx.withheld.push('MISSING_SE'); closeTx(seg) }
        if (group) error(seg, 'MISSING_GE', `the group opened at segment ${group.gs.index} has no GE.`)
        group = { gs: seg, gs06: el(seg, 6), txCount: 0 }
        groupCount++
        continue
      case 'GE':
        if (tx) { error(seg, 'MISSING_SE', `transaction set ${tx.st02} (segment ${tx.st.index}) has no SE.`); tx.withheld.push('MISSING_SE'); closeTx(seg) }
        if (!group) { error(seg, 'UNEXPECTED_SEGMENT', 'GE without a GS.'); continue }
        if (el(seg, 1) !== String(group.txCount)) error(seg, 'TRANSACTION_COUNT_MISMATCH', `GE01 says ${el(seg, 1) || 'nothing'} transaction set(s) but the group holds ${group.txCount}; a transaction set may be missing.`)
        if (el(seg, 2) !== group.gs06) error(seg, 'CONTROL_NUMBER_MISMATCH', `GE02 ${el(seg, 2) || '(empty)'} does not match GS06 ${group.gs06}.`)
        group = null
        continue
      case 'IEA':
        if (tx) { error(seg, 'MISSING_SE', `transaction set ${tx.st02} (segment ${tx.st.index}) has no SE.`); tx.withheld.push('MISSING_SE'); closeTx(seg) }
        if (group) { error(seg, 'MISSING_GE', `the group opened at segment ${group.gs.index} has no GE.`); group = null }
        if (el(seg, 1) !== String(groupCount)) error(seg, 'GROUP_COUNT_MISMATCH', `IEA01 says ${el(seg, 1) || 'nothing'} group(s) but the interchange holds ${groupCount}.`)
        if (el(seg, 2) !== fields[13]) error(seg, 'CONTROL_NUMBER_MISMATCH', `IEA02 ${el(seg, 2) || '(empty)'} does not match ISA13 ${fields[13]}.`)
        ended = true
        continue
      case 'ST': {
        if (tx) { error(seg, 'MISSING_SE', `transaction set ${tx.st02} (segment ${tx.st.index}) has no SE before this ST.`); tx.withheld.push('MISSING_SE'); closeTx(seg) }
        if (!group) error(seg, 'UNEXPECTED_SEGMENT', 'ST outside a functional group (GS ... GE).')
        else group.txCount++
        const is846 = el(seg, 1) === '846'
        if (!is846) error(seg, 'WRONG_TRANSACTION_SET', `transaction set ${el(seg, 1) || '(empty)'} is not an 846 (Inventory Inquiry/Advice); it is skipped up to its SE.`)
        tx = { st: seg, st02: el(seg, 2), is846, segmentCount: 1, lin: null, linCount: 0, counts: [], withheld: [] }
        continue
      }
      case 'SE': {
        if (!tx) { error(seg, 'UNEXPECTED_SEGMENT', 'SE without an ST.'); continue }
        closeLin()
        if (el(seg, 1) !== String(tx.segmentCount)) {
          error(seg, 'SEGMENT_COUNT_MISMATCH', `SE01 says ${el(seg, 1) || 'nothing'} segments but transaction set ${tx.st02} has ${tx.segmentCount} (ST to SE inclusive); the file may be truncated or edited.`)
          tx.withheld.push('SEGMENT_COUNT_MISMATCH')
        }
        if (el(seg, 2) !== tx.st02) {
          error(seg, 'CONTROL_NUMBER_MISMATCH', `SE02 ${el(seg, 2) || '(empty)'} does not match ST02 ${tx.st02} (segment ${tx.st.index}).`)
          tx.withheld.push('CONTROL_NUMBER_MISMATCH')
        }
        closeTx(seg)
        continue
      }
    }

    if (!tx) { error(seg, 'UNEXPECTED_SEGMENT', 'outside a transaction set (ST ... SE).'); continue }
    if (!tx.is846) continue

    switch (seg.id) {
      case 'BIA': {
        tx.biaReference = el(seg, 3) || undefined
        if (el(seg, 4)) {
          tx.biaDate = toIso(el(seg, 4), el(seg, 5), '', seg.index)
          if (!tx.biaDate.ok) error(seg, 'INVALID_DATE', `BIA04/BIA05: ${tx.biaDate.reason}`)
        }
        break
      }
      case 'DTM': {
        if (!reportDateQualifiers.includes(el(seg, 1))) {
          ignore(seg, 'IGNORED_DATE', `DTM01 ${el(seg, 1) || '(empty)'} is not a report date (${reportDateQualifiers.join(', ')}).`)
          break
        }
        const d = parseDtm(seg)
        if (!d.ok) error(seg, 'INVALID_DATE', d.reason)
        // A DTM dates the innermost open scope: the QTY or N1 just before it, else the LIN, else
        // the heading. Two report dates for one scope contradict each other: neither is used.
        const scope: { date?: Dated } = tx.lin ? tx.lin.entries.at(-1) ?? tx.lin : { date: tx.headerDate }
        const scopeName = !tx.lin ? 'heading' : tx.lin.entries.length === 0 ? 'LIN' : tx.lin.entries.at(-1)!.kind === 'qty' ? 'QTY' : 'N1'
        if (scope.date) error(seg, 'INVALID_DATE', `a second report date for the same ${scopeName} (the first is segment ${scope.date.segmentIndex}); send one.`)
        const dated: Dated = scope.date ? { ok: false, segmentIndex: seg.index, reason: `two report dates (segments ${scope.date.segmentIndex} and ${seg.index}).` } : d
        if (tx.lin) scope.date = dated
        else tx.headerDate = dated
        break
      }
      case 'N1': {
        const entity = el(seg, 1)
        if (!(LOCATION_ENTITY_CODES as readonly string[]).includes(entity)) {
          ignore(seg, 'IGNORED_PARTY', `N101 ${entity || '(empty)'} is a party, not a stock location (${LOCATION_ENTITY_CODES.join(', ')}).`)
          break
        }
        const id = el(seg, 4).trim()
        let location: Located
        if (!el(seg, 3) || !id) {
          location = { ok: false, segmentIndex: seg.index, reason: `N1*${entity} has no location id; send N1*${entity}*<name>*92*<location code> (N103 qualifier and N104 id).` }
          error(seg, 'MISSING_LOCATION_ID', location.reason)
        } else {
          location = { ok: true, code: id, segmentIndex: seg.index }
        }
        if (tx.lin) {
          tx.lin.entries.push({ kind: 'n1', seg, location, used: false })
        } else if (tx.linCount > 0) {
          // After the first LIN closed (e.g. an N1 following a CTT): not a heading any more.
          error(seg, 'UNEXPECTED_SEGMENT', 'N1 after the LIN loops; a location belongs in the heading or inside a LIN loop.')
        } else if (tx.headerLocation) {
          error(seg, 'AMBIGUOUS_LOCATION', `the heading already names a location (segment ${tx.headerLocation.segmentIndex}); a heading location applies to every LIN, so place each LIN with an N1 inside its LIN loop instead.`)
          tx.headerLocation = { ok: false, segmentIndex: seg.index, reason: 'the heading names more than one location.' }
        } else {
          tx.headerLocation = location
        }
        break
      }
      case 'LIN': {
        closeLin()
        tx.linCount++
        const itemIds: Edi846ItemId[] = []
        for (let i = 2; i + 1 < seg.elements.length; i += 2) {
          const qualifier = seg.elements[i].trim()
          const id = seg.elements[i + 1].trim()
          if (qualifier && id) itemIds.push({ qualifier, id })
        }
        const preferred = skuQualifiers.map((q) => itemIds.find((p) => p.qualifier === q)).find(Boolean) ?? itemIds[0]
        if (!preferred) error(seg, 'MISSING_ITEM_ID', 'LIN has no product id; send LIN*<line>*SK*<your SKU> (or VN, BP, UP ... qualifier and id pairs).')
        tx.lin = { seg, ordinal: tx.linCount, itemIds, sku: preferred ? preferred.id : null, entries: [] }
        break
      }
      case 'QTY': {
        if (!tx.lin) {
          error(seg, 'QTY_OUTSIDE_LIN', 'QTY before any LIN; a quantity must follow the LIN that names its item.')
          break
        }
        const qualifier = el(seg, 1)
        const raw = el(seg, 2).trim()
        const uom = el(seg, 3).split(component)[0].trim() || undefined
        let quantity: number | null = null
        if (qualifier === onHandQualifier) {
          if (!/^-?\d+(\.\d+)?$/.test(raw)) {
            error(seg, 'INVALID_QUANTITY', `QTY02 ${raw ? JSON.stringify(raw) : '(empty)'} is not a number; send the quantity on hand as digits, e.g. QTY*${onHandQualifier}*120*EA.`)
          } else if (!Number.isInteger(Number(raw))) {
            error(seg, 'INVALID_QUANTITY', `QTY02 ${raw} is not a whole number; on-hand counts are whole units (use a smaller unit of measure).`)
          } else {
            quantity = Number(raw)
          }
        } else {
          ignore(seg, 'IGNORED_QUANTITY', `QTY01 ${qualifier || '(empty)'}${qualifier === '33' ? ' (available for sale)' : ''} is not applied; only QTY*${onHandQualifier} (quantity on hand) becomes a count.`)
        }
        tx.lin.entries.push({ kind: 'qty', seg, qualifier, quantity, uom })
        break
      }
      case 'SDQ':
        error(seg, 'UNSUPPORTED_SEGMENT', `SDQ quantities carry no quantity qualifier (on hand or available?) and are not applied; send N1*WH*<name>*92*<location> with QTY*${onHandQualifier}*<quantity> per location.`)
        break
      case 'CTT': {
        closeLin()
        if (el(seg, 1) !== String(tx.linCount)) {
          error(seg, 'LINE_COUNT_MISMATCH', `CTT01 says ${el(seg, 1) || 'nothing'} line item(s) but transaction set ${tx.st02} has ${tx.linCount} LIN segment(s); the file may be truncated or edited.`)
          tx.withheld.push('LINE_COUNT_MISMATCH')
        }
        break
      }
      default:
        // PID, REF, CTP, MEA, PER, N2-N4, SCH, LS/LE...: descriptive, nothing to apply.
        break
    }
  }
  // End-of-file problems are pinned to the last segment read.
  const endSeg = segments.at(-1)!
  const atEnd = `end of file after segment ${endSeg.index} (${endSeg.id})`
  if (tx) {
    const open = tx as TxState
    error(endSeg, 'MISSING_SE', `the file ends inside transaction set ${open.st02} (segment ${open.st.index}); it is truncated.`, atEnd)
    open.withheld.push('MISSING_SE')
    closeTx(endSeg, atEnd)
  }
  if (group) error(endSeg, 'MISSING_GE', `the file ends inside the group opened at segment ${(group as GroupState).gs.index}; it is truncated.`, atEnd)
  if (!ended) error(endSeg, 'MISSING_IEA', 'the file has no IEA; it is truncated.', atEnd)
  result.errors.sort((a, b) => a.segmentIndex - b.segmentIndex)
  result.ignored.sort((a, b) => a.segmentIndex - b.segmentIndex)
  return result
}

/**
 * Places each QTY of a LIN loop: no N1 in the loop means the heading location (null); a loop that
 * opens with an N1 places each QTY by the N1 before it; a loop that opens with QTYs places each by
 * the N1 after it. A QTY the rule cannot place is left out of the map.
 */
function placeQuantities(entries: Array<QtyEntry | N1Entry>): Map<QtyEntry, N1Entry | null> {
  const placement = new Map<QtyEntry, N1Entry | null>()
  const hasN1 = entries.some((e) => e.kind === 'n1')
  const leading = entries[0]?.kind === 'n1'
  entries.forEach((e, i) => {
    if (e.kind !== 'qty') return
    if (!hasN1) { placement.set(e, null); return }
    const n1 = leading
      ? entries.slice(0, i).reverse().find((x): x is N1Entry => x.kind === 'n1')
      : entries.slice(i + 1).find((x): x is N1Entry => x.kind === 'n1')
    if (n1) placement.set(e, n1)
  })
  return placement
}

/** Reads the fixed-width ISA at the start of `text`: separators and its 16 elements (1-based). */
function readIsa(text: string):
  | { ok: true; element: string; component: string; terminator: string; fields: string[] }
  | { ok: false; reason: string } {
  const element = text[3]
  if (!element || /[A-Za-z0-9 ]/.test(element)) {
    return { ok: false, reason: `the element separator (character 4, after "ISA") is ${JSON.stringify(element ?? '')}; it must be a punctuation character such as *.` }
  }
  const parts = text.slice(0, ISA_LENGTH).split(element)
  // parts[0] is "ISA", parts[1..16] the elements; ISA16 is followed by the terminator.
  for (let i = 1; i <= 16; i++) {
    const got = parts[i] === undefined ? undefined : i === 16 ? parts[i].slice(0, 1) : parts[i]
    if (got === undefined || got.length !== ISA_WIDTHS[i - 1]) {
      return {
        ok: false,
        reason: `ISA${String(i).padStart(2, '0')} is ${got === undefined ? 'missing' : `${got.length} characters`} but must be ${ISA_WIDTHS[i - 1]} (the ISA is fixed-width, ${ISA_LENGTH} characters with its terminator; pad ISA06 and ISA08 with spaces).`,
      }
    }
  }
  if (text.length < ISA_LENGTH) return { ok: false, reason: `the ISA is ${text.length} characters; it must be ${ISA_LENGTH} with its segment terminator.` }
  const component = text[104]
  const terminator = text[105]
  if (terminator === element || terminator === component || component === element || /[A-Za-z0-9 ]/.test(terminator) || /[A-Za-z0-9 ]/.test(component)) {
    return { ok: false, reason: `the separators are not distinct punctuation: element ${JSON.stringify(element)}, component (ISA16) ${JSON.stringify(component)}, segment terminator ${JSON.stringify(terminator)}.` }
  }
  return { ok: true, element, component, terminator, fields: parts.slice(0, 16).concat(component) }
}

function splitSegments(text: string, element: string, terminator: string): Segment[] {
  const out: Segment[] = []
  let index = 0
  for (const piece of text.split(terminator)) {
    // With a line-break terminator (or CR LF), the other half of the pair is left at an edge.
    const t = piece.replace(/^[\r\n]+|[\r\n]+$/g, '')
    if (t.trim() === '') continue
    index++
    const elements = t.split(element)
    out.push({ index, id: elements[0].trim(), elements, text: t })
  }
  return out
}

function el(seg: Segment, n: number): string {
  return seg.elements[n] ?? ''
}

function isLineBreak(c: string): boolean {
  return c === '\n' || c === '\r'
}

function shorten(s: string): string {
  return s.length > 160 ? `${s.slice(0, 160)}…` : s
}

/** DTM: DTM02 date (+ DTM03 time, DTM04 time code), or DTM05 format D8/DT with DTM06. */
function parseDtm(seg: Segment): Dated {
  const date = el(seg, 2)
  if (date) return toIso(date, el(seg, 3), el(seg, 4), seg.index)
  const format = el(seg, 5)
  const period = el(seg, 6)
  if (format === 'D8' && /^\d{8}$/.test(period)) return toIso(period, '', el(seg, 4), seg.index)
  if (format === 'DT' && /^\d{12}(\d{2})?$/.test(period)) return toIso(period.slice(0, 8), period.slice(8), el(seg, 4), seg.index)
  if (format || period) return { ok: false, segmentIndex: seg.index, reason: `DTM05 format ${JSON.stringify(format)} with DTM06 ${JSON.stringify(period)} is not a single date; use DTM02 (CCYYMMDD) or DTM05 D8/DT.` }
  return { ok: false, segmentIndex: seg.index, reason: 'DTM has no date; send DTM02 as CCYYMMDD.' }
}

// DTM04 time codes with a fixed offset from UTC, in minutes. 01-12 are ISO P01-P12, 13-24 are
// M12-M01 ("+" is restricted in X12, hence P/M and these numbers).
const FIXED_OFFSETS: Record<string, number> = {
  UT: 0, GM: 0, ED: -240, ES: -300, CD: -300, CS: -360, MD: -360, MS: -420, PD: -420, PS: -480,
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 1).padStart(2, '0'), (i + 1) * 60])),
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 13), -(12 - i) * 60])),
}
// ET/CT/MT/PT follow daylight saving, so the offset depends on the date.
const ZONES: Record<string, string> = { ET: 'America/New_York', CT: 'America/Chicago', MT: 'America/Denver', PT: 'America/Los_Angeles' }

/**
 * X12 date (CCYYMMDD, or YYMMDD in old versions) and time (HHMM[SS[D[D]]]) to an ISO-8601 instant
 * with an offset. Without a time code the time is UTC.
 */
export function toIso(date: string, time: string, timeCode: string, segmentIndex: number): Dated {
  const bad = (reason: string): Dated => ({ ok: false, segmentIndex, reason })
  let y: number, mo: number, d: number
  if (/^\d{8}$/.test(date)) [y, mo, d] = [+date.slice(0, 4), +date.slice(4, 6), +date.slice(6, 8)]
  else if (/^\d{6}$/.test(date)) [y, mo, d] = [2000 + +date.slice(0, 2), +date.slice(2, 4), +date.slice(4, 6)]
  else return bad(`date ${JSON.stringify(date)} is not CCYYMMDD.`)
  let h = 0, mi = 0, s = 0, cs = 0
  if (time) {
    if (!/^\d{4}(\d{2}(\d{1,2})?)?$/.test(time)) return bad(`time ${JSON.stringify(time)} is not HHMM, HHMMSS or HHMMSSDD.`)
    h = +time.slice(0, 2); mi = +time.slice(2, 4); s = time.length >= 6 ? +time.slice(4, 6) : 0
    cs = time.length > 6 ? +time.slice(6).padEnd(2, '0') : 0
  }
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, cs * 10)
  const check = new Date(wall)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return bad(`${date}${time ? ` ${time}` : ''} is not a real date and time.`)
  }
  let offset: number
  const code = timeCode.trim()
  if (!code) offset = 0
  else if (code in FIXED_OFFSETS) offset = FIXED_OFFSETS[code]
  else if (code in ZONES) offset = zoneOffsetAt(ZONES[code], wall)
  else if (code === 'LT') return bad('time code LT (local time) gives no offset from UTC; send UT or an offset code (01-24, ES, ED, CS, ...).')
  else return bad(`time code ${JSON.stringify(code)} is not a known X12 time code (UT, GM, ET, ES, ED, CT, ..., 01-24).`)
  const instant = wall - offset * 60_000
  return { ok: true, segmentIndex, iso: formatIso(instant, offset) }
}

/** Offset (minutes) of an IANA zone for a wall-clock time given as if it were UTC. */
function zoneOffsetAt(zone: string, wallAsUtc: number): number {
  const offsetAtInstant = (instant: number): number => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
    return m ? (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]) : 0
  }
  // Two passes settle the offset for wall times near a daylight-saving change.
  const first = offsetAtInstant(wallAsUtc)
  return offsetAtInstant(wallAsUtc - first * 60_000)
}

function formatIso(instant: number, offsetMinutes: number): string {
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().replace(/\.000Z$|Z$/, '')
  if (offsetMinutes === 0) return `${local}Z`
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}
