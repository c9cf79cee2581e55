// One real PostgreSQL cluster per test run (embedded, in a temp folder), a template database with
// every migration applied, and a fresh database per test file cloned from it (fast, isolated).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../../server/runtime/embedded-postgres'
import { migrateDatabase } from '../../../server/runtime/migrate'

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplateUrl: string
    pgAdminUrl: string
  }
}

let db: EmbeddedDatabase | undefined
let dir: string | undefined

export default async function setup(project: TestProject) {
  const given = process.env.STOCKTOWER_TEST_PG_ADMIN_URL
  if (given) {
    // scripts/test.ts started the cluster and prepared the template already.
    project.provide('pgAdminUrl', given)
    project.provide('pgTemplateUrl', process.env.STOCKTOWER_TEST_PG_TEMPLATE_URL!)
    return
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-test-pg-'))
  fs.chmodSync(dir, 0o755)
  db = await startEmbeddedPostgres({
    dir: path.join(dir, 'pg'),
    password: 'test',
    database: 'stocktower_template',
    persistent: false,
  })
  await migrateDatabase(db.url, { quiet: true })
  project.provide('pgAdminUrl', db.urlFor('postgres'))
  project.provide('pgTemplateUrl', db.url)
  return async () => {
    await db?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  }
}
