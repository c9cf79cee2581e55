// Replays and discards of dead letters, with four eyes: a person asks (seeing the impact first), a
// second person with the approve permission (never the requester) approves (approve-replay.ts), and
// only then does anything run. This is the asking.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ForbiddenError, ValidationError } from '../errors'
import { recordAudit } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { previewReplay } from './preview-replay'
import { actorOf, type ReplaySelection, type ReplayUser } from './replay-selection'

export async function requestReplay(db: PrismaClient, user: ReplayUser, sel: ReplaySelection, note?: string) {
  if (!can(user.role, 'replays:request')) throw new ForbiddenError(`Your role (${user.role}) may not request replays.`)
  return transaction(db, async (tx) => {
    const impact = await previewReplay(tx, sel)
    if (impact.deadLetters === 0)
      throw new ValidationError('No open dead letters match this selection.', undefined, 'EMPTY_SELECTION')
    const { ids, ...summary } = impact
    const request = await tx.replayRequest.create({
      data: {
        filter: JSON.parse(JSON.stringify({ ...sel, ids: sel.ids?.length ? sel.ids : undefined })),
        impact: JSON.parse(JSON.stringify(summary)),
        deadLetterIds: ids,
        requestedById: user.id,
        note: note ?? null,
      },
    })
    await tx.deadLetter.updateMany({ where: { id: { in: ids }, status: 'open' }, data: { status: 'replay_requested' } })
    await recordAudit(tx, actorOf(user), {
      action: 'replay.request',
      entity: 'ReplayRequest',
      entityId: request.id,
      after: { deadLetters: ids.length, filter: sel, impact: summary, note },
    })
    emitRealtime([ROOMS.deadLetters], 'dead-letters.changed', { kind: 'publish' })
    return { id: request.id, status: request.status, impact: summary }
  })
}
