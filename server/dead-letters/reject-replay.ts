// A requested replay turned down by a person who may decide replays: its dead letters open again. Audited.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ConflictError, ForbiddenError, ValidationError } from '../errors'
import { recordAudit } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { actorOf, type ReplayUser } from './replay-selection'

export async function rejectReplay(db: PrismaClient, approver: ReplayUser, requestId: string, reason: string) {
  if (!can(approver.role, 'replays:approve'))
    throw new ForbiddenError(`Your role (${approver.role}) may not decide replays.`)
  if (!reason?.trim()) throw new ValidationError('Say why the replay is rejected.', undefined, 'REASON_REQUIRED')
  return transaction(db, async (tx) => {
    const r = await tx.replayRequest.updateMany({
      where: { id: requestId, status: 'pending' },
      data: { status: 'rejected', approvedById: approver.id, decidedAt: new Date(), note: reason },
    })
    if (r.count === 0) throw new ConflictError('This replay request is not pending.')
    const request = await tx.replayRequest.findUniqueOrThrow({ where: { id: requestId } })
    await tx.deadLetter.updateMany({
      where: { id: { in: request.deadLetterIds }, status: 'replay_requested' },
      data: { status: 'open' },
    })
    await recordAudit(tx, actorOf(approver), {
      action: 'replay.reject',
      entity: 'ReplayRequest',
      entityId: requestId,
      after: { reason },
    })
    return { id: requestId, status: 'rejected' as const }
  })
}
