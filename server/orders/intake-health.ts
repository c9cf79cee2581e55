// How each channel's orders reach us, recorded per path (webhook | poll | reconcile_poll) in
// ChannelOrderIntake: last delivery, last poll, last success, failures in a row and the last error,
// for the channel page and the "intake stopped" alert. One upsert per outcome, in the caller's
// transaction when there is one (a poll page's health commits with its cursor).
import type { RawSql } from '../db'
import { storableCopy } from '../ingest/storable-text'

export type IntakePath = 'webhook' | 'poll' | 'reconcile_poll'

export interface IntakeOutcome {
  /** A webhook delivery arrived (any outcome). */
  delivery?: boolean
  /** A poll ran (any outcome). */
  poll?: boolean
  success?: boolean
  /** Why it failed (kept bounded; never secrets). */
  failure?: string
}

export async function recordIntake(
  db: RawSql,
  channelId: string,
  path: IntakePath,
  o: IntakeOutcome,
  at: Date = new Date(),
): Promise<void> {
  const failure = o.failure ? storableCopy(o.failure).slice(0, 1000) : null
  await db.$executeRawUnsafe(
    `INSERT INTO "ChannelOrderIntake" AS i ("channelId", path, "lastDeliveryAt", "lastPollAt", "lastSuccessAt", "lastFailureAt", "lastError", "consecutiveFailures", deliveries, "updatedAt")
     VALUES ($1::uuid, $2, CASE WHEN $3 THEN $6::timestamptz END, CASE WHEN $4 THEN $6::timestamptz END, CASE WHEN $5 THEN $6::timestamptz END,
             CASE WHEN $7::text IS NOT NULL THEN $6::timestamptz END, $7::text, CASE WHEN $7::text IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN $3 THEN 1 ELSE 0 END, $6::timestamptz)
     ON CONFLICT ("channelId", path) DO UPDATE SET
       "lastDeliveryAt" = CASE WHEN $3 THEN GREATEST(i."lastDeliveryAt", $6::timestamptz) ELSE i."lastDeliveryAt" END,
       "lastPollAt" = CASE WHEN $4 THEN GREATEST(i."lastPollAt", $6::timestamptz) ELSE i."lastPollAt" END,
       "lastSuccessAt" = CASE WHEN $5 THEN GREATEST(i."lastSuccessAt", $6::timestamptz) ELSE i."lastSuccessAt" END,
       "lastFailureAt" = CASE WHEN $7::text IS NOT NULL THEN $6::timestamptz ELSE i."lastFailureAt" END,
       "lastError" = COALESCE($7::text, CASE WHEN $5 THEN NULL ELSE i."lastError" END),
       "consecutiveFailures" = CASE WHEN $7::text IS NOT NULL THEN i."consecutiveFailures" + 1 WHEN $5 THEN 0 ELSE i."consecutiveFailures" END,
       deliveries = i.deliveries + CASE WHEN $3 THEN 1 ELSE 0 END,
       "updatedAt" = $6::timestamptz`,
    channelId,
    path,
    !!o.delivery,
    !!o.poll,
    !!o.success,
    at.toISOString(),
    failure,
  )
}
