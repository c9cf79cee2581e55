import { describe, expect, it } from 'vitest'
import {
  assertStorableJson,
  jsonNestingDepth,
  jsonbSafe,
  parseJsonText,
  quoted,
  storableCopy,
  unstorableText,
} from '../../../server/ingest/storable-text'

describe('storable text', () => {
  it.each([
    ['plain', 'SKU-1', null],
    ['emoji (a surrogate pair)', 'a😀b', null],
    ['NUL', 'a\u0000b', /NUL/],
    ['lone high surrogate', 'a\ud800', /unpaired/],
    ['lone low surrogate', '\udc00a', /unpaired/],
    ['reversed pair', '\ude00\ud83d', /unpaired/],
  ])('%s', (_n, s, why) => {
    const r = unstorableText(s)
    if (why === null) expect(r).toBeNull()
    else expect(r).toMatch(why)
  })

  it('makes text storable without touching what already was', () => {
    expect(storableCopy('a\u0000b\ud800c😀')).toBe('a\uFFFDb\uFFFDc😀')
    expect(unstorableText(storableCopy('\udc00\u0000'))).toBeNull()
    expect(quoted('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}…"`)
  })

  it('copies JSON for jsonb: keys and strings made storable, depth and length bounded', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(50)}1${'}'.repeat(50)}`)
    const copy = jsonbSafe({ 'k\u0000': 'v\ud800', deep, big: 'x'.repeat(10_000), n: 1, nul: null }, 16, 100) as Record<
      string,
      unknown
    >
    expect(copy['k\uFFFD']).toBe('v\uFFFD')
    expect(JSON.stringify(copy).length).toBeLessThan(1_000)
    expect((copy.big as string).length).toBe(101)
    expect(copy.n).toBe(1)
    expect(copy.nul).toBeNull()
  })

  it('measures nesting without parsing, ignoring brackets inside strings', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":"[[[[{{{"}]}')).toBe(3)
    expect(jsonNestingDepth('"\\"["')).toBe(0)
    expect(jsonNestingDepth('['.repeat(5000))).toBe(5000)
  })

  it('refuses deep or broken JSON bodies with INVALID_JSON', () => {
    expect(() => parseJsonText('['.repeat(65) + ']'.repeat(65))).toThrow(
      expect.objectContaining({ code: 'INVALID_JSON' }),
    )
    expect(() => parseJsonText('{"a":')).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }))
    expect(parseJsonText('['.repeat(64) + ']'.repeat(64))).toBeInstanceOf(Array)
  })

  it('names where a body holds unstorable text', () => {
    expect(() => assertStorableJson({ rules: { channels: [{ code: 'a\u0000' }] } })).toThrow(
      /at \.rules\.channels\[0\]\.code contains a NUL/,
    )
    expect(() => assertStorableJson({ ['\ud800']: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_TEXT' }))
    expect(() => assertStorableJson({ ok: ['😀', 1, null] })).not.toThrow()
  })
})
