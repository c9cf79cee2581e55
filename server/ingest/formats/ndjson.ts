// Streaming NDJSON (one JSON value per line). Reads chunk by chunk and holds at most one line at a
// time, so a million-line file runs in flat memory. A line that is not valid JSON does not stop the
// file: it is yielded as an error so that row alone is rejected and the rest still apply.

export type NdjsonRecord =
  | { /** 1-based line number. */ line: number; value: unknown; error?: undefined }
  | { line: number; error: string; value?: undefined }

export interface NdjsonOptions {
  /**
   * Longest line accepted, in characters. A longer line is reported as an error and skipped
   * without being held in memory, so one runaway line (a file with no newlines) cannot exhaust it.
   */
  maxLineLength?: number
}

export const DEFAULT_MAX_NDJSON_LINE_LENGTH = 1024 * 1024

/** Splits a stream of text or bytes into parsed JSON values, one per non-blank line. */
export async function* readNdjson(
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  opts: NdjsonOptions = {},
): AsyncGenerator<NdjsonRecord> {
  const maxLineLength = opts.maxLineLength ?? DEFAULT_MAX_NDJSON_LINE_LENGTH
  // stream: true keeps a multi-byte character split across chunks for the next decode call.
  const decoder = new TextDecoder('utf-8')
  let pending = ''
  let line = 1
  let first = true
  // Set while skipping the rest of an over-long line: its text is dropped, not accumulated.
  let skippingLongLine = false

  const finishLine = (raw: string, lineNo: number): NdjsonRecord | null => {
    // CRLF: the \r belongs to the line ending, not the JSON (JSON.parse would tolerate it as
    // whitespace, but an error message quoting the line should not carry it).
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (text.trim() === '') return null
    return parseLine(text, lineNo)
  }

  const tooLong = (lineNo: number): NdjsonRecord => ({
    line: lineNo,
    error: `line ${lineNo}: longer than ${maxLineLength} characters; put one record per line (NDJSON) and check the file is not a single JSON array.`,
  })

  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    let start = 0
    let nl = text.indexOf('\n', start)
    while (nl !== -1) {
      if (skippingLongLine) {
        skippingLongLine = false
      } else {
        const rec = finishLine(pending + text.slice(start, nl), line)
        if (rec) yield rec
      }
      pending = ''
      line++
      start = nl + 1
      nl = text.indexOf('\n', start)
    }
    if (!skippingLongLine) {
      pending += text.slice(start)
      if (pending.length > maxLineLength) {
        yield tooLong(line)
        pending = ''
        skippingLongLine = true
      }
    }
  }
  const tail = decoder.decode()
  if (!skippingLongLine) {
    // A final line without a trailing newline is still a record.
    const rest = pending + tail
    const rec = rest.length > maxLineLength ? tooLong(line) : finishLine(rest, line)
    if (rec) yield rec
  }
}

function parseLine(text: string, line: number): NdjsonRecord {
  try {
    return { line, value: JSON.parse(text) as unknown }
  } catch (e) {
    // V8 quotes the whole input in its message; a long line would make an unreadable error.
    const msg = (e as Error).message
    const reason = msg.length > 200 ? `${msg.slice(0, 200)}…` : msg
    return { line, error: `line ${line}: not valid JSON: ${reason}. Each line must hold one complete JSON object.` }
  }
}
