// The CSV field rule every export uses: quoted when needed, spreadsheet formulas neutralised.
import { describe, expect, it } from 'vitest'
import { csvField } from '@/server/paging/csv'

describe('csvField', () => {
  it('quotes commas, quotes and line breaks, and leaves plain values alone', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(null)).toBe('')
    expect(csvField(42)).toBe('42')
    expect(csvField(-7)).toBe('-7')
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"')
  })
  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const f of ['=HYPERLINK("x")', '+1+1', '-2', '@SUM(A1)', '\tx'])
      expect(csvField(f).replace(/^"/, '').startsWith("'")).toBe(true)
  })
})
