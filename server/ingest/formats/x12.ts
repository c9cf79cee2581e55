// Streaming X12 tokenizer: text in (chunk by chunk), segments out. Every interchange declares its
// own separators in its ISA (element separator = the character after "ISA", component separator =
// ISA16, segment terminator = the character after ISA16); a file may hold several interchanges,
// each read with its own. Separators are code points, so a multi-byte one (`…`, `§`, even an emoji)
// works like `*` or `~`.
//
// Layout senders add is tolerated: a UTF-8 BOM, whitespace between interchanges and before each
// segment (pretty-printed indentation), line breaks after terminators, and wrapping at a fixed
// width (line breaks anywhere, the ISA included) unless the terminator is itself a line break.
//
// Linear time and bounded memory: each character is looked at a constant number of times (no
// regular expression runs over unbounded text), and a segment longer than `maxSegmentChars` stops
// the reader with an error instead of growing a buffer without end (a wrong terminator makes the
// whole file one "segment").

export interface X12Separators {
  element: string
  component: string
  segment: string
}

export interface X12Segment {
  /** 1-based position of the segment in the file, counted across interchanges (the first ISA is 1). */
  index: number
  id: string
  /** elements[0] is the id; elements[n] is the nth data element. */
  elements: string[]
  text: string
  separators: X12Separators
}

export interface X12Problem {
  segmentIndex: number
  code: 'INVALID_ISA' | 'SEGMENT_TOO_LONG' | 'NOT_X12' | 'MISSING_IEA'
  message: string
}

// ISA01..ISA15 widths (ISA16 is one code point): the ISA is the one fixed-width segment, which is
// how a reader learns the separators before it can split anything.
export const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1] as const
export const DEFAULT_MAX_SEGMENT_CHARS = 64 * 1024
/** Enough for an ISA with its separators even when wrapped at every character pair. */
const ISA_LOOKAHEAD = 1024

const isBreak = (c: string | undefined) => c === '\n' || c === '\r'
const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v'
const isAlnumOrSpace = (c: string) => c.length === 1 && /[A-Za-z0-9\s]/.test(c)

type IsaRead =
  | { ok: true; consumed: number; separators: X12Separators; elements: string[]; text: string }
  | { ok: false; reason: string }
  | { need: true }

/** Reads the ISA at the start of `buf`, skipping line breaks inside it (wrapped files). */
export function readIsa(buf: string, final: boolean): IsaRead {
  let i = 0
  const next = (skipBreaks: boolean): string | null => {
    while (skipBreaks && i < buf.length && isBreak(buf[i])) i++
    if (i >= buf.length) return null
    const cp = buf.codePointAt(i)!
    const ch = String.fromCodePoint(cp)
    i += ch.length
    return ch
  }
  const cut = (): IsaRead =>
    final
      ? {
          ok: false,
          reason: `the ISA is cut off after ${i} characters; it is fixed-width, 106 characters with its segment terminator.`,
        }
      : { need: true }
  for (const want of 'ISA') {
    const c = next(true)
    if (c === null) return cut()
    if (c !== want) return { ok: false, reason: 'the interchange does not start with ISA.' }
  }
  const element = next(true)
  if (element === null) return cut()
  if (isAlnumOrSpace(element))
    return {
      ok: false,
      reason: `the element separator (the character after "ISA") is ${JSON.stringify(element)}; it must be a punctuation character such as *.`,
    }
  const elements = ['ISA']
  for (let n = 1; n <= 15; n++) {
    let v = ''
    for (;;) {
      const c = next(true)
      if (c === null) return cut()
      if (c === element) break
      v += c
      if (v.length > ISA_WIDTHS[n - 1]) break
    }
    if (v.length !== ISA_WIDTHS[n - 1]) {
      return {
        ok: false,
        reason: `ISA${String(n).padStart(2, '0')} is ${v.length > ISA_WIDTHS[n - 1] ? 'longer than' : `${v.length} characters but must be`} ${ISA_WIDTHS[n - 1]}${v.length > ISA_WIDTHS[n - 1] ? ' characters' : ''} (the ISA is fixed-width, 106 characters with its terminator; pad ISA06 and ISA08 with spaces).`,
      }
    }
    elements.push(v)
  }
  const component = next(true)
  if (component === null) return cut()
  // The terminator follows ISA16. A line break there is the terminator, unless the file is
  // wrapped and a punctuation character follows the break (then that is the terminator).
  const breakAt = i
  while (i < buf.length && isBreak(buf[i])) i++
  let segment: string
  if (i >= buf.length) {
    if (!final || breakAt === i) return cut()
    segment = buf[breakAt]
  } else if (i > breakAt && /[A-Za-z]/.test(buf[i])) {
    segment = buf[breakAt]
    i = breakAt + 1
  } else {
    segment = next(false)!
  }
  elements.push(component)
  if (
    segment === element ||
    segment === component ||
    component === element ||
    isAlnumOrSpace(component) ||
    (segment.length === 1 && /[A-Za-z0-9 \t]/.test(segment))
  ) {
    return {
      ok: false,
      reason: `the separators are not distinct punctuation: element ${JSON.stringify(element)}, component (ISA16) ${JSON.stringify(component)}, segment terminator ${JSON.stringify(segment)}.`,
    }
  }
  return { ok: true, consumed: i, separators: { element, component, segment }, elements, text: elements.join(element) }
}

/** Removes CR and LF (wrapping) and surrounding blanks (indentation) from one segment's text, in one pass. */
function cleanSegment(raw: string, dropBreaks: boolean): string {
  let start = 0
  let end = raw.length
  while (start < end && isSpace(raw[start])) start++
  while (end > start && isSpace(raw[end - 1])) end--
  if (!dropBreaks) return raw.slice(start, end)
  let out = ''
  let from = start
  for (let k = start; k < end; k++) {
    if (isBreak(raw[k])) {
      out += raw.slice(from, k)
      from = k + 1
    }
  }
  return out + raw.slice(from, end)
}

/**
 * Push text in, take segments out. Problems that make the rest unreadable (no ISA, a broken ISA,
 * a runaway segment) stop the tokenizer: `fatal` is set and later input is ignored.
 */
export class X12Tokenizer {
  private buf = ''
  private scanFrom = 0
  private started = false
  private sep: X12Separators | null = null
  private index = 0
  fatal: X12Problem | null = null
  /** Characters before the first ISA, when the file does not start with one (to say what it is). */
  head = ''

  constructor(private readonly opts: { maxSegmentChars?: number } = {}) {}

  get segmentCount(): number {
    return this.index
  }

  push(text: string): X12Segment[] {
    const out: X12Segment[] = []
    if (this.fatal) return out
    this.buf += text
    this.drain(out, false)
    return out
  }

  end(): X12Segment[] {
    const out: X12Segment[] = []
    if (this.fatal) return out
    this.drain(out, true)
    return out
  }

  private drain(out: X12Segment[], final: boolean): void {
    const max = this.opts.maxSegmentChars ?? DEFAULT_MAX_SEGMENT_CHARS
    let pos = 0
    for (;;) {
      if (!this.sep) {
        // Between interchanges: skip a BOM and whitespace, then an ISA must follow.
        while (pos < this.buf.length && (isSpace(this.buf[pos]) || this.buf[pos] === '\uFEFF')) pos++
        if (pos >= this.buf.length) break
        if (!final && this.buf.length - pos < 3) break
        if (!this.buf.startsWith('ISA', pos)) {
          // Say what the file is from the same text however it was chunked: wait for enough of it.
          if (!final && this.buf.length - pos < (this.started ? 20 : 200)) break
          if (!this.started) {
            this.head = this.buf.slice(pos, pos + 200)
            this.fatal = { segmentIndex: 1, code: 'NOT_X12', message: 'the file does not start with an ISA segment.' }
          } else {
            this.fatal = {
              segmentIndex: this.index + 1,
              code: 'MISSING_IEA',
              message: `segment ${this.index + 1}: ${JSON.stringify(this.buf.slice(pos, pos + 20))} follows an IEA; after an interchange only another ISA may follow.`,
            }
          }
          break
        }
        const isa = readIsa(this.buf.slice(pos, pos + ISA_LOOKAHEAD), final || this.buf.length - pos >= ISA_LOOKAHEAD)
        if ('need' in isa) break
        if (!isa.ok) {
          this.fatal = {
            segmentIndex: this.index + 1,
            code: 'INVALID_ISA',
            message: `segment ${this.index + 1} (ISA): ${isa.reason}`,
          }
          break
        }
        this.started = true
        this.sep = isa.separators
        pos += isa.consumed
        this.scanFrom = pos
        out.push({ index: ++this.index, id: 'ISA', elements: isa.elements, text: isa.text, separators: isa.separators })
        continue
      }
      const term = this.sep.segment
      const at = this.buf.indexOf(term, Math.max(pos, this.scanFrom))
      if (at === -1) {
        this.scanFrom = this.buf.length
        if (this.buf.length - pos > max) {
          this.fatal = {
            segmentIndex: this.index + 1,
            code: 'SEGMENT_TOO_LONG',
            message: `segment ${this.index + 1}: more than ${max} characters without the segment terminator ${JSON.stringify(term)} (declared by the ISA); check the terminator.`,
          }
          break
        }
        if (final) {
          const rest = cleanSegment(this.buf.slice(pos), !isBreak(term[0]))
          if (rest !== '') this.emit(out, rest)
          pos = this.buf.length
        }
        break
      }
      if (at - pos > max) {
        this.fatal = {
          segmentIndex: this.index + 1,
          code: 'SEGMENT_TOO_LONG',
          message: `segment ${this.index + 1}: more than ${max} characters without the segment terminator ${JSON.stringify(term)} (declared by the ISA); check the terminator.`,
        }
        break
      }
      const text = cleanSegment(this.buf.slice(pos, at), !isBreak(term[0]))
      pos = at + term.length
      this.scanFrom = pos
      if (text !== '') {
        const seg = this.emit(out, text)
        if (seg.id === 'IEA') this.sep = null
      }
    }
    this.buf = this.buf.slice(pos)
    this.scanFrom = Math.max(0, this.scanFrom - pos)
  }

  private emit(out: X12Segment[], text: string): X12Segment {
    const sep = this.sep!
    const elements = text.split(sep.element)
    const seg = { index: ++this.index, id: elements[0].trim(), elements, text, separators: sep }
    out.push(seg)
    return seg
  }
}

/** What an X12 transaction set is, by its ST01 code, to say what a refused file is. */
export const TRANSACTION_SET_NAMES: Readonly<Record<string, string>> = {
  '180': 'return merchandise authorization',
  '753': 'routing request',
  '754': 'routing instructions',
  '810': 'invoice',
  '812': 'credit/debit adjustment',
  '816': 'organizational relationships',
  '820': 'payment order/remittance advice',
  '830': 'planning schedule',
  '832': 'price/sales catalog',
  '846': 'inventory inquiry/advice',
  '850': 'purchase order',
  '852': 'product activity data',
  '855': 'purchase order acknowledgment',
  '856': 'ship notice/manifest',
  '860': 'purchase order change',
  '861': 'receiving advice',
  '864': 'text message',
  '865': 'purchase order change acknowledgment',
  '869': 'order status inquiry',
  '870': 'order status report',
  '875': 'grocery purchase order',
  '880': 'grocery invoice',
  '940': 'warehouse shipping order',
  '943': 'warehouse stock transfer shipment advice',
  '944': 'warehouse stock transfer receipt advice',
  '945': 'warehouse shipping advice',
  '947': 'warehouse inventory adjustment advice',
  '997': 'functional acknowledgment',
  '999': 'implementation acknowledgment',
}

export function describeTransactionSet(code: string): string {
  const name = TRANSACTION_SET_NAMES[code]
  return name ? `${code} ${name}` : `transaction set ${code || '(empty)'}`
}
