// The file inbox as the tests drive it: a file dropped into a source's folder, claimed by the
// scanner, and its queued ingest-file job run the way a worker runs it.
import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { scanInbox } from '../../../server/ingest/inbox/scan-inbox'
import { ingestFile } from '../../../server/ingest/inbox/ingest-file'

/** On hand of a SKU at a location; null while there is no position. */
export async function onHandAt(db: PrismaClient, sku: string, location: string): Promise<number | null> {
  const [r] = await db.$queryRawUnsafe<Array<{ onHand: number }>>(
    `SELECT p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = $1 AND l.code = $2`,
    sku,
    location,
  )
  return r?.onHand ?? null
}

/**
 * Drops `name` into `source`'s folder, lets the scanner claim exactly that file, takes its queued
 * job off the queue and runs it. `stored` is the raw message as the job found it (stored before any
 * parsing); `folder` is where the file was moved and `report` its error report, if any.
 */
export async function dropIntoInbox(
  db: PrismaClient,
  inbox: string,
  source: string,
  name: string,
  content: Buffer | string,
  options: { maxEdiChars?: number } = {},
) {
  fs.mkdirSync(path.join(inbox, source), { recursive: true })
  fs.writeFileSync(path.join(inbox, source, name), content)
  expect((await scanInbox(db, inbox, { minAgeMs: 0 })).claimed).toEqual([`${source}/${name}`])
  const [{ payload }] = await db.$queryRawUnsafe<Array<{ payload: { messageId: string } }>>(
    `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'ingest-file' ORDER BY j.id DESC LIMIT 1`,
  )
  await db.$executeRawUnsafe(
    `DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'ingest-file')`,
  )
  const messageId = payload.messageId
  const stored = await db.inboundMessage.findUniqueOrThrow({ where: { id: messageId } })
  const result = await ingestFile(db, messageId, { inboxDir: inbox, ...options })
  const folder = result.movedTo ? path.basename(path.dirname(result.movedTo)) : null
  const report =
    result.movedTo && fs.existsSync(`${result.movedTo}.error.txt`)
      ? fs.readFileSync(`${result.movedTo}.error.txt`, 'utf8')
      : null
  return { messageId, stored, result, folder, report }
}
