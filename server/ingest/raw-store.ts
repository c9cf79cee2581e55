// Raw storage for large messages (snapshot uploads, file drops): the text is written to
// InboundChunk rows of about 1 MiB as it arrives, so nothing is held whole in memory and nothing is
// parsed before it is stored. Small messages keep using InboundMessage.body.
import crypto from 'node:crypto'
import type { Db } from '../db'
import { PayloadTooLargeError, ValidationError } from '../errors'

export const CHUNK_CHARS = 1 << 20

export interface StoredRaw {
  messageId: string
  bytes: number
  /** Non-blank lines seen (a CSV's header included). */
  lines: number
  sha256: string
}

export interface RawMeta {
  source: string
  kind: string
  transport: 'http' | 'file'
  contentType: string
  fileName?: string | null
  receivedAt?: Date
  /** Use this id (the file inbox names its claimed file after it). */
  id?: string
}

/** Streams `input` into chunk rows; `maxBytes` guards the database from a runaway upload. */
export async function storeRawStream(
  db: Db,
  meta: RawMeta,
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  opts: { maxBytes?: number; nul?: 'replace' | 'refuse' } = {},
): Promise<StoredRaw> {
  const maxBytes = opts.maxBytes ?? 2 * 1024 ** 3
  const messageId = await createStoringMessage(db, meta)
  const hash = crypto.createHash('sha256')
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const counter = new LineCounter()
  let pending = ''
  let seq = 0
  let bytes = 0
  // PostgreSQL text cannot hold a NUL byte: it is stored as U+FFFD and the message says so (the
  // sha256 and size are of the bytes received, so the original stays identifiable); or, for a
  // dropped file (`nul: 'refuse'`), the file is refused as binary (UNSTORABLE_TEXT).
  let hadNul = false
  const flush = async (text: string) => {
    if (text.includes('\u0000')) {
      if (opts.nul === 'refuse')
        throw new ValidationError('The body holds a NUL byte, which text cannot hold.', undefined, 'UNSTORABLE_TEXT')
      hadNul = true
      text = text.replaceAll('\u0000', '\uFFFD')
    }
    await db.$executeRawUnsafe(
      `INSERT INTO "InboundChunk"("messageId", seq, data) VALUES ($1::uuid, $2, $3)`,
      messageId,
      seq++,
      text,
    )
  }
  for await (const part of input) {
    const buf = typeof part === 'string' ? Buffer.from(part) : part
    bytes += buf.byteLength
    if (bytes > maxBytes) await refuseOversize(db, messageId, bytes, maxBytes)
    hash.update(buf)
    const text = decoder.decode(buf, { stream: true })
    counter.feed(text)
    pending += text
    while (pending.length >= CHUNK_CHARS) {
      // Never split a surrogate pair (an emoji) across chunks: each half alone is not storable.
      const hi = pending.charCodeAt(CHUNK_CHARS - 1)
      const cut = hi >= 0xd800 && hi <= 0xdbff ? CHUNK_CHARS - 1 : CHUNK_CHARS
      await flush(pending.slice(0, cut))
      pending = pending.slice(cut)
    }
  }
  pending += decoder.decode()
  if (pending.length > 0) await flush(pending)
  if (bytes === 0) await refuseEmpty(db, messageId)
  const sha256 = hash.digest('hex')
  await db.inboundMessage.update({
    where: { id: messageId },
    data: {
      chunks: seq,
      sizeBytes: bytes,
      sha256,
      status: 'received',
      ...(hadNul ? { error: 'The upload held NUL bytes, stored here as U+FFFD.' } : {}),
    },
  })
  return { messageId, bytes, lines: counter.end(), sha256 }
}

/** The message row, 'storing' until the last chunk is in: a crash mid-upload leaves it recognisably incomplete. */
async function createStoringMessage(db: Db, meta: RawMeta): Promise<string> {
  const message = await db.inboundMessage.create({
    data: {
      ...(meta.id ? { id: meta.id } : {}),
      source: meta.source,
      kind: meta.kind,
      transport: meta.transport,
      contentType: meta.contentType,
      body: '',
      fileName: meta.fileName ?? null,
      receivedAt: meta.receivedAt ?? new Date(),
      status: 'storing',
    },
    select: { id: true },
  })
  return message.id
}

/** Past `maxBytes`: the chunks stored so far go, the message says why, and the upload is refused. */
async function refuseOversize(db: Db, messageId: string, bytes: number, maxBytes: number): Promise<never> {
  await db.$executeRawUnsafe(`DELETE FROM "InboundChunk" WHERE "messageId" = $1::uuid`, messageId)
  await db.inboundMessage.update({
    where: { id: messageId },
    data: { status: 'rejected', error: `Larger than ${maxBytes} bytes.`, sizeBytes: bytes },
  })
  throw new PayloadTooLargeError(`The upload is larger than ${Math.round(maxBytes / 1024 ** 2)} MiB.`)
}

async function refuseEmpty(db: Db, messageId: string): Promise<never> {
  await db.inboundMessage.update({
    where: { id: messageId },
    data: { status: 'rejected', error: 'The body is empty.' },
  })
  throw new ValidationError('The body is empty.', undefined, 'EMPTY_BODY')
}

/** Counts lines holding more than whitespace, across chunks of decoded text. */
class LineCounter {
  private lines = 0
  private lineHasText = false

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) {
        if (this.lineHasText) this.lines++
        this.lineHasText = false
      } else if (c !== 13 && c !== 32 && c !== 9) this.lineHasText = true
    }
  }

  /** The count, the last line included when it has no newline. */
  end(): number {
    return this.lines + (this.lineHasText ? 1 : 0)
  }
}

/** The stored text, chunk by chunk (or the inline body). */
export async function* readRaw(db: Db, messageId: string): AsyncGenerator<string> {
  const m = await db.inboundMessage.findUnique({ where: { id: messageId }, select: { chunks: true, body: true } })
  if (!m) throw new Error(`Inbound message ${messageId} not found.`)
  if (m.chunks === 0) {
    if (m.body) yield m.body
    return
  }
  for (let seq = 0; seq < m.chunks; seq++) {
    const [row] = await db.$queryRawUnsafe<Array<{ data: string }>>(
      `SELECT data FROM "InboundChunk" WHERE "messageId" = $1::uuid AND seq = $2`,
      messageId,
      seq,
    )
    if (!row) throw new Error(`Inbound message ${messageId} is missing chunk ${seq}.`)
    yield row.data
  }
}

export interface RawMessageMeta {
  id: string
  source: string
  kind: string
  transport: string
  contentType: string | null
  fileName: string | null
  sizeBytes: number
  receivedAt: string
  status: string
  accepted: number
  duplicates: number
  rejected: number
  error: string | null
}

/** What a stored message is, without its body (for provenance links and headers). */
export async function getRawMessageMeta(db: Db, messageId: string): Promise<RawMessageMeta | null> {
  if (!/^[0-9a-f-]{36}$/i.test(messageId)) return null
  const m = await db.inboundMessage.findUnique({
    where: { id: messageId },
    select: {
      id: true,
      source: true,
      kind: true,
      transport: true,
      contentType: true,
      fileName: true,
      sizeBytes: true,
      receivedAt: true,
      status: true,
      accepted: true,
      duplicates: true,
      rejected: true,
      error: true,
    },
  })
  return m ? { ...m, receivedAt: m.receivedAt.toISOString() } : null
}
