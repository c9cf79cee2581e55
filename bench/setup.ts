// The bench's database: a fresh embedded PostgreSQL in a temp folder, migrated, with the demo
// catalogue seeded (SKU-00001.., three locations, four channels, the demo API key with every scope).
import crypto from 'node:crypto'
import path from 'node:path'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/runtime/embedded-postgres'
import { migrateDatabase } from '../server/runtime/migrate'
import { createPrisma } from '../server/db'
import { seedDemo } from '../server/demo/seed-demo'

export interface BenchDatabase {
  pg: EmbeddedDatabase
  apiKey: string
}

export async function startBenchDatabase(opts: {
  dir: string
  skus: number
  log: (l: string) => void
}): Promise<BenchDatabase> {
  const pg = await startEmbeddedPostgres({
    dir: path.join(opts.dir, 'pg'),
    password: 'bench',
    database: 'stocktower',
    persistent: false,
  })
  try {
    await migrateDatabase(pg.url, { quiet: true })
    const apiKey = `st_bench_${crypto.randomBytes(16).toString('hex')}`
    process.env.STOCKTOWER_ENCRYPTION_KEY ??= crypto.randomBytes(32).toString('base64')
    const db = createPrisma(pg.url, { max: 4 })
    try {
      // Simulator URLs are never called: no worker or simulator runs during the bench.
      const dummy = 'http://127.0.0.1:9'
      await seedDemo(db, {
        skuCount: opts.skus,
        simulatorUrls: { shopify: dummy, amazon: dummy, walmart: dummy, b2b: dummy },
        demoApiKey: apiKey,
        b2bSigningSecret: 'bench',
        log: opts.log,
      })
    } finally {
      await db.$disconnect()
    }
    return { pg, apiKey }
  } catch (e) {
    await pg.stop().catch(() => {})
    throw e
  }
}
