// Replays rejected inventory events after an operator fixed their cause (added the SKU alias, the
// location, the unit): each is run again through the same parse-map-apply path as the API, with
// its original source and idempotency key, so a replay can never apply an event twice. Replayed
// ones close; ones still refused stay open with the new reason. The caller decides who may replay
// (four-eyes approval wraps this use case in the UI).
import type { PrismaClient } from '@prisma/client'
import { transaction, withDeadlockRetry } from '../db'
import type { Actor } from '../audit/record-audit'
import { emitIngestDeadLettersChanged, settleReplayedLetter } from '../ingest/dead-letters.repository'
import { applyPreparedEvents, prepareEventBatch } from '../ingest/ingest-events'
import { emitStockChanged } from '../realtime/publisher'
import { reviveFileEvents } from '../ingest/inbox/edi846-events'
import { isNativeDeadLetterSource, replayNativeDeadLetters } from '../orders/replay-native'

export interface ReplayIngestResult {
  replayed: Array<{ id: string; outcome: 'applied' | 'duplicate' }>
  stillRejected: Array<{ id: string; code: string; reason: string }>
  notReplayable: Array<{ id: string; reason: string }>
}

export async function replayIngestDeadLetters(
  db: PrismaClient,
  ids: string[],
  actor: Actor,
): Promise<ReplayIngestResult> {
  const result: ReplayIngestResult = { replayed: [], stillRejected: [], notReplayable: [] }
  const letters = await db.deadLetter.findMany({
    where: { id: { in: ids } },
    orderBy: [{ firstSeenAt: 'asc' }, { id: 'asc' }],
  })
  for (const id of ids)
    if (!letters.some((l) => l.id === id)) result.notReplayable.push({ id, reason: 'no such dead letter' })
  // Native order messages (marketplace webhooks and polls) replay through their stored raw message.
  const native = letters.filter((l) => l.kind === 'ingest' && l.status === 'open' && isNativeDeadLetterSource(l.source))
  if (native.length > 0) {
    const r = await replayNativeDeadLetters(db, native, actor)
    result.replayed.push(...r.replayed)
    result.stillRejected.push(...r.stillRejected)
    result.notReplayable.push(...r.notReplayable)
  }
  const bySource = groupBySource(
    letters.filter((l) => !native.includes(l)),
    result,
  )

  const now = new Date()
  for (const [source, items] of bySource) await replaySource(db, actor, source, items, now, result)
  emitIngestDeadLettersChanged()
  return result
}

type ReplayItem = { id: string; event: Record<string, unknown> }
type DeadLetterRow = Awaited<ReturnType<PrismaClient['deadLetter']['findMany']>>[number]

/** The letters that hold one inventory event, by source; the others are reported as not replayable. */
function groupBySource(letters: DeadLetterRow[], result: ReplayIngestResult): Map<string, ReplayItem[]> {
  const bySource = new Map<string, ReplayItem[]>()
  for (const l of letters) {
    const event = (l.payload as { event?: unknown } | null)?.event
    if (l.kind !== 'ingest') {
      result.notReplayable.push({ id: l.id, reason: 'not an ingest dead letter' })
      continue
    }
    if (l.status !== 'open') {
      result.notReplayable.push({ id: l.id, reason: `already ${l.status}` })
      continue
    }
    if (
      !l.source ||
      l.source.startsWith('channel:') ||
      typeof event !== 'object' ||
      event === null ||
      !('type' in event)
    ) {
      result.notReplayable.push({
        id: l.id,
        reason:
          'not a single inventory event (a whole body, an order or a snapshot row): send it again from its source',
      })
      continue
    }
    const list = bySource.get(l.source) ?? []
    list.push({ id: l.id, event: event as Record<string, unknown> })
    bySource.set(l.source, list)
  }
  return bySource
}

/** One source's events replayed as one batch; each letter settled with its outcome. */
async function replaySource(
  db: PrismaClient,
  actor: Actor,
  source: string,
  items: ReplayItem[],
  now: Date,
  result: ReplayIngestResult,
): Promise<void> {
  // An EDI 846 line is resolved again with the source's current settings and catalogue first.
  const revived = await reviveFileEvents(
    db,
    source,
    items.map((i) => i.event),
  )
  const prepared = await prepareEventBatch(
    db,
    source,
    revived.map((r) => (r.ok ? r.event : null)),
  )
  const refused = new Map(prepared.rejected.map((r) => [r.index, r]))
  revived.forEach((r, index) => {
    if (!r.ok) refused.set(index, { index, code: r.code, message: r.message, raw: items[index].event })
  })
  const applied = await withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      const r = await applyPreparedEvents(tx, source, prepared, null, now)
      for (const rj of r.rejected) refused.set(rj.index, rj)
      for (const [index, item] of items.entries()) {
        const rj = refused.get(index)
        await settleReplayedLetter(
          tx,
          actor,
          item.id,
          now,
          rj ? { refused: rj } : { replayed: { source, idempotencyKey: item.event.idempotencyKey } },
        )
      }
      return r
    }),
  )
  // Within one source an idempotency key applies once: the first occurrence applies, later ones are duplicates.
  const keys = await db.ledgerEvent.findMany({
    where: {
      source,
      idempotencyKey: { in: items.map((i) => String(i.event.idempotencyKey)) },
      appliedAt: { gte: new Date(now.getTime() - 1) },
    },
    select: { idempotencyKey: true },
  })
  const fresh = new Set(keys.map((k) => k.idempotencyKey))
  for (const [index, item] of items.entries()) {
    const rj = refused.get(index)
    if (rj) result.stillRejected.push({ id: item.id, code: rj.code, reason: rj.message })
    else
      result.replayed.push({
        id: item.id,
        outcome: fresh.has(String(item.event.idempotencyKey)) && applied.accepted > 0 ? 'applied' : 'duplicate',
      })
  }
  if (applied.accepted > 0) emitStockChanged(prepared.skuCodes)
}
