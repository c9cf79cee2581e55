import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readNdjson, type NdjsonRecord } from '../../../../server/ingest/formats/ndjson'

type Chunk = string | Uint8Array
const fixtures = path.join(import.meta.dirname, '../../../fixtures/inbox')
const enc = new TextEncoder()

async function all(
  input: Iterable<Chunk> | AsyncIterable<Chunk>,
  opts?: { maxLineLength?: number },
): Promise<NdjsonRecord[]> {
  const out: NdjsonRecord[] = []
  for await (const r of readNdjson(input, opts)) out.push(r)
  return out
}

describe('readNdjson', () => {
  it('yields one value per line with its line number, skipping blank lines', async () => {
    expect(await all(['{"a":1}\n\n  \n[2]\n"three"\n'])).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: [2] },
      { line: 5, value: 'three' },
    ])
  })

  it('handles CRLF, a BOM and a last line without newline', async () => {
    expect(await all(['\uFEFF{"a":1}\r\n\r\n{"b":2}'])).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 3, value: { b: 2 } },
    ])
  })

  it('reports a line that is not valid JSON without stopping the file', async () => {
    const out = await all(['{"a":1}\n{"a":\n{"a":3}\n'])
    expect(out[0]).toEqual({ line: 1, value: { a: 1 } })
    expect(out[1].line).toBe(2)
    expect(out[1].value).toBeUndefined()
    expect(out[1].error).toMatch(/^line 2: not valid JSON: .+ Each line must hold one complete JSON object\.$/)
    expect(out[2]).toEqual({ line: 3, value: { a: 3 } })
  })

  it('reads the inbox fixture: one bad line rejected alone, the rest parsed (multi-byte text intact)', async () => {
    const out = await all([readFileSync(path.join(fixtures, 'events-one-bad-line.ndjson'))])
    expect(out.map((r) => [r.line, r.error ? 'error' : 'ok'])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [4, 'error'],
      [5, 'ok'],
    ])
    expect((out[3].value as { reference: string }).reference).toBe('Kartonschaden – Gabelstapler')
  })

  it('gives the same result for every split point of the bytes, multi-byte characters included', async () => {
    const text = '\uFEFF{"sku":"Grüße"}\r\n{"bad":\n\n{"note":"😀 – ok"}\n"end"'
    const bytes = enc.encode(text)
    const whole = await all([bytes])
    expect(whole).toHaveLength(4)
    for (let i = 0; i <= bytes.length; i++) {
      expect(await all([bytes.slice(0, i), bytes.slice(i)]), `byte split at ${i}`).toEqual(whole)
    }
    expect(await all(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(whole)
    for (let i = 0; i <= text.length; i++) {
      expect(await all([text.slice(0, i), text.slice(i)]), `string split at ${i}`).toEqual(whole)
    }
  })

  it('reports an over-long line without holding it, and goes on with the next line', async () => {
    const long = `{"x":"${'a'.repeat(100)}"}`
    const out = await all([long.slice(0, 50), long.slice(50), '\n{"ok":true}\n'], { maxLineLength: 64 })
    expect(out).toEqual([
      { line: 1, error: expect.stringMatching(/^line 1: longer than 64 characters/) },
      { line: 2, value: { ok: true } },
    ])
  })

  it('reports an over-long last line', async () => {
    const out = await all(['{"ok":1}\n', `"${'b'.repeat(80)}"`], { maxLineLength: 64 })
    expect(out).toEqual([
      { line: 1, value: { ok: 1 } },
      { line: 2, error: expect.stringMatching(/^line 2: longer than 64/) },
    ])
  })

  it('reads async sources', async () => {
    async function* gen() {
      yield '{"a"'
      yield ':1}\n{"b":2}'
    }
    expect(await all(gen())).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, value: { b: 2 } },
    ])
  })

  it('streams a million lines fed in small chunks in flat memory', async () => {
    const total = 1_000_000
    function* source(): Generator<string> {
      let buf = ''
      for (let i = 0; i < total; i++) {
        buf += `{"i":${i}}\n`
        if (buf.length >= 4096) {
          yield buf
          buf = ''
        }
      }
      if (buf) yield buf
    }
    let count = 0
    let last: NdjsonRecord | undefined
    for await (const r of readNdjson(source())) {
      count++
      last = r
    }
    expect(count).toBe(total)
    expect(last).toEqual({ line: total, value: { i: total - 1 } })
  })
})
