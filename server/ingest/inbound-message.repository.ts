import crypto from 'node:crypto'
import type { RawSql } from '../db'
import { storableCopy } from './storable-text'

// Raw SQL rather than the ORM: a raw message is up to 10 MiB, and every byte that goes through
// Prisma's query compiler costs CPU. The body travels as UTF-8 bytes and PostgreSQL decodes it:
// a JSON body as a text parameter is escaped again inside Prisma's own JSON protocol, which made
// storing a 500-event batch (~90 KB) cost 4.9 ms of CPU with raw text and 6.5 ms with an ORM
// create, against 2.8 ms as bytes (bench/README.md). Stored text and errors are the same: pg
// encodes a text parameter to UTF-8 exactly as Buffer.from does (lone surrogates become U+FFFD),
// and PostgreSQL refuses a NUL either way. The id is a v4 uuid, as Prisma's @default(uuid()) makes.
//
// A body text cannot say exactly (NUL bytes, invalid UTF-8: never valid JSON with a NUL) is kept
// twice: `body` with U+FFFD in their place, for people, and `bodyBytes`, the bytes as received
// (`exactBytes` from the HTTP layer), so nothing a sender sent is lost. Both functions run inside
// the caller's transaction.

export async function storeInboundMessage(
  db: RawSql,
  m: {
    source: string
    kind: string
    transport: string
    body: string
    receivedAt: Date
    contentType?: string
    exactBytes?: Buffer | null
  },
): Promise<string> {
  const id = crypto.randomUUID()
  const hadNul = m.body.includes('\u0000')
  const exact = m.exactBytes ?? (hadNul ? Buffer.from(m.body, 'utf8') : null)
  const bytes = hadNul ? Buffer.from(storableCopy(m.body), 'utf8') : Buffer.from(m.body, 'utf8')
  await db.$executeRawUnsafe(
    `INSERT INTO "InboundMessage"(id, source, kind, transport, "contentType", body, "sizeBytes", "receivedAt", error, "bodyBytes")
     VALUES ($1::uuid, $2, $3, $4, $5, convert_from($6::bytea, 'UTF8'), $7::int, $8::timestamptz, $9, $10::bytea)`,
    id,
    storableCopy(m.source).slice(0, 200),
    m.kind,
    m.transport,
    storableCopy(m.contentType ?? 'application/json').slice(0, 200),
    bytes,
    exact?.length ?? Buffer.byteLength(m.body, 'utf8'),
    m.receivedAt.toISOString(),
    exact
      ? 'The body is not text PostgreSQL can store as sent (NUL bytes or invalid UTF-8): shown with U+FFFD, kept exactly in bodyBytes.'
      : null,
    exact,
  )
  return id
}

/**
 * The message's outcome. With `atCommit` (on a rawTransaction that stored the message itself, so
 * the row is there) the update is sent with COMMIT, sparing a hot transaction a round trip.
 */
export async function finishInboundMessage(
  db: RawSql,
  id: string,
  r: { source?: string; status: string; accepted?: number; duplicates?: number; rejected?: number; error?: string },
  opts: { atCommit?: boolean } = {},
): Promise<void> {
  const sql = `UPDATE "InboundMessage" SET source = COALESCE($2, source), status = $3, accepted = $4::int, duplicates = $5::int, rejected = $6::int, error = NULLIF(concat_ws(' ', $7::text, error), '') WHERE id = $1::uuid`
  const values = [
    id,
    r.source ? storableCopy(r.source).slice(0, 200) : null,
    r.status,
    r.accepted ?? 0,
    r.duplicates ?? 0,
    r.rejected ?? 0,
    r.error ? storableCopy(r.error).slice(0, 2000) : null,
  ]
  if (opts.atCommit && db.$executeAtCommit) return db.$executeAtCommit(sql, ...values)
  const updated = await db.$executeRawUnsafe(sql, ...values)
  if (updated === 0) throw new Error(`inbound message ${id} not found`)
}
