// A fresh database for one test file, cloned from the migrated template: real PostgreSQL, never mocked.
import crypto from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createPrisma } from '../../../server/db'

export interface TestDatabase { url: string; db: PrismaClient; drop(): Promise<void> }

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl')
  const templateUrl = new URL(inject('pgTemplateUrl'))
  const template = templateUrl.pathname.slice(1)
  const name = `t_${crypto.randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(templateUrl)
  url.pathname = `/${name}`
  const db = createPrisma(url.toString(), { max: 8 })
  process.env.DATABASE_URL = url.toString()
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.$disconnect()
      const a = new pg.Client({ connectionString: adminUrl })
      await a.connect()
      try { await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) } finally { await a.end() }
    },
  }
}
