// EDI X12 846 (Inventory Inquiry/Advice) as senders really write it, for the file inbox. Two pure
// steps (docs/edi-846.md shows examples of each case):
//
// 1. Reading (Edi846Reader): X12 text, streamed chunk by chunk through X12Tokenizer, to "lines":
//    one per LIN and location, with every QTY found for that location (qualifier, quantity as
//    written, unit, report date), every product id of the LIN and the location id as the file
//    names it. Nothing here depends on the source's settings or the catalogue, so a dead letter can
//    keep the line and be resolved again after an operator fixed the cause.
// 2. Resolving (resolveEdi846Line): a line, the source's `edi846` settings and its catalogue to one
//    `count` event in the API's raw shape, or a rejection whose code and message name the fix.
//
// Reading rules:
// - Envelopes: ISA/GS/ST ... SE/GE/IEA, several interchanges and several transaction sets per file.
//   A malformed envelope (counts or control numbers that do not match, a missing SE/GE/IEA, a
//   segment outside ST ... SE, a broken ISA) refuses the whole file with the segment number: a
//   truncated or spliced file must not apply partly. A transaction set other than 846, or an
//   interchange holding only a TA1, refuses the whole file naming what it is (997, 856, ...).
// - Locations, most specific first: SDQ pairs and SCH naming a warehouse (a per-location split of
//   the QTY before them), an N1 in the LIN loop, an N1 in the heading; otherwise the line has no
//   location and the source's defaultLocation applies when resolving. N1 entity codes WH, RL, SF
//   and SN name stock locations; every other N1 (SU, DS, ST, SE, BY, VN, ...) is a party and never a
//   location. Inside a LIN loop the N1 may come before its QTYs ("leading") or after them
//   ("trailing", the standard's order); the first of QTY/N1 in the loop decides which.
// - Units: QTY03 (first component), else the LIN's UIT01, else SDQ01 for SDQ quantities, else the
//   SKU's base unit.
// - Report date: a DTM with a report-date qualifier (405) on the QTY, the LIN's N1, the LIN or the
//   heading, most specific first, else BIA04/BIA05.
// - Idempotency key: x12-846:<ISA06>:<ISA09><ISA10>:<ISA13>:<GS06>:<ST02>:<LIN ordinal>:<location id
//   as written, or @ for none>. Re-dropping a file gives the same keys (duplicates); a sender that
//   reuses control numbers on another day does not collide.
import { describeTransactionSet, X12Tokenizer, type X12Problem, type X12Segment, type X12Separators } from './x12'
import { parseDtm, toIso, type Dated } from './x12-dates'

export { toIso } from './x12-dates'

export const DEFAULT_REPORT_DATE_QUALIFIERS = ['405'] as const
/** N101 (and SCH03) entity codes that name where stock is: warehouse, reporting location, ship from, store. */
export const LOCATION_ENTITY_CODES = ['WH', 'RL', 'SF', 'SN'] as const
/** Seller's SKU / vendor item number first: the order product ids are tried in when resolving. */
export const PREFERRED_ID_QUALIFIERS = ['SK', 'VN', 'VP', 'BP', 'IN', 'MG', 'UP', 'EN', 'UK'] as const
export const DEFAULT_MAX_EDI_FILE_CHARS = 64 * 1024 * 1024

export interface Edi846ItemId {
  qualifier: string
  id: string
}

export interface Edi846Quantity {
  segmentIndex: number
  qualifier: string
  /** QTY02 (or the SDQ/SCH quantity) as written, trimmed. */
  value: string
  unit?: string
  occurredAt?: string
  /** Why this quantity cannot be used if it is the one chosen (a bad number, no usable date). */
  problem?: { code: 'INVALID_QUANTITY' | 'INVALID_DATE' | 'MISSING_DATE'; message: string }
}

export interface Edi846Line {
  /** The LIN segment. */
  segmentIndex: number
  idempotencyKey: string
  itemIds: Edi846ItemId[]
  /** The location id as the file writes it; null when the file names none (defaultLocation applies). */
  location: { id: string; segmentIndex: number; via: 'SDQ' | 'SCH' | 'N1' } | null
  quantities: Edi846Quantity[]
  reference: string
}

export type Edi846EnvelopeCode =
  | 'NOT_X12'
  | 'INVALID_ISA'
  | 'SEGMENT_TOO_LONG'
  | 'FILE_TOO_LARGE'
  | 'INVALID_SEGMENT'
  | 'UNEXPECTED_SEGMENT'
  | 'MISSING_GE'
  | 'MISSING_SE'
  | 'MISSING_IEA'
  | 'MISSING_GS'
  | 'SEGMENT_COUNT_MISMATCH'
  | 'CONTROL_NUMBER_MISMATCH'
  | 'TRANSACTION_COUNT_MISMATCH'
  | 'GROUP_COUNT_MISMATCH'
  | 'LINE_COUNT_MISMATCH'
  | 'NOT_AN_846'
  | 'TEST_INTERCHANGE'
  | 'INVALID_CHARACTER'

export type Edi846LineCode =
  | 'QTY_OUTSIDE_LIN'
  | 'MISSING_ITEM_ID'
  | 'MISSING_LOCATION_ID'
  | 'AMBIGUOUS_LOCATION'
  | 'NO_QUANTITY'
  | 'SPLIT_WITHOUT_QTY'
  | 'INVALID_SPLIT'
  | 'INVALID_DATE'

export interface Edi846Issue<C extends string = string> {
  /** 1-based index of the segment in the file (the first ISA is 1). */
  segmentIndex: number
  code: C
  /** Starts with "segment N (ID): ". */
  message: string
}

export interface Edi846Options {
  reportDateQualifiers?: readonly string[]
  maxSegmentChars?: number
  maxFileChars?: number
}

export interface Edi846Interchange {
  control: string
  senderId: string
  isTest: boolean
  separators: X12Separators
}

type Located = { ok: true; id: string; segmentIndex: number } | { ok: false; segmentIndex: number; reason: string }

interface QtyEntry {
  kind: 'qty'
  seg: X12Segment
  qualifier: string
  value: string
  unit?: string
  date?: Dated
  splits: Array<{ id: string; value: string; unit?: string; segmentIndex: number; via: 'SDQ' | 'SCH' }>
}
interface N1Entry {
  kind: 'n1'
  seg: X12Segment
  location: Located
  date?: Dated
  used: boolean
}

interface LinState {
  seg: X12Segment
  ordinal: number
  itemIds: Edi846ItemId[]
  unit?: string
  date?: Dated
  entries: Array<QtyEntry | N1Entry>
}

/** One location's quantities within a LIN loop (a line once its location is usable). */
interface LinScope {
  location: Edi846Line['location'] | Located
  quantities: Edi846Quantity[]
  segmentIndex: number
}

interface TxState {
  st: X12Segment
  st02: string
  segmentCount: number
  biaDate?: Dated
  biaReference?: string
  headerDate?: Dated
  headerLocation?: Located
  lin: LinState | null
  linCount: number
}

const el = (seg: X12Segment, n: number): string => seg.elements[n] ?? ''
/** Shortened, with control characters written as \\uXXXX (a message is stored as text and shown). */
const shorten = (s: string): string =>
  (s.length > 80 ? `${s.slice(0, 80)}…` : s).replace(
    /[\u0000-\u001f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
const NUMBER = /^[+-]?(\d{1,15}(\.\d{0,9})?|\.\d{1,9})$/

/**
 * Streaming 846 reader. `push` text chunks; each returns the lines of the LIN loops that closed, at
 * once, so memory stays flat however large a transaction set is. Envelope problems are collected in
 * `envelopeErrors` and may be found only at the end (an SE or IEA count): any one refuses the whole
 * file, so a caller applies lines in a transaction it rolls back when `end()` reports one (the inbox
 * does). Per-LIN problems are in `lineErrors`. Reading stops at a refusal (not X12, not an 846).
 */
export class Edi846Reader {
  readonly envelopeErrors: Array<Edi846Issue<Edi846EnvelopeCode>> = []
  readonly lineErrors: Array<Edi846Issue<Edi846LineCode>> = []
  readonly interchanges: Edi846Interchange[] = []
  /** Set when the file is refused as a whole for what it is (not X12, not an 846, a test interchange). */
  refusal: Edi846Issue<Edi846EnvelopeCode> | null = null
  private readonly tokenizer: X12Tokenizer
  private readonly reportDates: readonly string[]
  private readonly maxFileChars: number
  private chars = 0
  private interchange: { isa: X12Segment; keyPrefix: string; groups: number; sawTa1: boolean } | null = null
  private group: { gs: X12Segment; gs06: string; txCount: number } | null = null
  private tx: TxState | null = null
  private lastSeg: X12Segment | null = null
  private tokenizerReported = false
  /** Lines of LIN loops closed since the last push (released at once: memory stays flat). */
  private ready: Edi846Line[] = []

  constructor(opts: Edi846Options = {}) {
    this.tokenizer = new X12Tokenizer({ maxSegmentChars: opts.maxSegmentChars })
    this.reportDates = opts.reportDateQualifiers ?? DEFAULT_REPORT_DATE_QUALIFIERS
    this.maxFileChars = opts.maxFileChars ?? DEFAULT_MAX_EDI_FILE_CHARS
  }

  get stopped(): boolean {
    return this.refusal !== null || this.tokenizer.fatal !== null
  }

  push(text: string): Edi846Line[] {
    if (this.stopped) return []
    this.chars += text.length
    if (this.chars > this.maxFileChars) {
      this.refuse({
        segmentIndex: this.tokenizer.segmentCount + 1,
        code: 'FILE_TOO_LARGE',
        message: `segment ${this.tokenizer.segmentCount + 1}: the file is larger than ${this.maxFileChars} characters (the EDI size cap) by here; split it into several files.`,
      })
      return []
    }
    return this.take(this.tokenizer.push(text))
  }

  end(): Edi846Line[] {
    if (this.stopped) {
      this.checkTokenizer()
      return []
    }
    const out = this.take(this.tokenizer.end())
    this.checkTokenizer()
    if (this.stopped) return []
    const endSeg = this.lastSeg
    if (!endSeg) {
      this.refuse({ segmentIndex: 1, code: 'NOT_X12', message: 'segment 1: the file holds no segments.' })
      return []
    }
    const atEnd = `end of file after segment ${endSeg.index} (${endSeg.id})`
    // Each envelope still open, innermost first: its missing trailer and what it is.
    const unclosed = [
      this.tx && (['MISSING_SE', `transaction set ${this.tx.st02} (segment ${this.tx.st.index})`] as const),
      this.group && (['MISSING_GE', `the group opened at segment ${this.group.gs.index}`] as const),
      this.interchange && (['MISSING_IEA', `the interchange opened at segment ${this.interchange.isa.index}`] as const),
    ]
    for (const open of unclosed)
      if (open) this.envelope(endSeg, open[0], `the file ends inside ${open[1]}; it is truncated.`, atEnd)
    return out
  }

  private checkTokenizer(): void {
    const f: X12Problem | null = this.tokenizer.fatal
    if (!f || this.refusal || this.tokenizerReported) return
    this.tokenizerReported = true
    if (f.code === 'NOT_X12') {
      this.refusal = { segmentIndex: 1, code: 'NOT_X12', message: `segment 1: ${whatIsIt(this.tokenizer.head)}` }
      return
    }
    this.envelopeErrors.push({ segmentIndex: f.segmentIndex, code: f.code, message: f.message })
  }

  private refuse(issue: Edi846Issue<Edi846EnvelopeCode>): void {
    if (!this.refusal) this.refusal = issue
  }

  private envelope(
    seg: X12Segment,
    code: Edi846EnvelopeCode,
    message: string,
    where = `segment ${seg.index} (${seg.id})`,
  ): void {
    this.envelopeErrors.push({ segmentIndex: seg.index, code, message: `${where}: ${message}` })
  }

  private lineError(seg: X12Segment, code: Edi846LineCode, message: string): void {
    const issue = { segmentIndex: seg.index, code, message: `segment ${seg.index} (${seg.id}): ${message}` }
    this.lineErrors.push(issue)
  }

  private take(segments: X12Segment[]): Edi846Line[] {
    const out: Edi846Line[] = []
    for (const seg of segments) {
      // Segments the tokenizer read before a fatal problem are still read (the same as when streamed).
      if (this.refusal) break
      this.lastSeg = seg
      this.segment(seg, out)
    }
    this.checkTokenizer()
    for (const l of this.ready) out.push(l)
    this.ready = []
    return out
  }

  private segment(seg: X12Segment, out: Edi846Line[]): void {
    if (seg.id === 'ISA') {
      this.openInterchange(seg)
      return
    }
    if (this.unreadable(seg)) return
    if (!this.interchange) {
      this.envelope(seg, 'UNEXPECTED_SEGMENT', 'outside an interchange (ISA ... IEA).')
      return
    }
    if (this.tx && seg.id !== 'GS' && seg.id !== 'GE' && seg.id !== 'IEA') this.tx.segmentCount++

    switch (seg.id) {
      case 'TA1':
        this.interchange.sawTa1 = true
        return
      case 'GS':
        return this.openGroup(seg, this.interchange)
      case 'GE':
        return this.closeGroup(seg)
      case 'IEA':
        return this.closeInterchange(seg)
      case 'ST':
        return this.openTx(seg)
      case 'SE':
        return this.closeTx(seg)
    }
    const tx = this.tx
    if (!tx) {
      this.envelope(seg, 'UNEXPECTED_SEGMENT', 'outside a transaction set (ST ... SE).')
      return
    }
    this.body(tx, seg)
  }

  /** A segment that is not X12 at all (a NUL, a malformed id): reported, counted, skipped. */
  private unreadable(seg: X12Segment): boolean {
    if (seg.text.includes('\u0000')) {
      // Not X12 data (and not storable as PostgreSQL text): a binary or corrupted file.
      this.envelope(
        seg,
        'INVALID_CHARACTER',
        'holds a NUL character (U+0000), which is not X12 data; the file may be binary or corrupted.',
        `segment ${seg.index}`,
      )
    } else if (!/^[A-Z][A-Z0-9]{1,2}$/.test(seg.id)) {
      this.envelope(
        seg,
        'INVALID_SEGMENT',
        `"${shorten(seg.id)}" is not a segment id; check that the segment terminator ${JSON.stringify(seg.separators.segment)} (declared by the ISA) is not used inside data.`,
        `segment ${seg.index}`,
      )
    } else return false
    if (this.tx) this.tx.segmentCount++
    return true
  }

  /** GS: a functional group (closing a transaction set or group left open). */
  private openGroup(seg: X12Segment, interchange: { groups: number }): void {
    if (this.tx) this.closeTxMissingSe(seg)
    if (this.group) this.envelope(seg, 'MISSING_GE', `the group opened at segment ${this.group.gs.index} has no GE.`)
    this.group = { gs: seg, gs06: el(seg, 6), txCount: 0 }
    interchange.groups++
  }

  /** GE: the group's transaction-set count and control number checked. */
  private closeGroup(seg: X12Segment): void {
    if (this.tx) this.closeTxMissingSe(seg)
    if (!this.group) {
      this.envelope(seg, 'UNEXPECTED_SEGMENT', 'GE without a GS.')
      return
    }
    if (el(seg, 1) !== String(this.group.txCount))
      this.envelope(
        seg,
        'TRANSACTION_COUNT_MISMATCH',
        `GE01 says ${el(seg, 1) || 'nothing'} transaction set(s) but the group holds ${this.group.txCount}; a transaction set may be missing.`,
      )
    if (el(seg, 2) !== this.group.gs06)
      this.envelope(
        seg,
        'CONTROL_NUMBER_MISMATCH',
        `GE02 ${el(seg, 2) || '(empty)'} does not match GS06 ${this.group.gs06} (segment ${this.group.gs.index}).`,
      )
    this.group = null
  }

  /** ST: a transaction set; anything but an 846 refuses the file. */
  private openTx(seg: X12Segment): void {
    if (this.tx) this.closeTxMissingSe(seg)
    if (!this.group) this.envelope(seg, 'UNEXPECTED_SEGMENT', 'ST outside a functional group (GS ... GE).')
    else this.group.txCount++
    const code = el(seg, 1).trim()
    if (code !== '846') {
      this.refuse({
        segmentIndex: seg.index,
        code: 'NOT_AN_846',
        message: `segment ${seg.index} (ST): this is a ${describeTransactionSet(code)} (transaction set ${code || '(empty)'}), not an 846 inventory inquiry/advice; nothing from this file is applied.`,
      })
      return
    }
    this.tx = { st: seg, st02: el(seg, 2), segmentCount: 1, lin: null, linCount: 0 }
  }

  /** SE: the last LIN closed, the segment count and control number checked. */
  private closeTx(seg: X12Segment): void {
    const tx = this.tx
    if (!tx) {
      this.envelope(seg, 'UNEXPECTED_SEGMENT', 'SE without an ST.')
      return
    }
    this.closeLin()
    if (el(seg, 1) !== String(tx.segmentCount))
      this.envelope(
        seg,
        'SEGMENT_COUNT_MISMATCH',
        `SE01 says ${el(seg, 1) || 'nothing'} segments but transaction set ${tx.st02} has ${tx.segmentCount} (ST to SE inclusive); the file may be truncated or edited.`,
      )
    if (el(seg, 2) !== tx.st02)
      this.envelope(
        seg,
        'CONTROL_NUMBER_MISMATCH',
        `SE02 ${el(seg, 2) || '(empty)'} does not match ST02 ${tx.st02} (segment ${tx.st.index}).`,
      )
    this.tx = null
  }

  /** ISA: a new interchange (a test interchange refuses the file). */
  private openInterchange(seg: X12Segment): void {
    if (this.interchange)
      this.envelope(
        seg,
        'MISSING_IEA',
        `the interchange opened at segment ${this.interchange.isa.index} has no IEA before this ISA.`,
      )
    const control = el(seg, 13)
    const isTest = el(seg, 15) === 'T'
    this.interchanges.push({ control, senderId: el(seg, 6).trim(), isTest, separators: seg.separators })
    if (isTest) {
      this.refuse({
        segmentIndex: seg.index,
        code: 'TEST_INTERCHANGE',
        message: `segment ${seg.index} (ISA): interchange ${control} is marked as a test (ISA15 = T); test interchanges are not applied to stock.`,
      })
      return
    }
    this.interchange = {
      isa: seg,
      keyPrefix: `x12-846:${el(seg, 6).trim()}:${el(seg, 9)}${el(seg, 10)}:${control}`,
      groups: 0,
      sawTa1: false,
    }
    this.group = null
    this.tx = null
  }

  /** IEA: closes the interchange, checking its group count and control number. */
  private closeInterchange(seg: X12Segment): void {
    const ic = this.interchange!
    if (this.tx) this.closeTxMissingSe(seg)
    if (this.group) {
      this.envelope(seg, 'MISSING_GE', `the group opened at segment ${this.group.gs.index} has no GE.`)
      this.group = null
    }
    if (ic.groups === 0 && ic.sawTa1) {
      this.refuse({
        segmentIndex: ic.isa.index,
        code: 'NOT_AN_846',
        message: `segment ${ic.isa.index} (ISA): interchange ${el(ic.isa, 13)} holds only a TA1 interchange acknowledgment, not an 846 inventory inquiry/advice; nothing is applied.`,
      })
      return
    }
    if (ic.groups === 0)
      this.envelope(
        seg,
        'MISSING_GS',
        `the interchange opened at segment ${ic.isa.index} holds no functional group (GS ... GE).`,
      )
    if (el(seg, 1) !== String(ic.groups))
      this.envelope(
        seg,
        'GROUP_COUNT_MISMATCH',
        `IEA01 says ${el(seg, 1) || 'nothing'} group(s) but the interchange holds ${ic.groups}.`,
      )
    if (el(seg, 2) !== el(ic.isa, 13))
      this.envelope(
        seg,
        'CONTROL_NUMBER_MISMATCH',
        `IEA02 ${el(seg, 2) || '(empty)'} does not match ISA13 ${el(ic.isa, 13)} (segment ${ic.isa.index}).`,
      )
    this.interchange = null
  }

  private closeTxMissingSe(at: X12Segment): void {
    const tx = this.tx!
    this.envelope(at, 'MISSING_SE', `transaction set ${tx.st02} (segment ${tx.st.index}) has no SE.`)
    this.tx = null
  }

  private body(tx: TxState, seg: X12Segment): void {
    switch (seg.id) {
      case 'BIA':
        tx.biaReference = el(seg, 3).trim() || undefined
        if (el(seg, 4)) tx.biaDate = toIso(el(seg, 4), el(seg, 5), '', seg.index)
        return
      case 'DTM':
        this.reportDate(tx, seg)
        return
      case 'N1':
        this.location(tx, seg)
        return
      case 'LIN': {
        this.closeLin()
        tx.linCount++
        const itemIds: Edi846ItemId[] = []
        for (let i = 2; i + 1 < seg.elements.length; i += 2) {
          const qualifier = seg.elements[i].trim()
          const id = seg.elements[i + 1].trim()
          if (qualifier && id) itemIds.push({ qualifier, id })
        }
        tx.lin = { seg, ordinal: tx.linCount, itemIds, entries: [] }
        return
      }
      case 'UIT':
        if (tx.lin) tx.lin.unit = el(seg, 1).split(seg.separators.component)[0].trim() || undefined
        return
      case 'QTY': {
        if (!tx.lin) {
          this.lineError(
            seg,
            'QTY_OUTSIDE_LIN',
            'QTY before any LIN; a quantity must follow the LIN that names its item.',
          )
          return
        }
        const unit = el(seg, 3).split(seg.separators.component)[0].trim() || undefined
        tx.lin.entries.push({
          kind: 'qty',
          seg,
          qualifier: el(seg, 1).trim(),
          value: el(seg, 2).trim(),
          unit,
          splits: [],
        })
        return
      }
      case 'SDQ':
      case 'SCH':
        this.split(tx, seg)
        return
      case 'CTT':
        this.closeLin()
        if (el(seg, 1) !== String(tx.linCount))
          this.envelope(
            seg,
            'LINE_COUNT_MISMATCH',
            `CTT01 says ${el(seg, 1) || 'nothing'} line item(s) but transaction set ${tx.st02} has ${tx.linCount} LIN segment(s); the file may be truncated or edited.`,
          )
        return
      default:
        // PID, REF, CTP, MEA, PER, N2-N4, LS/LE, ...: descriptive, nothing to apply.
        return
    }
  }

  /** DTM with a report-date qualifier: dates the innermost open scope (QTY or N1, else the LIN, else the heading). */
  private reportDate(tx: TxState, seg: X12Segment): void {
    if (!this.reportDates.includes(el(seg, 1))) return // other dates (e.g. availability) describe, they do not date the count
    const d = parseDtm((n) => el(seg, n), seg.index)
    // A DTM dates the innermost open scope: the QTY or N1 just before it, else the LIN, else the heading.
    const scope: { date?: Dated } = tx.lin ? (tx.lin.entries.at(-1) ?? tx.lin) : { date: tx.headerDate }
    const dated: Dated = scope.date
      ? {
          ok: false,
          segmentIndex: seg.index,
          reason: `two report dates for one scope (segments ${scope.date.segmentIndex} and ${seg.index}); send one.`,
        }
      : d
    if (tx.lin) scope.date = dated
    else tx.headerDate = dated
  }

  /** N1 naming a location: places the LIN loop's quantities, or the heading's. */
  private location(tx: TxState, seg: X12Segment): void {
    const entity = el(seg, 1).trim()
    // Parties (supplier, distributor, ship-to, buyer, ...) describe who, never where stock is.
    if (!(LOCATION_ENTITY_CODES as readonly string[]).includes(entity)) return
    const id = el(seg, 4).trim()
    const location: Located = !id
      ? {
          ok: false,
          segmentIndex: seg.index,
          reason: `N1*${entity} has no location id; send N1*${entity}*<name>*92*<location code> (N103 qualifier and N104 id).`,
        }
      : { ok: true, id, segmentIndex: seg.index }
    if (tx.lin) tx.lin.entries.push({ kind: 'n1', seg, location, used: false })
    else if (tx.linCount > 0)
      this.lineError(
        seg,
        'AMBIGUOUS_LOCATION',
        'an N1 location after the LIN loops (after CTT?) places nothing; put it in the heading or inside a LIN loop.',
      )
    else if (tx.headerLocation) {
      this.lineError(
        seg,
        'AMBIGUOUS_LOCATION',
        `the heading already names a location (segment ${tx.headerLocation.segmentIndex}); a heading location applies to every LIN, so place each LIN with an N1 inside its LIN loop instead.`,
      )
      tx.headerLocation = { ok: false, segmentIndex: seg.index, reason: 'the heading names more than one location.' }
    } else tx.headerLocation = location
  }

  /** SDQ / SCH: a QTY's total split across locations. */
  private split(tx: TxState, seg: X12Segment): void {
    const lin = tx.lin
    const qty =
      lin?.entries.at(-1)?.kind === 'qty'
        ? (lin.entries.at(-1) as QtyEntry)
        : lin?.entries.findLast((e): e is QtyEntry => e.kind === 'qty')
    if (seg.id === 'SCH') {
      // SCH*<qty>*<unit>*<entity>*<location>: a warehouse's share; a SCH by date only is a schedule (future availability), not stock.
      const entity = el(seg, 3).trim()
      const id = el(seg, 4).trim()
      if (!id || !(LOCATION_ENTITY_CODES as readonly string[]).includes(entity)) return
      if (!qty) {
        this.lineError(
          seg,
          'SPLIT_WITHOUT_QTY',
          'SCH names a warehouse but follows no QTY, so its quantity has no qualifier; send QTY*<qualifier>*<total> before it.',
        )
        return
      }
      qty.splits.push({
        id,
        value: el(seg, 1).trim(),
        unit: el(seg, 2).split(seg.separators.component)[0].trim() || undefined,
        segmentIndex: seg.index,
        via: 'SCH',
      })
      return
    }
    if (!qty) {
      this.lineError(
        seg,
        'SPLIT_WITHOUT_QTY',
        'SDQ follows no QTY, so its quantities have no qualifier (on hand? available?); send QTY*<qualifier>*<total> before it.',
      )
      return
    }
    // SDQ*<unit>*<id qualifier>*<location>*<qty>*<location>*<qty>...
    const unit = el(seg, 1).split(seg.separators.component)[0].trim() || undefined
    const pairs: Array<[string, string]> = []
    for (let i = 3; i < seg.elements.length && i <= 22; i += 2) {
      const id = (seg.elements[i] ?? '').trim()
      const value = (seg.elements[i + 1] ?? '').trim()
      if (!id && !value) continue
      if (!id || !value) {
        this.lineError(
          seg,
          'INVALID_SPLIT',
          `SDQ${String(i).padStart(2, '0')}/SDQ${String(i + 1).padStart(2, '0')} must be a location id and its quantity (got ${JSON.stringify(id)} and ${JSON.stringify(value)}).`,
        )
        return
      }
      pairs.push([id, value])
    }
    if (pairs.length === 0) {
      this.lineError(seg, 'INVALID_SPLIT', 'SDQ holds no location id and quantity pair.')
      return
    }
    for (const [id, value] of pairs)
      qty.splits.push({ id, value, unit: unit ?? qty.unit, segmentIndex: seg.index, via: 'SDQ' })
  }

  /** Turns the open LIN loop into lines, one per location (it closes at the next LIN, CTT or SE). */
  private closeLin(): void {
    const tx = this.tx
    if (!tx || !tx.lin) return
    const lin = tx.lin
    tx.lin = null
    const ids = lin.itemIds.map((p) => `${p.qualifier} ${p.id}`).join(', ')
    const label = `LIN ${lin.ordinal}${ids ? ` (${ids})` : ''}`
    const qtys = lin.entries.filter((e): e is QtyEntry => e.kind === 'qty')
    if (!this.linIsReadable(tx, lin, label, qtys)) return
    this.releaseLines(tx, lin, label, this.linScopes(tx, lin, label, qtys))
  }

  /** A LIN loop with a product id, a QTY and N1s placed unambiguously; else its line error. */
  private linIsReadable(tx: TxState, lin: LinState, label: string, qtys: QtyEntry[]): boolean {
    if (lin.itemIds.length === 0) {
      this.lineError(
        lin.seg,
        'MISSING_ITEM_ID',
        'LIN has no product id; send LIN*<line>*SK*<your SKU> (or VN, BP, UP ... qualifier and id pairs).',
      )
      return false
    }
    if (qtys.length === 0) {
      this.lineError(lin.seg, 'NO_QUANTITY', `${label} has no QTY; send QTY*<qualifier>*<quantity> for each location.`)
      return false
    }
    const hasN1 = lin.entries.some((e) => e.kind === 'n1')
    const trailing = hasN1 && lin.entries[0].kind === 'qty'
    if (trailing && tx.headerLocation) {
      // "N1 EAST, LIN, QTY, LIN, QTY, N1 WEST, LIN, QTY" reads as a running heading to some senders:
      // an N1 after a LIN's QTYs may place this LIN or the next ones. Never guess.
      const n1 = lin.entries.find((e): e is N1Entry => e.kind === 'n1')!
      this.lineError(
        n1.seg,
        'AMBIGUOUS_LOCATION',
        `${label}: this N1 follows the LIN's QTYs while the heading names a location (segment ${tx.headerLocation.segmentIndex}), so it may place this LIN or the LINs after it. Put each LIN's N1 right after its LIN, before its QTYs.`,
      )
      return false
    }
    return true
  }

  /** The loop's quantities grouped by location: one scope per location id (or the heading / no location). */
  private linScopes(tx: TxState, lin: LinState, label: string, qtys: QtyEntry[]): Map<string, LinScope> {
    const placement = placeQuantities(lin.entries)
    for (const q of qtys) {
      if (q.splits.length === 0 && !placement.has(q))
        this.lineError(
          q.seg,
          'AMBIGUOUS_LOCATION',
          `${label}: this QTY comes after the loop's last N1, but the loop opened with QTYs placed by the N1 that follows them. Within one LIN loop put every N1 before its QTYs, or every N1 after them.`,
        )
    }
    const scopes = new Map<string, LinScope>()
    const add = (key: string, location: Edi846Line['location'] | Located, q: Edi846Quantity) => {
      const s = scopes.get(key) ?? { location, quantities: [], segmentIndex: q.segmentIndex }
      s.quantities.push(q)
      scopes.set(key, s)
    }
    for (const q of qtys) {
      const dateOf = (n1: N1Entry | null | undefined) => q.date ?? n1?.date ?? lin.date ?? tx.headerDate ?? tx.biaDate
      if (q.splits.length > 0) {
        // The QTY is the total; its splits are the per-location figures.
        for (const s of q.splits)
          add(
            `id:${s.id}`,
            { id: s.id, segmentIndex: s.segmentIndex, via: s.via },
            this.quantity(s.segmentIndex, q.qualifier, s.value, s.unit ?? q.unit ?? lin.unit, dateOf(null)),
          )
        continue
      }
      const n1 = placement.get(q)
      if (n1 === undefined) continue
      if (n1) n1.used = true
      const loc: Located | undefined = n1 ? n1.location : tx.headerLocation
      const key = !loc ? '@' : loc.ok ? `id:${loc.id}` : `bad:${loc.segmentIndex}`
      const location = !loc ? null : loc.ok ? { id: loc.id, segmentIndex: loc.segmentIndex, via: 'N1' as const } : loc
      add(key, location, this.quantity(q.seg.index, q.qualifier, q.value, q.unit ?? lin.unit, dateOf(n1)))
    }
    return scopes
  }

  /** One line per usable scope, released to the reader's output; an unusable location is a line error. */
  private releaseLines(tx: TxState, lin: LinState, label: string, scopes: Map<string, LinScope>): void {
    const reference =
      (tx.biaReference ? `846 ${tx.biaReference}` : `846 ${tx.st02}`) +
      ` LIN ${lin.ordinal}: ${lin.itemIds.map((p) => `${p.qualifier}=${p.id}`).join(' ')}`
    for (const [key, s] of scopes) {
      if (s.location && 'ok' in s.location) {
        if (!s.location.ok)
          this.lineError(
            lin.seg,
            'MISSING_LOCATION_ID',
            `${label}: its location is unusable because of segment ${s.location.segmentIndex}: ${s.location.reason}`,
          )
        continue
      }
      const locKey = key === '@' ? '@' : key.slice(3)
      this.ready.push({
        segmentIndex: lin.seg.index,
        idempotencyKey: `${this.interchange!.keyPrefix}:${this.group?.gs06 ?? ''}:${tx.st02}:${lin.ordinal}:${locKey}`,
        itemIds: lin.itemIds,
        location: s.location as Edi846Line['location'],
        quantities: s.quantities,
        reference,
      })
    }
  }

  private quantity(
    segmentIndex: number,
    qualifier: string,
    value: string,
    unit: string | undefined,
    date: Dated | undefined,
  ): Edi846Quantity {
    const q: Edi846Quantity = { segmentIndex, qualifier, value, unit }
    if (!NUMBER.test(value))
      q.problem = {
        code: 'INVALID_QUANTITY',
        message: `segment ${segmentIndex}: quantity ${value ? JSON.stringify(shorten(value)) : '(empty)'} is not a number; send digits with an optional decimal point, e.g. 120 or 2.5.`,
      }
    else if (!date)
      q.problem = {
        code: 'MISSING_DATE',
        message: `segment ${segmentIndex}: no report date: BIA04 is empty and no DTM*${this.reportDates[0]} applies.`,
      }
    else if (!date.ok)
      q.problem = {
        code: 'INVALID_DATE',
        message: `segment ${segmentIndex}: the report date (segment ${date.segmentIndex}) is unusable: ${date.reason}`,
      }
    else q.occurredAt = date.iso
    return q
  }
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
  let lastN1: N1Entry | null = null
  const nextN1: Array<N1Entry | null> = new Array(entries.length).fill(null)
  let upcoming: N1Entry | null = null
  for (let i = entries.length - 1; i >= 0; i--) {
    nextN1[i] = upcoming
    const e = entries[i]
    if (e.kind === 'n1') upcoming = e
  }
  entries.forEach((e, i) => {
    if (e.kind === 'n1') {
      lastN1 = e
      return
    }
    if (!hasN1) {
      placement.set(e, null)
      return
    }
    const n1 = leading ? lastN1 : nextN1[i]
    if (n1) placement.set(e, n1)
  })
  return placement
}

/** Names what a file that is not X12 looks like, for the refusal. */
function whatIsIt(head: string): string {
  const h = head.trimStart()
  if (h.startsWith('UNA') || h.startsWith('UNB'))
    return 'this is an EDIFACT interchange (UNA/UNB), not an X12 846; nothing from this file is applied.'
  if (h.startsWith('<'))
    return 'this is XML, not an X12 846 (which starts with ISA); nothing from this file is applied.'
  if (h.startsWith('{') || h.startsWith('['))
    return 'this is JSON, not an X12 846 (which starts with ISA); send it as .ndjson; nothing from this file is applied.'
  if (/^(GS|ST)[^A-Za-z0-9]/.test(h))
    return `the file starts with ${h.slice(0, 2)} but has no ISA interchange header; send the whole interchange (ISA ... IEA).`
  return `not an X12 interchange: the file must start with an ISA segment (it starts with ${JSON.stringify(h.slice(0, 20))}); nothing from this file is applied.`
}

export interface Edi846Parsed {
  lines: Edi846Line[]
  envelopeErrors: Array<Edi846Issue<Edi846EnvelopeCode>>
  lineErrors: Array<Edi846Issue<Edi846LineCode>>
  refusal: Edi846Issue<Edi846EnvelopeCode> | null
  interchanges: Edi846Interchange[]
}

/** The whole text at once (tests, dry runs of small samples); the inbox streams through Edi846Reader. */
export function parseEdi846(text: string, options: Edi846Options = {}): Edi846Parsed {
  const r = new Edi846Reader(options)
  const lines = r.push(text)
  for (const l of r.end()) lines.push(l)
  return {
    lines,
    envelopeErrors: r.envelopeErrors,
    lineErrors: r.lineErrors,
    refusal: r.refusal,
    interchanges: r.interchanges,
  }
}

// ---------------------------------------------------------------- resolving

export interface Edi846Settings {
  quantityQualifiers: readonly string[]
  defaultLocation: string | null
}

/** What resolving needs from the catalogue (resolveCatalog's lookup for this source). */
export interface Edi846Catalog {
  sku(id: string): { code: string; baseUom: string; factors: Map<string, number> } | undefined
}

export interface Edi846CountEvent {
  idempotencyKey: string
  type: 'count'
  sku: string
  location: string
  quantity: number
  uom?: string
  occurredAt: string
  reference: string
  /** The line it came from, kept so a dead letter can be resolved again after a fix (replay). */
  x12: Edi846Line
}

export type Edi846Resolution =
  | {
      ok: true
      event: Edi846CountEvent
      /** The QTY (or SDQ/SCH) segment the count comes from. */ segmentIndex: number
    }
  | { ok: false; segmentIndex: number; code: string; message: string }

/** Orders a LIN's product ids: preferred qualifiers first, then the rest in file order. */
export function orderedItemIds(ids: readonly Edi846ItemId[]): Edi846ItemId[] {
  const rank = (q: string) => {
    const i = (PREFERRED_ID_QUALIFIERS as readonly string[]).indexOf(q)
    return i === -1 ? PREFERRED_ID_QUALIFIERS.length : i
  }
  return ids
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p.qualifier) - rank(b.p.qualifier) || a.i - b.i)
    .map((x) => x.p)
}

/**
 * One line to one count: the first listed qualifier present wins; the location is the file's or
 * the default; every product id is tried against the catalogue (aliases of the source first); a
 * decimal quantity or a unit is converted to whole base units or refused. Each refusal names its fix.
 */
export function resolveEdi846Line(
  line: Edi846Line,
  settings: Edi846Settings,
  catalog: Edi846Catalog,
  source: string,
): Edi846Resolution {
  const ids = orderedItemIds(line.itemIds)
  const label = `LIN at segment ${line.segmentIndex} (${ids.map((p) => `${p.qualifier} ${p.id}`).join(', ')})${line.location ? ` at ${line.location.id}` : ''}`
  const fail: Fail = (segmentIndex, code, message) => ({
    ok: false,
    segmentIndex,
    code,
    message: `segment ${segmentIndex}: ${label}: ${message}`,
  })
  const q = chooseQuantity(line, settings, source, label, fail)
  if ('ok' in q) return q
  const location = line.location?.id ?? settings.defaultLocation
  if (!location)
    return fail(
      q.segmentIndex,
      'MISSING_LOCATION',
      `the file names no location for it: set edi846.defaultLocation of source "${source}" (Settings -> Sources) if the sender is the location, or send N1*WH*<name>*92*<location> in the heading or the LIN loop.`,
    )

  const match = matchSku(line, ids, catalog, source, fail)
  if ('ok' in match) return match
  return countEvent(line, q, location, match, fail)
}

type Refused = Extract<Edi846Resolution, { ok: false }>
type Fail = (segmentIndex: number, code: string, message: string) => Refused
type SkuMatch = { p: Edi846ItemId; sku: NonNullable<ReturnType<Edi846Catalog['sku']>> }

/** The line's one QTY with the first listed qualifier present, usable (a number, a date). */
function chooseQuantity(
  line: Edi846Line,
  settings: Edi846Settings,
  source: string,
  label: string,
  fail: Fail,
): Edi846Quantity | Refused {
  const qualifier = settings.quantityQualifiers.find((q) => line.quantities.some((x) => x.qualifier === q))
  if (!qualifier) {
    const found = [...new Set(line.quantities.map((q) => q.qualifier || '(empty)'))].join(', ')
    return fail(
      line.quantities[0]?.segmentIndex ?? line.segmentIndex,
      'NO_QUANTITY',
      `no QTY with a qualifier source "${source}" reads (${settings.quantityQualifiers.join(', ')}); the file has ${found}. Add the qualifier to the source's edi846.quantityQualifiers (Settings -> Sources), or send QTY*${settings.quantityQualifiers[0]}.`,
    )
  }
  const chosen = line.quantities.filter((q) => q.qualifier === qualifier)
  if (chosen.length > 1)
    return fail(
      chosen[1].segmentIndex,
      'DUPLICATE_QUANTITY',
      `${chosen.length} QTY*${qualifier} for one location (segments ${chosen.map((q) => q.segmentIndex).join(', ')}); none is applied. Send one per location.`,
    )
  const q = chosen[0]
  if (q.problem)
    return {
      ok: false,
      segmentIndex: q.segmentIndex,
      code: q.problem.code,
      message: `${q.problem.message.replace(/^segment \d+: /, `segment ${q.segmentIndex}: ${label}: `)}`,
    }
  return q
}

/** The one SKU the line's product ids name (a SKU code or an alias of the source). */
function matchSku(
  line: Edi846Line,
  ids: Edi846ItemId[],
  catalog: Edi846Catalog,
  source: string,
  fail: Fail,
): SkuMatch | Refused {
  const matches = ids.map((p) => ({ p, sku: catalog.sku(p.id) })).filter((m) => m.sku)
  if (matches.length === 0)
    return fail(
      line.segmentIndex,
      'UNKNOWN_SKU',
      `none of its product ids is a SKU or an alias of source "${source}": add an alias for one of them (${ids.map((p) => p.id).join(', ')}).`,
    )
  const distinct = [...new Set(matches.map((m) => m.sku!.code))]
  if (distinct.length > 1)
    return fail(
      line.segmentIndex,
      'AMBIGUOUS_SKU',
      `its product ids name different SKUs (${matches.map((m) => `${m.p.id} is ${m.sku!.code}`).join(', ')}): fix the aliases so they agree.`,
    )
  return matches[0] as SkuMatch
}

/** The count event: whole units as sent, or a decimal quantity converted to whole base units. */
function countEvent(
  line: Edi846Line,
  q: Edi846Quantity,
  location: string,
  match: SkuMatch,
  fail: Fail,
): Edi846Resolution {
  const base = {
    idempotencyKey: line.idempotencyKey,
    type: 'count' as const,
    sku: match.p.id,
    location,
    occurredAt: q.occurredAt!,
    reference: line.reference,
    x12: line,
  }
  const unit = q.unit?.toUpperCase()
  const decimal = decimalParts(q.value)
  if (decimal.scale === 0n) {
    // Whole units: the ingest path converts the unit (and refuses an unknown one naming the fix).
    const event: Edi846CountEvent = { ...base, quantity: Number(decimal.digits) }
    if (unit) event.uom = unit
    return { ok: true, event, segmentIndex: q.segmentIndex }
  }
  const { sku } = match
  const factor = sku.factors.get(unit ?? sku.baseUom.toUpperCase())
  const written = `${q.value}${q.unit ? ` ${q.unit}` : ''}`
  if (!factor)
    return fail(
      q.segmentIndex,
      'UNKNOWN_UOM',
      `quantity ${written}: SKU ${sku.code} has no unit conversion for ${unit}: add one (1 ${unit} = n ${sku.baseUom}).`,
    )
  const scaled = decimal.digits * BigInt(factor)
  const divisor = 10n ** decimal.scale
  if (scaled % divisor !== 0n) {
    return fail(
      q.segmentIndex,
      'FRACTIONAL_QUANTITY',
      `quantity ${written} is ${formatRatio(scaled, divisor)} ${sku.baseUom}, not a whole number of base units of SKU ${sku.code}: add a unit conversion that gives whole ${sku.baseUom} (or make ${sku.baseUom} a smaller unit), or send whole units.`,
    )
  }
  return {
    ok: true,
    event: {
      ...base,
      quantity: Number(scaled / divisor),
      uom: sku.baseUom,
      reference: `${line.reference} (${written})`,
    },
    segmentIndex: q.segmentIndex,
  }
}

/** "-2.50" to digits -250n and scale 2n (trailing zeros dropped: "2.50" is 25 / 10). */
function decimalParts(value: string): { digits: bigint; scale: bigint } {
  const neg = value.startsWith('-')
  const v = value.replace(/^[+-]/, '')
  const [int, frac = ''] = v.split('.')
  let f = frac
  while (f.endsWith('0')) f = f.slice(0, -1)
  const digits = BigInt((int || '0') + f) * (neg ? -1n : 1n)
  return { digits, scale: BigInt(f.length) }
}

function formatRatio(n: bigint, d: bigint): string {
  const neg = n < 0n
  const a = neg ? -n : n
  const int = a / d
  const frac = (a % d)
    .toString()
    .padStart(d.toString().length - 1, '0')
    .replace(/0+$/, '')
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`
}
