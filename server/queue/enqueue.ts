// Enqueues a job through graphile-worker's SQL API on the caller's connection, so a job is
// committed in the same transaction as the write that causes it (CONVENTIONS rule 10).
import type { RawSql } from '../db'
import { JOB_CATALOG, type JobName, type JobSpec } from './job-catalog'
import { getChannelPublishPriority } from '../rules/rule-set.repository'

export interface EnqueueOptions {
  /** Coalescing key: a pending job with the same key is updated instead of duplicated. */
  jobKey?: string
  /**
   * `preserve_run_at` throttles (the first run time stands); `replace` debounces; `earliest` keeps
   * whichever run time is sooner, so a fresh "run now" is never stuck behind a scheduled retry and a
   * later retry never delays a pending "run now".
   */
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe' | 'earliest'
  /** Jobs with the same queue name run one at a time across every worker. */
  queueName?: string
  runAt?: Date
  priority?: number
}

/** Adds one job of the catalogue (attempts and default priority come from JOB_CATALOG) in the caller's transaction. */
export async function enqueue(
  db: RawSql,
  job: JobName,
  payload: Record<string, unknown>,
  opts: EnqueueOptions = {},
): Promise<void> {
  const spec: JobSpec = JOB_CATALOG[job]
  const mode = opts.jobKeyMode ?? 'replace'
  // `earliest` = add with preserve_run_at, then pull an unlocked job's run time forward through
  // graphile-worker's public reschedule_jobs (which never touches a job a worker holds).
  await db.$executeRawUnsafe(
    `WITH j AS (
       -- FROM, not (add_job(...)).*: the latter calls the function once per output column.
       SELECT aj.id, aj.run_at FROM graphile_worker.add_job($1::text, $2::json, queue_name => $3::text, run_at => $4::timestamptz,
         max_attempts => $5::int, job_key => $6::text, priority => $7::int, job_key_mode => $8::text) AS aj
     )
     SELECT j.id, CASE WHEN $9::boolean AND j.run_at > $4::timestamptz
                       THEN (SELECT count(*) FROM graphile_worker.reschedule_jobs(ARRAY[j.id], run_at => $4::timestamptz))
                  END AS pulled
     FROM j`,
    spec.task,
    JSON.stringify(payload),
    opts.queueName ?? null,
    (opts.runAt ?? new Date()).toISOString(),
    spec.maxAttempts,
    opts.jobKey ?? null,
    opts.priority ?? spec.priority ?? 0,
    mode === 'earliest' ? 'preserve_run_at' : mode,
    mode === 'earliest',
  )
}

/**
 * The recompute job's key and queue: one pending job at most, whatever the number of dirty SKUs,
 * one running at a time. Ingest adds it inside its write-back statement (positions/apply-batch.sql.ts).
 */
export const RECOMPUTE_JOB = { jobKey: 'recompute-availability', queueName: 'recompute' } as const

/** Wake the recompute worker: one pending job at most, whatever the number of dirty SKUs. */
export function enqueueRecompute(db: RawSql): Promise<void> {
  return enqueue(db, 'recomputeAvailability', {}, { ...RECOMPUTE_JOB, jobKeyMode: 'preserve_run_at' })
}

/**
 * A channel's publish job carries the channel's `publishPriority` (rules), so under congestion a
 * high-priority channel's publishes are claimed first; re-enqueueing updates a pending job's priority.
 */
export async function enqueuePublish(db: RawSql, channelId: string, runAt?: Date): Promise<void> {
  const priority = await getChannelPublishPriority(db, channelId)
  return enqueue(
    db,
    'publishChannel',
    { channelId },
    { jobKey: `publish:${channelId}`, jobKeyMode: 'earliest', queueName: `publish:${channelId}`, runAt, priority },
  )
}

export function enqueueVerify(db: RawSql, channelId: string, runAt: Date): Promise<void> {
  return enqueue(
    db,
    'verifyChannel',
    { channelId },
    { jobKey: `verify:${channelId}`, jobKeyMode: 'earliest', queueName: `verify:${channelId}`, runAt },
  )
}

/** First look at a submitted feed; later polls back off up to the connector's maxPollIntervalMs. */
export const FIRST_POLL_MS = 2_000

/**
 * Polls one submitted feed (its handle and the version each listing was sent at travel in the
 * payload, so no process waits for a feed). One job per feed; feeds of a channel poll one at a time.
 */
export function enqueuePollFeed(
  db: RawSql,
  channelId: string,
  handle: { feedId: string } & Record<string, unknown>,
  versions: Record<string, number>,
  runAt: Date,
  attempt = 0,
): Promise<void> {
  return enqueue(
    db,
    'pollFeed',
    { channelId, handle, versions, attempt },
    {
      jobKey: `poll-feed:${channelId}:${handle.feedId}`,
      jobKeyMode: 'replace',
      queueName: `poll-feed:${channelId}`,
      runAt,
    },
  )
}
