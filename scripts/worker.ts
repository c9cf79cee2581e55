// `npm run worker`: one worker process (job handlers, file inbox, periodic jobs) against
// DATABASE_URL. Any number cooperate: jobs are claimed with SKIP LOCKED, per-listing order is kept
// by the queue's keys, and SIGTERM finishes or gives back running jobs before exiting.
import { startRole } from '../server/runtime/process-role'

startRole('worker', 'worker', () => import('../workers/main'))
