import { describe, expect, it } from 'vitest'
import { sqlStateOf, withDeadlockRetry } from '../../../server/db'

// How the drivers hand us a deadlock: pg puts the SQLSTATE on `code`; Prisma's adapter wraps it
// (a PrismaClientKnownRequestError with an empty message and the server error as its cause).
const pgDeadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' })
const prismaDeadlock = Object.assign(new Error(''), {
  code: 'P2010',
  meta: { driverAdapterError: { cause: { originalCode: '40P01', kind: 'postgres' } } },
})
const prismaWordsOnly = Object.assign(new Error(''), {
  name: 'PrismaClientKnownRequestError',
  cause: new Error('DriverAdapterError: deadlock detected'),
})

describe('withDeadlockRetry', () => {
  it('reads the SQLSTATE however the driver wrapped it', () => {
    expect(sqlStateOf(pgDeadlock)).toBe('40P01')
    expect(sqlStateOf(prismaDeadlock)).toBe('40P01')
    expect(sqlStateOf(prismaWordsOnly)).toBe('40P01')
    expect(sqlStateOf(Object.assign(new Error('x'), { code: 'P2002' }))).toBeNull()
    expect(sqlStateOf(Object.assign(new Error('bad'), { code: '22P02' }))).toBe('22P02')
  })

  it('runs a deadlock victim again, from either driver, and gives up after the attempts', async () => {
    for (const failure of [pgDeadlock, prismaDeadlock, prismaWordsOnly]) {
      let calls = 0
      await expect(
        withDeadlockRetry(async () => {
          if (++calls < 3) throw failure
          return 'done'
        }),
      ).resolves.toBe('done')
      expect(calls).toBe(3)
    }
    let calls = 0
    await expect(
      withDeadlockRetry(async () => {
        calls++
        throw pgDeadlock
      }, 4),
    ).rejects.toBe(pgDeadlock)
    expect(calls).toBe(4)
  })

  it('never runs other failures again', async () => {
    let calls = 0
    const other = Object.assign(new Error('duplicate key'), { code: '23505' })
    await expect(
      withDeadlockRetry(async () => {
        calls++
        throw other
      }),
    ).rejects.toBe(other)
    expect(calls).toBe(1)
  })
})
