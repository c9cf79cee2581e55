import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPrisma } from '../../server/runtime/migrate'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => {
  await t.drop()
})

describe('migrations', () => {
  it('the committed migrations produce exactly the Prisma schema (migrate diff is empty)', async () => {
    const r = await runPrisma(
      [
        'migrate',
        'diff',
        '--from-migrations',
        'prisma/migrations',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--script',
      ],
      t.url,
      { quiet: true },
    )
    expect(r.code).toBe(0)
    const statements = r.output
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('--') && !l.startsWith('Loaded Prisma config'))
    expect(statements).toEqual([])
  })
  it('the job queue schema is installed beside ours', async () => {
    const rows = await t.db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'graphile_worker'`,
    )
    expect(Number(rows[0].n)).toBe(1)
  })
})
