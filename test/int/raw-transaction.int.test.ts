// rawTransaction runs hot-path SQL on a plain pg connection from the Prisma client's own pool. It
// must behave like the Prisma transaction it replaces: all or nothing, isolated until commit, the
// connection back in the pool afterwards, and an abandoned transaction cut off rather than holding
// its locks forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawTransaction } from '../../server/db'
import { enqueueRecompute } from '../../server/queue/enqueue'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
  await t.db.$executeRawUnsafe(`CREATE TABLE raw_tx_probe (n int PRIMARY KEY)`)
})
afterAll(async () => {
  await t.drop()
})

const probe = async () =>
  (await t.db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT n FROM raw_tx_probe ORDER BY n`)).map((r) => r.n)
const recomputeJobs = async () =>
  (
    await t.db.$queryRawUnsafe<Array<{ c: number }>>(
      `SELECT count(*)::int AS c FROM graphile_worker.jobs WHERE key = 'recompute-availability'`,
    )
  )[0].c

describe('rawTransaction', () => {
  it('commits every statement together, unseen by others until then, enqueued jobs included', async () => {
    await rawTransaction(t.db, async (tx) => {
      expect(await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe(n) SELECT unnest($1::int[])`, [1, 2])).toBe(2)
      await enqueueRecompute(tx)
      expect(await probe()).toEqual([])
      expect(await tx.$queryRawUnsafe<Array<{ n: number }>>(`SELECT n FROM raw_tx_probe WHERE n = $1`, 2)).toEqual([
        { n: 2 },
      ])
    })
    expect(await probe()).toEqual([1, 2])
    expect(await recomputeJobs()).toBe(1)
  })

  it('rolls everything back when the work throws, and passes the error on', async () => {
    await expect(
      rawTransaction(t.db, async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe(n) VALUES (3)`)
        await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe(n) VALUES (1)`)
      }),
    ).rejects.toThrow(/duplicate key/)
    expect(await probe()).toEqual([1, 2])
  })

  it('returns its connection to the pool every time (more transactions than connections)', async () => {
    for (let i = 0; i < 20; i++)
      await expect(
        rawTransaction(t.db, async () => {
          throw new Error(`boom ${i}`)
        }),
      ).rejects.toThrow(`boom ${i}`)
    const sums = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rawTransaction(
          t.db,
          async (tx) => (await tx.$queryRawUnsafe<Array<{ s: number }>>(`SELECT $1::int + 1 AS s`, i))[0].s,
        ),
      ),
    )
    expect(sums).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('cuts off a transaction left idle past its timeout instead of holding its locks', async () => {
    const setting = await rawTransaction(
      t.db,
      async (tx) =>
        (
          await tx.$queryRawUnsafe<Array<{ v: string }>>(
            `SELECT current_setting('idle_in_transaction_session_timeout') AS v`,
          )
        )[0].v,
      { timeoutMs: 1_500 },
    )
    expect(setting).toBe('1500ms')
  })

  it('a connection killed mid-transaction fails the work and rolls back, without crashing the process; the pool recovers', async () => {
    await expect(
      rawTransaction(t.db, async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe(n) VALUES (9)`)
        const [{ pid }] = await tx.$queryRawUnsafe<Array<{ pid: number }>>(`SELECT pg_backend_pid() AS pid`)
        // As when PostgreSQL restarts or an operator kills the session.
        await t.db.$queryRawUnsafe(`SELECT pg_terminate_backend($1::int)`, pid)
        await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe(n) VALUES (10)`)
      }),
    ).rejects.toThrow(/terminat|Connection/i)
    expect(await probe()).toEqual([1, 2])
    expect(
      await rawTransaction(
        t.db,
        async (tx) => (await tx.$queryRawUnsafe<Array<{ ok: number }>>(`SELECT 1 AS ok`))[0].ok,
      ),
    ).toBe(1)
  })
})
