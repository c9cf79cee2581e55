import crypto from 'node:crypto'
import type { Db } from '../db'

// Raw SQL rather than the ORM: a raw message is up to 10 MiB, and every byte that goes through
// Prisma's query compiler costs CPU. The body travels as UTF-8 bytes and PostgreSQL decodes it:
// a JSON body as a text parameter is escaped again inside Prisma's own JSON protocol, which made
// storing a 500-event batch (~90 KB) cost 4.9 ms of CPU with raw text and 6.5 ms with an ORM
// create, against 2.8 ms as bytes (bench/README.md). Stored text and errors are the same: pg
// encodes a text parameter to UTF-8 exactly as Buffer.from does (lone surrogates become U+FFFD),
// and PostgreSQL refuses a NUL either way. The id is a v4 uuid, as Prisma's @default(uuid()) makes.

export async function storeInboundMessage(db: Db, m: { source: string; kind: string; transport: string; body: string; receivedAt: Date; contentType?: string }): Promise<string> {
  const id = crypto.randomUUID()
  const bytes = Buffer.from(m.body, 'utf8')
  await db.$executeRawUnsafe(
    `INSERT INTO "InboundMessage"(id, source, kind, transport, "contentType", body, "sizeBytes", "receivedAt")
     VALUES ($1::uuid, $2, $3, $4, $5, convert_from($6::bytea, 'UTF8'), $7::int, $8::timestamptz)`,
    id, m.source, m.kind, m.transport, m.contentType ?? 'application/json', bytes, bytes.length, m.receivedAt.toISOString())
  return id
}

export async function finishInboundMessage(db: Db, id: string, r: { source?: string; status: string; accepted?: number; duplicates?: number; rejected?: number; error?: string }): Promise<void> {
  const updated = await db.$executeRawUnsafe(
    `UPDATE "InboundMessage" SET source = COALESCE($2, source), status = $3, accepted = $4::int, duplicates = $5::int, rejected = $6::int, error = $7 WHERE id = $1::uuid`,
    id, r.source ? r.source : null, r.status, r.accepted ?? 0, r.duplicates ?? 0, r.rejected ?? 0, r.error ?? null)
  if (updated === 0) throw new Error(`inbound message ${id} not found`)
}
