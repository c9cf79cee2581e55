// The second pair of eyes approves a requested replay, and it runs. Replays recompute from current
// state instead of resending a stale payload: an ingest dead letter runs its original event again
// (original key, so never twice); a publish dead letter releases its listing to publish the
// listing's CURRENT desired quantity. Audited.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ConflictError, ForbiddenError, NotFoundError } from '../errors'
import { recordAudit } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { markSkusDirty } from '../availability/recompute-outbox'
import { enqueuePublish, enqueueRecompute } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { replayIngestDeadLetters, type ReplayIngestResult } from './replay-ingest'
import { actorOf, type ReplayUser } from './replay-selection'

export interface ApproveResult {
  id: string
  status: 'executed'
  ingest: ReplayIngestResult | null
  publish: { released: number; channels: string[] }
}

/** Four eyes: the approver holds replays:approve and is not the requester. Then the replay runs. */
export async function approveReplay(
  db: PrismaClient,
  approver: ReplayUser,
  requestId: string,
  note?: string,
): Promise<ApproveResult> {
  if (!can(approver.role, 'replays:approve'))
    throw new ForbiddenError(`Your role (${approver.role}) may not approve replays; ask a support lead.`)
  const request = await db.replayRequest.findUnique({ where: { id: requestId } })
  if (!request) throw new NotFoundError(`No replay request ${requestId}.`)
  if (request.status !== 'pending') throw new ConflictError(`This replay request is already ${request.status}.`)
  if (request.requestedById === approver.id)
    throw new ForbiddenError('You asked for this replay; a second person must approve it (four eyes).')
  // Claim the request first so two approvers cannot both run it.
  const claimed = await db.replayRequest.updateMany({
    where: { id: requestId, status: 'pending' },
    data: { status: 'approved', approvedById: approver.id, decidedAt: new Date() },
  })
  if (claimed.count === 0) throw new ConflictError('Someone else decided this replay request a moment ago.')

  const letters = await db.deadLetter.findMany({
    where: { id: { in: request.deadLetterIds }, status: 'replay_requested' },
    select: { id: true, kind: true, listingId: true, channel: true },
  })
  // Ingest: re-run the kept events (they need to be open for the use case).
  const ingestIds = letters.filter((l) => l.kind === 'ingest').map((l) => l.id)
  let ingest: ReplayIngestResult | null = null
  if (ingestIds.length > 0) {
    await db.deadLetter.updateMany({ where: { id: { in: ingestIds } }, data: { status: 'open' } })
    ingest = await replayIngestDeadLetters(db, ingestIds, actorOf(approver))
  }
  // Publish: release each listing so the next publish sends its CURRENT desired quantity.
  const publish = letters.filter((l) => l.kind === 'publish' && l.listingId)
  const channels = await transaction(db, async (tx) => {
    const listingIds = [...new Set(publish.map((l) => l.listingId!))]
    if (listingIds.length === 0) return [] as string[]
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = NULL, "failedAttempts" = 0, "lastError" = NULL,
              "pendingSince" = COALESCE("pendingSince", now())
        WHERE id = ANY($1::uuid[])`,
      listingIds,
    )
    const rows = await tx.channelListing.findMany({
      where: { id: { in: listingIds } },
      select: { skuId: true, channelId: true },
    })
    // Recompute first: the desired quantity reflects today's stock and rules, not the failed payload.
    await markSkusDirty(tx, [...new Set(rows.map((r) => r.skuId))], new Date())
    // Job keys in the order every path takes them (publish keys sorted, then recompute): no deadlock with a running recompute.
    const channelIds = [...new Set(rows.map((r) => r.channelId))].sort()
    for (const c of channelIds) await enqueuePublish(tx, c)
    await enqueueRecompute(tx)
    await tx.deadLetter.updateMany({
      where: { id: { in: publish.map((l) => l.id) } },
      data: { status: 'replayed', resolvedAt: new Date(), resolution: `replayed (approved by ${approver.email})` },
    })
    return channelIds
  })
  await db.replayRequest.update({
    where: { id: requestId },
    data: {
      status: 'executed',
      note: note ? `${request.note ?? ''}${request.note ? ' | ' : ''}approver: ${note}` : request.note,
    },
  })
  await recordAudit(db, actorOf(approver), {
    action: 'replay.approve',
    entity: 'ReplayRequest',
    entityId: requestId,
    after: {
      ingest: ingest ? { replayed: ingest.replayed.length, stillRejected: ingest.stillRejected.length } : null,
      publish: publish.length,
      note,
    },
  })
  emitRealtime([ROOMS.deadLetters, ROOMS.dashboard], 'dead-letters.changed', { kind: 'publish' })
  return { id: requestId, status: 'executed', ingest, publish: { released: publish.length, channels } }
}
