// A fresh database for one test file, cloned from the migrated template: real PostgreSQL, never mocked.
import crypto from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createPrisma } from '../../../server/db'
import { seedDemo, type SeedOptions } from '../../../server/demo/seed-demo'

export interface TestDatabase {
  url: string
  db: PrismaClient
  drop(): Promise<void>
}

/** Simulator URLs on a closed port: channels that exist but never answer (tests that publish nothing). */
export const NO_SIMULATOR_URLS = {
  shopify: 'http://127.0.0.1:9',
  amazon: 'http://127.0.0.1:9',
  walmart: 'http://127.0.0.1:9',
  b2b: 'http://127.0.0.1:9',
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // Channel credentials are encrypted at rest; a test run has its own key unless the file set one.
  process.env.STOCKTOWER_ENCRYPTION_KEY ??= crypto.randomBytes(32).toString('base64')
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
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await a.end()
      }
    },
  }
}

/**
 * A fresh database holding the demo world (`seedDemo`: SKUs, locations, the four channels, rules,
 * users): channels point at NO_SIMULATOR_URLS unless given, the demo API key is random, the B2B
 * signing secret is 's' unless given.
 */
export async function createDemoTestDatabase(
  options: Pick<SeedOptions, 'skuCount'> & Partial<SeedOptions>,
): Promise<TestDatabase> {
  const t = await createTestDatabase()
  await seedDemo(t.db, {
    simulatorUrls: NO_SIMULATOR_URLS,
    demoApiKey: `st_demo_${crypto.randomBytes(8).toString('hex')}`,
    b2bSigningSecret: 's',
    ...options,
  })
  return t
}

/**
 * The database of one test file: created before its tests (demo-seeded when `demo` is given), handed
 * to `ready` for the file's own setup, dropped after them.
 */
export function useTestDatabase(
  ready: (db: PrismaClient, t: TestDatabase) => void | Promise<void>,
  options: { demo?: Parameters<typeof createDemoTestDatabase>[0]; timeoutMs?: number } = {},
): void {
  let t: TestDatabase | undefined
  beforeAll(async () => {
    t = options.demo ? await createDemoTestDatabase(options.demo) : await createTestDatabase()
    await ready(t.db, t)
  }, options.timeoutMs)
  afterAll(async () => {
    await t?.drop()
  })
}
