import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, readCsv, readCsvRows, type CsvRecord } from '../../../../server/ingest/formats/csv'

type Chunk = string | Uint8Array

async function records(input: Iterable<Chunk> | AsyncIterable<Chunk>): Promise<CsvRecord[]> {
  const out: CsvRecord[] = []
  for await (const r of readCsv(input)) out.push(r)
  return out
}

/** Records, or the error's line and message: a split must not change either. */
async function outcome(input: Iterable<Chunk>): Promise<unknown> {
  try {
    return await records(input)
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { error: e.message }
    throw e
  }
}

async function rows(text: string, opts: { required: string[]; allowed?: string[] }) {
  const out = []
  for await (const r of readCsvRows([text], opts)) out.push(r)
  return out
}

const enc = new TextEncoder()

describe('readCsv', () => {
  it('reads quoted fields with commas, escaped quotes and embedded newlines, naming the line each record starts on', async () => {
    const text = 'sku,reference\nSKU-1,"PO-1, line 2"\nSKU-2,"say ""hi"""\nSKU-3,"two\nlines"\nSKU-4,""\n'
    expect(await records([text])).toEqual([
      { line: 1, fields: ['sku', 'reference'] },
      { line: 2, fields: ['SKU-1', 'PO-1, line 2'] },
      { line: 3, fields: ['SKU-2', 'say "hi"'] },
      { line: 4, fields: ['SKU-3', 'two\nlines'] },
      { line: 6, fields: ['SKU-4', ''] },
    ])
  })

  it('handles CRLF, a BOM, blank lines and a last line without newline', async () => {
    const text = '\uFEFFa,b\r\n\r\n1,2\r\n3,"x\r\ny"\r\n4,5'
    expect(await records([text])).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 4, fields: ['3', 'x\r\ny'] },
      { line: 6, fields: ['4', '5'] },
    ])
  })

  it('keeps empty cells, including trailing ones', async () => {
    expect(await records(['a,,c,\n,,\n'])).toEqual([
      { line: 1, fields: ['a', '', 'c', ''] },
      { line: 2, fields: ['', '', ''] },
    ])
  })

  const tricky = [
    'sku,note\r\n"SKU-1","a ""quoted"" word"\r\nSKU-2,"multi\r\nline, with comma"\r\n\r\nSKU-3,"""",x\r\nSKU-4,Grüße – 😀\r\n',
    'a,"b""',
    'a,"b"c\n',
    'a,b"c\n',
    '"a""b"\n',
  ]
  it.each(tricky.map((t, i) => [i, t]))(
    'gives the same result for every split point of text and bytes (case %i)',
    async (_i, text) => {
      const whole = await outcome([text])
      for (let i = 0; i <= text.length; i++) {
        expect(await outcome([text.slice(0, i), text.slice(i)]), `string split at ${i}`).toEqual(whole)
      }
      const bytes = enc.encode(text)
      for (let i = 0; i <= bytes.length; i++) {
        expect(await outcome([bytes.slice(0, i), bytes.slice(i)]), `byte split at ${i}`).toEqual(whole)
      }
      // One byte at a time splits every multi-byte character.
      expect(await outcome(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(whole)
    },
  )

  it('reads a quote at the end of input the same whether or not the decoder still holds bytes', async () => {
    // Bug fix: the quotes carried over from the last chunk were placed after the decoder's final
    // bytes, so a truncated UTF-8 tail landed inside the closed quoted field.
    const bytes = Uint8Array.of(...enc.encode('a,"x"'), 0xe2, 0x82)
    const asText = new TextDecoder().decode(bytes)
    expect(await outcome([bytes])).toEqual(await outcome([asText]))
    await expect(records([bytes])).rejects.toThrow(/text after a closing quote/)
  })

  it('rejects an unclosed quote, naming the line where the record starts', async () => {
    await expect(records(['a,b\n1,"never closed\n2,3\n'])).rejects.toThrow(
      new CsvSyntaxError(2, 'a quoted field is never closed.'),
    )
  })

  it('rejects a stray quote inside an unquoted field and text after a closing quote', async () => {
    await expect(records(['a,b\n1,4"5\n'])).rejects.toThrow(/^line 2: a stray quote/)
    await expect(records(['a,b\n1,"4"5\n'])).rejects.toThrow(/^line 2: text after a closing quote/)
  })

  it('reads async sources chunk by chunk', async () => {
    async function* gen() {
      yield 'a,b\n1,'
      yield '2\n'
    }
    expect(await records(gen())).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ])
  })
})

describe('readCsvRows', () => {
  it('keys cells by trimmed, lower-cased header and omits missing trailing cells', async () => {
    expect(
      await rows(' SKU ,Location,On_Hand\nSKU-1 , DC-EAST ,4\nSKU-2,DC-WEST\n', { required: ['sku', 'location'] }),
    ).toEqual([
      { line: 2, values: { sku: 'SKU-1', location: 'DC-EAST', on_hand: '4' } },
      { line: 3, values: { sku: 'SKU-2', location: 'DC-WEST' } },
    ])
  })

  it('rejects a header that lacks a required column', async () => {
    await expect(rows('sku,qty\nA,1\n', { required: ['sku', 'location'] })).rejects.toThrow(
      /^line 1: the header lacks the column\(s\) location/,
    )
  })

  it('rejects an unknown column when the allowed list is given', async () => {
    await expect(rows('sku,location,colour\n', { required: ['sku'], allowed: ['sku', 'location'] })).rejects.toThrow(
      /unknown column\(s\) colour/,
    )
  })

  it('rejects a repeated column', async () => {
    await expect(rows('sku,location,SKU\n', { required: ['sku'] })).rejects.toThrow(/the column sku appears twice/)
  })

  it('rejects a row with more cells than the header, naming its line', async () => {
    await expect(rows('sku,location\nA,B\nA,B,C\n', { required: ['sku'] })).rejects.toThrow(
      new CsvSyntaxError(3, '3 cells but the header has 2 columns.'),
    )
  })

  it('rejects an empty file', async () => {
    await expect(rows('', { required: ['sku'] })).rejects.toThrow(/the file is empty; a header row is required/)
  })
})

describe('readCsv in flat memory', () => {
  it('streams a million rows fed in small chunks', async () => {
    const rowsTotal = 1_000_000
    function* source(): Generator<string> {
      yield 'sku,location,on_hand\n'
      let buf = ''
      for (let i = 0; i < rowsTotal; i++) {
        buf += `S${i},D,${i % 97}\n`
        if (buf.length >= 4096) {
          yield buf
          buf = ''
        }
      }
      if (buf) yield buf
    }
    let count = 0
    let last: CsvRecord | undefined
    for await (const r of readCsv(source())) {
      count++
      last = r
    }
    expect(count).toBe(rowsTotal + 1)
    expect(last).toEqual({ line: rowsTotal + 1, fields: [`S${rowsTotal - 1}`, 'D', String((rowsTotal - 1) % 97)] })
  })
})

describe('readCsv bounds and delimiters', { timeout: 120_000 }, () => {
  const all = async (input: Iterable<Chunk> | AsyncIterable<Chunk>, opts = {}) => {
    const out: CsvRecord[] = []
    for await (const r of readCsv(input, opts)) out.push(r)
    return out
  }

  it('reads ; tab and | delimited files, quoting the delimiter', async () => {
    expect(await all(['a;"b;c";d\n1;2;3'], { delimiter: ';' })).toEqual([
      { line: 1, fields: ['a', 'b;c', 'd'] },
      { line: 2, fields: ['1', '2', '3'] },
    ])
    expect(await all(['a\tb,c\n'], { delimiter: '\t' })).toEqual([{ line: 1, fields: ['a', 'b,c'] }])
    expect(await all(['a|b\n'], { delimiter: '|' })).toEqual([{ line: 1, fields: ['a', 'b'] }])
  })

  it('stops an unterminated quoted field at the field cap, in flat memory, naming the line', async () => {
    // 64 MiB of an unterminated quote once took 2 GB; now it stops at the cap.
    async function* huge() {
      yield 'sku,qty\nA,"'
      for (let i = 0; i < 64; i++) yield 'x'.repeat(1 << 20)
    }
    const before = process.memoryUsage().rss
    const e = await all(huge()).then(
      () => null,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(CsvSyntaxError)
    expect(e).toMatchObject({
      line: 2,
      code: 'FIELD_TOO_LONG',
      message: 'line 2: a field is longer than 65536 characters (an opening quote is probably never closed).',
    })
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024)
  })

  it('caps a record and the number of columns', async () => {
    await expect(all([`${'a,'.repeat(10)}b\n`], { maxRecordChars: 15 })).rejects.toMatchObject({
      code: 'RECORD_TOO_LONG',
      line: 1,
    })
    await expect(all(['h\n', ','.repeat(600)])).rejects.toMatchObject({
      code: 'TOO_MANY_COLUMNS',
      message: 'line 2: more than 512 columns in one record; check the delimiter (",").',
    })
  })

  it('decides an escaped quote split across chunks, however many quotes end a chunk', async () => {
    for (const chunks of [
      ['"a""', 'b"'],
      ['"a"', '"b"'],
      ['"a""""', '"', '"b"'],
      ['"a""', '"b"'],
      ['"', '"', '"', '"\n'],
    ]) {
      const text = chunks.join('')
      expect(await outcome(chunks), text).toEqual(await outcome([text]))
    }
    expect(await outcome(['"a""', 'b"'])).toEqual([{ line: 1, fields: ['a"b'] }])
  })
})
