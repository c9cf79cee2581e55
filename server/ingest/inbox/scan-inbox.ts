// Finds dropped files and hands each to an `ingest-file` job, exactly once: claim by atomic rename,
// store raw (before any parsing), enqueue in the source's queue so a source's files apply in the
// order they were dropped. Also recovers claims a killed worker left behind.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { PrismaClient } from '@prisma/client'
import { enqueue } from '../../queue/enqueue'
import { storeRawStream } from '../raw-store'
import { claimedName, ensureSourceFolders, parseClaimedName, RECEIVED, SOURCE_NAME, settleFile } from './inbox-files'
import { recordIngestDeadLetters } from '../dead-letters.repository'

export interface ScanOptions {
  /** A file younger than this may still be being written (writers should write then rename). */
  minAgeMs?: number
  /** A claim this old with no complete raw message belongs to a dead worker. */
  orphanAfterMs?: number
  now?: () => number
  log?: (line: string) => void
}

export interface ScanResult {
  claimed: string[]
  recovered: string[]
}

export async function scanInbox(db: PrismaClient, inboxDir: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const now = opts.now ?? Date.now
  const minAgeMs = opts.minAgeMs ?? 1000
  const orphanAfterMs = opts.orphanAfterMs ?? 60_000
  const result: ScanResult = { claimed: [], recovered: [] }
  if (!fs.existsSync(inboxDir)) return result
  for (const source of fs.readdirSync(inboxDir, { withFileTypes: true })) {
    if (!source.isDirectory() || !SOURCE_NAME.test(source.name)) continue
    const sourceDir = path.join(inboxDir, source.name)
    ensureSourceFolders(sourceDir)
    result.recovered.push(...(await recoverClaims(db, source.name, sourceDir, now(), orphanAfterMs)))

    const files = fs
      .readdirSync(sourceDir, { withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.startsWith('.') && !f.name.endsWith('.error.txt'))
      .map((f) => ({ name: f.name, stat: fs.statSync(path.join(sourceDir, f.name)) }))
      // (0 disables the wait: a file's mtime can read a fraction of a millisecond ahead of Date.now().)
      .filter((f) => minAgeMs <= 0 || now() - f.stat.mtimeMs >= minAgeMs)
      .sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs || a.name.localeCompare(b.name))
    for (const f of files) {
      const messageId = crypto.randomUUID()
      const claimed = claimedName(messageId, f.name)
      try {
        fs.renameSync(path.join(sourceDir, f.name), path.join(sourceDir, RECEIVED, claimed))
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue // another worker claimed it
        throw e
      }
      await storeAndQueue(db, source.name, sourceDir, claimed, messageId, f.name)
      opts.log?.(`[inbox] ${source.name}/${f.name} received as ${messageId}`)
      result.claimed.push(`${source.name}/${f.name}`)
    }
  }
  return result
}

async function storeAndQueue(
  db: PrismaClient,
  source: string,
  sourceDir: string,
  claimed: string,
  messageId: string,
  name: string,
): Promise<void> {
  try {
    await storeRawStream(
      db,
      {
        id: messageId,
        source,
        kind: 'file',
        transport: 'file',
        contentType: 'application/octet-stream',
        fileName: name,
      },
      fs.createReadStream(path.join(sourceDir, RECEIVED, claimed)),
      { maxBytes: 2 * 1024 ** 3, nul: 'refuse' },
    )
  } catch (e) {
    // An empty file is stored as rejected; the job reports it and moves it to failed/.
    if ((e as { code?: string }).code === 'EMPTY_BODY') {
      await queueFile(db, source, messageId)
      return
    }
    if (!isUnstorableText(e)) throw e
    // A binary file (NUL bytes) cannot be kept as text: refuse it here, or every scan would try
    // again and fail, holding up the other files.
    const reason = `${name}: the file holds a NUL byte or an invalid UTF-8 sequence PostgreSQL cannot store as text (a binary or corrupted file?); send text (CSV, NDJSON or X12).`
    await db.$executeRawUnsafe(`DELETE FROM "InboundChunk" WHERE "messageId" = $1::uuid`, messageId)
    await db.inboundMessage.update({ where: { id: messageId }, data: { status: 'rejected', error: reason, chunks: 0 } })
    await recordIngestDeadLetters(db, messageId, source, [
      { index: -1, code: 'FILE_REFUSED', message: reason, raw: null },
    ])
    settleFile(sourceDir, claimed, 'failed', `${reason}\nNothing from this file was applied.`)
    return
  }
  await queueFile(db, source, messageId)
}

/** A NUL found while storing (UNSTORABLE_TEXT), PostgreSQL's "invalid byte sequence" (22021) or "unsupported Unicode escape" (22P05). */
function isUnstorableText(e: unknown): boolean {
  const code = (e as { meta?: { code?: string }; code?: string })?.meta?.code ?? (e as { code?: string })?.code
  return (
    code === 'UNSTORABLE_TEXT' ||
    code === '22021' ||
    code === '22P05' ||
    /\b(22021|22P05)\b/.test(String((e as Error)?.message ?? ''))
  )
}

export function queueFile(db: PrismaClient, source: string, messageId: string): Promise<void> {
  // unsafe_dedupe: a job already queued or running for this file is left alone.
  return enqueue(
    db,
    'ingestFile',
    { messageId, source },
    { jobKey: `file:${messageId}`, jobKeyMode: 'unsafe_dedupe', queueName: `inbox:${source}` },
  )
}

/** Claims left in .received by a worker that died between claiming and queueing. */
async function recoverClaims(
  db: PrismaClient,
  source: string,
  sourceDir: string,
  now: number,
  orphanAfterMs: number,
): Promise<string[]> {
  const recovered: string[] = []
  for (const claimed of fs.readdirSync(path.join(sourceDir, RECEIVED))) {
    const parsed = parseClaimedName(claimed)
    if (!parsed) continue
    const full = path.join(sourceDir, RECEIVED, claimed)
    let ageMs: number
    try {
      ageMs = now - fs.statSync(full).ctimeMs
    } catch {
      continue
    }
    const message = await db.inboundMessage.findUnique({
      where: { id: parsed.messageId },
      select: { status: true, receivedAt: true },
    })
    if (!message || message.status === 'storing') {
      if (ageMs < orphanAfterMs) continue // a live worker may be storing it right now
      if (message) {
        await db.$executeRawUnsafe(`DELETE FROM "InboundChunk" WHERE "messageId" = $1::uuid`, parsed.messageId)
        await db.inboundMessage.delete({ where: { id: parsed.messageId } })
      }
      await storeAndQueue(db, source, sourceDir, claimed, parsed.messageId, parsed.name)
      recovered.push(`${source}/${parsed.name}`)
      continue
    }
    // Stored: make sure a job exists (a no-op when one is queued or running). A finished job
    // that could not move the file moves it on this run.
    if (ageMs >= orphanAfterMs) {
      await queueFile(db, source, parsed.messageId)
      recovered.push(`${source}/${parsed.name}`)
    }
  }
  return recovered
}
