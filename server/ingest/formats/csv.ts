// Streaming CSV (RFC 4180): quoted fields with commas, quotes ("") and newlines, CRLF or LF, a
// UTF-8 BOM. Reads chunk by chunk, so a million-row file is never held in memory. Every record
// carries the line it starts on, so an error can name it.

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number
  fields: string[]
}

export class CsvSyntaxError extends Error {
  constructor(public readonly line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.name = 'CsvSyntaxError'
  }
}

/** Splits a stream of text or bytes into records. Blank lines are skipped. */
export async function* readCsv(input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8')
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let quoteJustClosed = false
  let line = 1
  let recordLine = 1
  let first = true
  let pendingCr = false

  const endRecord = (): CsvRecord | null => {
    fields.push(field)
    const rec = fields.length === 1 && fields[0] === '' && !quoteJustClosed ? null : { line: recordLine, fields }
    fields = []
    field = ''
    quoteJustClosed = false
    return rec
  }

  let carry = ''
  const process = (text: string, out: CsvRecord[]) => {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]
      if (pendingCr) {
        pendingCr = false
        if (c === '\n') continue
      }
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i++ } else { inQuotes = false; quoteJustClosed = true }
        } else {
          if (c === '\n') line++
          field += c
        }
        continue
      }
      if (c === '"') {
        if (field.length > 0 || quoteJustClosed) throw new CsvSyntaxError(line, 'a stray quote; quote the whole field and double any quote inside it ("").')
        inQuotes = true
        continue
      }
      if (c === ',') { fields.push(field); field = ''; quoteJustClosed = false; continue }
      if (c === '\r' || c === '\n') {
        if (c === '\r') pendingCr = true
        const rec = endRecord()
        if (rec) out.push(rec)
        line++
        recordLine = line
        continue
      }
      if (quoteJustClosed) throw new CsvSyntaxError(line, 'text after a closing quote; a quoted field must end at a comma or line end.')
      field += c
    }
  }

  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    let text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
    carry = ''
    if (first) { if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); if (text.length > 0) first = false }
    // Quotes at a chunk's end may be half of an escaped "": decide them with the next chunk.
    let q = text.length
    while (q > 0 && text[q - 1] === '"') q--
    carry = text.slice(q)
    text = text.slice(0, q)
    const out: CsvRecord[] = []
    process(text, out)
    for (const r of out) yield r
  }
  // The carried quotes precede whatever bytes the decoder still holds.
  const tail = carry + decoder.decode()
  const out: CsvRecord[] = []
  process(tail, out)
  for (const r of out) yield r
  if (inQuotes) throw new CsvSyntaxError(recordLine, 'a quoted field is never closed.')
  const rec = endRecord()
  if (rec) yield rec
}

export interface CsvRow {
  line: number
  /** Header name (trimmed, lower-cased) to cell (trimmed). Missing trailing cells are absent. */
  values: Record<string, string>
}

/**
 * Reads a CSV with a header row. `required` columns must be present in the header; `allowed`
 * (when given) lists every column the file may have. A row with more cells than the header is an error.
 */
export async function* readCsvRows(
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  opts: { required: string[]; allowed?: string[] },
): AsyncGenerator<CsvRow> {
  let header: string[] | null = null
  for await (const rec of readCsv(input)) {
    if (!header) {
      header = rec.fields.map((f) => f.trim().toLowerCase())
      const missing = opts.required.filter((r) => !header!.includes(r))
      if (missing.length > 0) throw new CsvSyntaxError(rec.line, `the header lacks the column(s) ${missing.join(', ')} (found: ${header.join(', ') || 'nothing'}).`)
      if (opts.allowed) {
        const unknown = header.filter((h) => h !== '' && !opts.allowed!.includes(h))
        if (unknown.length > 0) throw new CsvSyntaxError(rec.line, `unknown column(s) ${unknown.join(', ')}; allowed: ${opts.allowed.join(', ')}.`)
      }
      const dup = header.find((h, i) => h !== '' && header!.indexOf(h) !== i)
      if (dup) throw new CsvSyntaxError(rec.line, `the column ${dup} appears twice in the header.`)
      continue
    }
    if (rec.fields.length > header.length) throw new CsvSyntaxError(rec.line, `${rec.fields.length} cells but the header has ${header.length} columns.`)
    const values: Record<string, string> = {}
    rec.fields.forEach((f, i) => { if (header![i]) values[header![i]] = f.trim() })
    yield { line: rec.line, values }
  }
  if (!header) throw new CsvSyntaxError(1, 'the file is empty; a header row is required.')
}
