// A worker process that dies (kill -9, OOM, power loss) leaves its jobs and named queues locked;
// graphile-worker only frees them after four hours, and a locked named queue (recompute, a
// channel's publish queue) stalls everything behind it. Every worker records the lock ids it uses
// in its heartbeat; this janitor frees locks whose holder has no live heartbeat.
import type { Db } from '../db'

/** A heartbeat older than this means the process is gone (workers beat every 5 s). */
export const WORKER_DEAD_AFTER_MS = 30_000

export async function releaseStaleLocks(db: Db, opts: { now?: Date; deadAfterMs?: number } = {}): Promise<string[]> {
  const now = opts.now ?? new Date()
  const cutoff = new Date(now.getTime() - (opts.deadAfterMs ?? WORKER_DEAD_AFTER_MS)).toISOString()
  const rows = await db.$queryRawUnsafe<Array<{ lockedBy: string }>>(
    `WITH locks AS (
       SELECT locked_by, locked_at FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL
       UNION ALL
       SELECT locked_by, locked_at FROM graphile_worker._private_job_queues WHERE locked_by IS NOT NULL)
     SELECT DISTINCT locked_by AS "lockedBy" FROM locks
      WHERE locked_at < $1::timestamptz
        AND NOT EXISTS (SELECT 1 FROM "WorkerHeartbeat" h WHERE h."lastSeenAt" >= $1::timestamptz AND locks.locked_by = ANY(h."lockIds"))`,
    cutoff,
  )
  const dead = rows.map((r) => r.lockedBy)
  if (dead.length > 0) await db.$executeRawUnsafe(`SELECT graphile_worker.force_unlock_workers($1::text[])`, dead)
  return dead
}

/**
 * A stopping worker gives back whatever is still locked under its own ids once its runner has
 * stopped (nothing of ours runs any more). graphile-worker 0.17's graceful shutdown can leave one
 * behind, e.g. a job superseded through its job key while it ran (the scale-out test saw a
 * verify job stay locked under the pool id), which would otherwise wait for the janitor.
 */
export async function releaseOwnLocks(db: Db, lockIds: string[]): Promise<void> {
  if (lockIds.length > 0) await db.$executeRawUnsafe(`SELECT graphile_worker.force_unlock_workers($1::text[])`, lockIds)
}
