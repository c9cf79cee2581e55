// One of a channel's switches (status or mode) turned by an operator, with their reason: refused
// when it is already so, audited, and a publish run enqueued in the same transaction when the
// channel starts sending. The two actions: set-channel-status.ts and set-channel-mode.ts.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { NotFoundError, ValidationError, ConflictError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueuePublish } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'

export async function switchChannel(
  db: PrismaClient,
  actor: Actor,
  code: string,
  reason: string,
  change: {
    field: 'status' | 'mode'
    value: string
    /** How "already ..." reads in the refusal. */
    already: string
    action: string
    publishes: boolean
  },
): Promise<void> {
  if (reason.trim().length < 3)
    throw new ValidationError('Say why (at least 3 characters).', undefined, 'REASON_REQUIRED')
  await transaction(db, async (tx) => {
    const c = await tx.channel.findUnique({ where: { code } })
    if (!c) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
    if (c[change.field] === change.value) throw new ConflictError(`${code} is already ${change.already}.`)
    await tx.channel.update({ where: { id: c.id }, data: { [change.field]: change.value } })
    await recordAudit(tx, actor, {
      action: change.action,
      entity: 'channel',
      entityId: code,
      before: { [change.field]: c[change.field] },
      after: { [change.field]: change.value, reason: reason.trim() },
    })
    if (change.publishes) await enqueuePublish(tx, c.id)
  })
  emitRealtime([ROOMS.dashboard, ROOMS.channel(code)], 'channel.updated', { channel: code })
}
