// A job whose payload fails its schema can never succeed (a job added by hand, or left queued by
// an older version across an upgrade): retrying it would only fail again. It becomes an ingest
// dead letter with the payload as received and the schema's reason, so an operator sees it on the
// dead-letter screen and can discard it; nothing is lost in a log line. It is not replayable: it
// holds no inventory event (the replay screen says so).
import type { Db } from '../db'
import { jsonbSafe } from '../ingest/storable-text'
import { emitIngestDeadLettersChanged } from '../ingest/dead-letters.repository'

export const INVALID_JOB_PAYLOAD = 'INVALID_JOB_PAYLOAD'

export async function recordInvalidJobPayload(db: Db, task: string, payload: unknown, reason: string): Promise<void> {
  await db.deadLetter.create({
    data: {
      kind: 'ingest',
      code: INVALID_JOB_PAYLOAD,
      reason: `job ${task}: ${reason}`.slice(0, 2000),
      source: `job:${task}`,
      payload: { job: task, received: jsonbSafe(payload ?? null) } as object,
    },
  })
  emitIngestDeadLettersChanged()
}
