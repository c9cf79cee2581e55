// `npm run db:migrate`: applies the schema migrations and the job queue's own schema to
// DATABASE_URL, once per release, before new web and worker processes start.
import { migrateDatabase } from '../server/runtime/migrate'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('[db] DATABASE_URL must be set')
  process.exit(1)
}
migrateDatabase(url).then(
  () => process.exit(0),
  (e) => {
    console.error(`[db] ${e instanceof Error ? e.message : String(e)}`)
    process.exit(1)
  },
)
