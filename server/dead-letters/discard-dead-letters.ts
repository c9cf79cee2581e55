import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ForbiddenError, ValidationError } from '../errors'
import { recordAudit } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { actorOf, MAX_REPLAY_SELECTION, type ReplayUser } from './replay-selection'

/** Discard (won't fix): needs a reason, audited; the dead letter stays for the record. */
export async function discardDeadLetters(db: PrismaClient, user: ReplayUser, ids: string[], reason: string) {
  if (!can(user.role, 'dead-letters:discard'))
    throw new ForbiddenError(`Your role (${user.role}) may not discard dead letters.`)
  if (!reason?.trim()) throw new ValidationError('A discard needs a reason.', undefined, 'REASON_REQUIRED')
  if (ids.length === 0 || ids.length > MAX_REPLAY_SELECTION)
    throw new ValidationError(`Select 1 to ${MAX_REPLAY_SELECTION} dead letters.`, undefined, 'INVALID_SELECTION')
  return transaction(db, async (tx) => {
    const r = await tx.deadLetter.updateMany({
      where: { id: { in: ids }, status: 'open' },
      data: { status: 'discarded', resolvedAt: new Date(), resolution: `discarded by ${user.email}: ${reason}` },
    })
    await recordAudit(tx, actorOf(user), {
      action: 'dead_letter.discard',
      entity: 'DeadLetter',
      entityId: ids.length === 1 ? ids[0] : null,
      after: { ids, reason },
    })
    return { discarded: r.count }
  })
}
