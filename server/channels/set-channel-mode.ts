// An operator switches a channel between shadow and live (audited, with a reason).
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { NotFoundError, ValidationError, ConflictError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueuePublish } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'

/** Shadow computes and reads back but never writes; live publishes. */
export async function setChannelMode(db: PrismaClient, actor: Actor, code: string, mode: 'shadow' | 'live', reason: string) {
  if (reason.trim().length < 3) throw new ValidationError('Say why (at least 3 characters).', undefined, 'REASON_REQUIRED')
  const result = await transaction(db, async (tx) => {
    const c = await tx.channel.findUnique({ where: { code } })
    if (!c) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
    if (c.mode === mode) throw new ConflictError(`${code} is already ${mode}.`)
    await tx.channel.update({ where: { id: c.id }, data: { mode } })
    await recordAudit(tx, actor, { action: mode === 'live' ? 'channel.go_live' : 'channel.to_shadow', entity: 'channel', entityId: code, before: { mode: c.mode }, after: { mode, reason: reason.trim() } })
    if (mode === 'live') await enqueuePublish(tx, c.id)
    return { channel: code, mode }
  })
  emitRealtime([ROOMS.dashboard, ROOMS.channel(code)], 'channel.updated', { channel: code })
  return result
}
