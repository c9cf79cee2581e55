// Snapshots from a system of record (docs/api.md "Snapshots"), received: the upload is stored raw as
// it streams in (chunked, flat memory) and a job is queued; process-snapshot.ts then reads it back
// row by row, stages resolved rows in batches, and compares them with positions in one SQL
// statement. Progress (processedRows) is visible while it runs. A row that cannot be read (bad
// number, unknown SKU or location) is kept as an ingest dead letter naming its line; the rest is compared.
import { transaction } from '../db'
import type { PrismaClient } from '@prisma/client'
import { ValidationError } from '../errors'
import { enqueue } from '../queue/enqueue'
import { storeRawStream } from '../ingest/raw-store'

export type SnapshotMode = 'full' | 'partial'
export type SnapshotFormat = 'csv' | 'ndjson'

export function snapshotFormat(contentType: string | null | undefined): SnapshotFormat {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (ct === 'text/csv') return 'csv'
  if (ct === 'application/x-ndjson' || ct === 'application/ndjson') return 'ndjson'
  throw new ValidationError(
    'Send the snapshot as text/csv or application/x-ndjson.',
    undefined,
    'UNSUPPORTED_MEDIA_TYPE',
  )
}

export function snapshotMode(raw: string | null | undefined): SnapshotMode {
  if (!raw || raw === 'full') return 'full'
  if (raw === 'partial') return 'partial'
  throw new ValidationError('"mode" must be full or partial.', undefined, 'INVALID_MODE')
}

/** Stores the upload and queues its comparison. Returns as soon as the raw text is stored. */
export async function receiveSnapshot(
  db: PrismaClient,
  input: {
    source: string
    mode: SnapshotMode
    format: SnapshotFormat
    body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>
    transport?: 'http' | 'file'
    fileName?: string | null
    /** When the system of record took the snapshot (default: now, when the upload starts). */
    asOf?: Date | null
    /** Correct variances up to this many units at once (default 0: a person decides every one). */
    autoCorrectUnits?: number
    /** When it arrived (default now; tests and replays pass it, like ingestEvents): feed freshness counts from it. */
    receivedAt?: Date
  },
): Promise<{ snapshotId: string; rows: number }> {
  const receivedAt = input.receivedAt ?? new Date()
  const asOf = input.asOf ?? receivedAt
  const stored = await storeRawStream(
    db,
    {
      source: input.source,
      kind: 'snapshot',
      transport: input.transport ?? 'http',
      contentType: input.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
      fileName: input.fileName,
      receivedAt,
    },
    input.body,
  )
  const rows = Math.max(0, stored.lines - (input.format === 'csv' ? 1 : 0))
  const snapshot = await transaction(db, async (tx) => {
    const s = await tx.snapshot.create({
      data: {
        source: input.source,
        mode: input.mode,
        format: input.format,
        rows,
        messageId: stored.messageId,
        fileName: input.fileName ?? null,
        asOf,
        autoCorrectUnits: input.autoCorrectUnits ?? 0,
        startedAt: receivedAt,
      },
      select: { id: true },
    })
    await enqueue(tx, 'processSnapshot', { snapshotId: s.id }, { jobKey: `snapshot:${s.id}`, queueName: 'snapshots' })
    return s
  })
  return { snapshotId: snapshot.id, rows }
}
