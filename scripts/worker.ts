// `npm run worker`: one worker process (job handlers, file inbox, periodic jobs) against
// DATABASE_URL. Any number cooperate: jobs are claimed with SKIP LOCKED, per-listing order is kept
// by the queue's keys, and SIGTERM finishes or gives back running jobs before exiting.
import { prepareRole } from '../server/runtime/process-role'

async function main() {
  await prepareRole('worker', process.argv.slice(2))
  await import('../workers/main')
}

main().catch((e) => {
  console.error(`[worker] could not start: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(1)
})
