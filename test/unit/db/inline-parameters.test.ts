import { describe, expect, it } from 'vitest'
import { inlineParameters } from '../../../server/db'

// A statement queued for COMMIT travels as a simple-protocol query: its parameters become literals.
describe('inlineParameters', () => {
  it('replaces each $n by the quoted text pg would send for it', () => {
    expect(inlineParameters('SELECT $1::int, $2::text, $3::uuid[], $4', [-3, "it's", '{a,b}', null])).toBe(
      "SELECT ('-3')::int, ('it''s')::text, ('{a,b}')::uuid[], NULL",
    )
  })

  it('escapes backslashes with an E string and turns JS arrays into array literals', () => {
    expect(inlineParameters('SELECT $1::jsonb, $2::bigint[]', ['["a\\"b"]', ['1', '2']])).toBe(
      `SELECT (E'["a\\\\"b"]')::jsonb, ('{"1","2"}')::bigint[]`,
    )
  })

  it('reads $10 as one placeholder and leaves quoted text, identifiers and comments alone', () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1)
    expect(inlineParameters(`SELECT '$1 it''s $2', "col$1", $10 -- not $3\nFROM t WHERE x = $1`, values)).toBe(
      `SELECT '$1 it''s $2', "col$1", ('10') -- not $3\nFROM t WHERE x = ('1')`,
    )
  })

  it('refuses a placeholder without a value and binary values', () => {
    expect(() => inlineParameters('SELECT $2', [1])).toThrow(/\$2 has no value/)
    expect(() => inlineParameters('SELECT $1', [Buffer.from('x')])).toThrow(/binary/)
  })
})
