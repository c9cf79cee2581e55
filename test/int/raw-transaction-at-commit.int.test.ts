// rawTransaction's statements sent with COMMIT (the ingest batch's write-back and outcome): their
// parameters travel as literals, so each value must reach PostgreSQL exactly as a bound parameter
// does; they run at COMMIT, in order, and a failing one rolls the whole transaction back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { inlineParameters, rawTransaction } from '../../server/db'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
let client: pg.Client
beforeAll(async () => {
  t = await createTestDatabase()
  client = new pg.Client({ connectionString: t.url })
  await client.connect()
  await client.query('CREATE TABLE scratch_at_commit (n int, v text)')
})
afterAll(async () => {
  await client.end()
  await t.drop()
})

describe('statements sent with COMMIT', () => {
  it('read every value as the same statement with bound parameters does', async () => {
    const cases: Array<[string, unknown]> = [
      ['text', 'O\'Brien \\ back\\slash "quoted" é 😀 \u00a0 line\nbreak'],
      ['jsonb', JSON.stringify([{ k: 'a"b\\c', n: -1.5, u: '\u2028' }, null, ['x']])],
      ['json', JSON.stringify({ s: "it's" })],
      ['int', -2147483647],
      ['bigint', '9007199254740993'],
      ['uuid[]', '{00000000-0000-4000-8000-000000000001,00000000-0000-4000-8000-000000000002}'],
      ['int[]', '{1,-2,3}'],
      ['bigint[]', ['5', '6']],
      ['timestamptz', '2026-12-02T16:40:00.123Z'],
      ['boolean', true],
      ['text', null],
      ['text', ''],
    ]
    for (const [type, value] of cases) {
      const sql = `SELECT $1::${type} AS v, ($1::${type})::text AS t`
      const bound = (await client.query(sql, [value])).rows[0]
      const inlined = (await client.query(inlineParameters(sql, [value]))).rows[0]
      expect({ type, ...inlined }).toEqual({ type, ...bound })
    }
  })

  it('run at COMMIT in the order queued; the transaction sees none of their writes before', async () => {
    const seen = await rawTransaction(t.db, async (tx) => {
      tx.$executeAtCommit!('INSERT INTO scratch_at_commit VALUES ($1::int, $2)', 1, "first's")
      tx.$executeAtCommit!('UPDATE scratch_at_commit SET v = v || $1 WHERE n = $2::int', ' then second', 1)
      const [r] = await tx.$queryRawUnsafe<Array<{ n: number }>>('SELECT count(*)::int AS n FROM scratch_at_commit')
      return r.n
    })
    expect(seen).toBe(0)
    expect((await client.query('SELECT n, v FROM scratch_at_commit')).rows).toEqual([
      { n: 1, v: "first's then second" },
    ])
  })

  it("a failing one rolls the whole transaction back and its error is the transaction's", async () => {
    await expect(
      rawTransaction(t.db, async (tx) => {
        await tx.$executeRawUnsafe('INSERT INTO scratch_at_commit VALUES (2, $1)', 'immediate')
        tx.$executeAtCommit!('INSERT INTO scratch_at_commit VALUES ($1::int, $2)', 3, 'queued')
        tx.$executeAtCommit!('SELECT 1 / $1::int', 0)
      }),
    ).rejects.toMatchObject({ code: '22012' })
    expect((await client.query('SELECT n FROM scratch_at_commit WHERE n > 1')).rows).toEqual([])
  })
})
