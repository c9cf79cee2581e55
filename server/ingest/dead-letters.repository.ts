import type { Db, RawSql } from '../db'
import { jsonbSafe, storableCopy } from './storable-text'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { recordAudit, type Actor } from '../audit/record-audit'

export interface IngestRejection {
  index: number
  code: string
  message: string
  raw: unknown
  sku?: string | null
}

const bounded = (s: string | null | undefined, max: number): string | null =>
  s == null ? null : storableCopy(s.length > max ? `${s.slice(0, max)}…` : s)

/**
 * Records rejected events as ingest dead letters, in the caller's transaction (the one that records
 * the accepted part and the raw message), so a batch's outcome is all there or not at all.
 * Whatever the sender sent is made storable first: a NUL or a lone surrogate in an event would
 * make jsonb refuse the row, and a huge SKU would not fit the sku index. The exact bytes stay in
 * the raw message (`inboundMessageId`, `payload.index`).
 */
/** Tells open dead-letter screens and dashboards to refetch; call after the transaction commits. */
export function emitIngestDeadLettersChanged(): void {
  emitRealtime([ROOMS.deadLetters, ROOMS.dashboard], 'dead-letters.changed', { kind: 'ingest' })
}

export async function recordIngestDeadLetters(
  tx: RawSql,
  inboundMessageId: string | null,
  source: string | null,
  rejections: IngestRejection[],
): Promise<void> {
  if (rejections.length === 0) return
  const rows = rejections.map((r) => {
    const event = jsonbSafe(r.raw ?? null)
    // `altered`: the copy differs from what was sent (NUL, surrogates, depth or length cut), so
    // replaying it as is would apply other data than the sender's; the raw message has the original.
    const altered = r.raw !== undefined && JSON.stringify(event) !== JSON.stringify(r.raw ?? null)
    return {
      code: bounded(r.code, 64),
      reason: bounded(r.message, 2000),
      sku: bounded(r.sku, 200),
      payload: { index: r.index, event, ...(altered ? { altered: true } : {}) },
    }
  })
  await tx.$executeRawUnsafe(
    `INSERT INTO "DeadLetter"(id, kind, code, reason, source, sku, "inboundMessageId", payload, "firstSeenAt", "lastSeenAt")
     SELECT gen_random_uuid(), 'ingest', x.code, x.reason, $2::text, x.sku, $3::uuid, x.payload, $4::timestamptz, $4::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x(code text, reason text, sku text, payload jsonb)`,
    JSON.stringify(rows),
    bounded(source, 200),
    inboundMessageId,
    new Date().toISOString(),
  )
}

/**
 * A replayed ingest dead letter's outcome, written the same way by every replay (HTTP events, file
 * rows, native order messages): refused again (its new reason, one more attempt) or replayed
 * (resolved by the actor, audited with what it became).
 */
export async function settleReplayedLetter(
  tx: Db,
  actor: Actor,
  id: string,
  now: Date,
  outcome: { refused: { code: string; message: string } } | { replayed: Record<string, unknown> },
): Promise<void> {
  if ('refused' in outcome) {
    await tx.deadLetter.update({
      where: { id },
      data: {
        code: outcome.refused.code,
        reason: outcome.refused.message,
        attempts: { increment: 1 },
        lastSeenAt: now,
      },
    })
    return
  }
  await tx.deadLetter.update({
    where: { id },
    data: {
      status: 'replayed',
      resolvedAt: now,
      resolution: `replayed by ${actor.label}`,
      attempts: { increment: 1 },
      lastSeenAt: now,
    },
  })
  await recordAudit(tx, actor, {
    action: 'dead_letter.replay',
    entity: 'DeadLetter',
    entityId: id,
    after: outcome.replayed,
  })
}
