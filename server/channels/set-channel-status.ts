// An operator pauses or resumes a channel (audited, with a reason).
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { NotFoundError, ValidationError, ConflictError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueuePublish } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'

/** Pause stops sending (desired quantities keep updating); resume sends the newest of each. */
export async function setChannelStatus(db: PrismaClient, actor: Actor, code: string, status: 'active' | 'paused', reason: string) {
  if (reason.trim().length < 3) throw new ValidationError('Say why (at least 3 characters).', undefined, 'REASON_REQUIRED')
  const result = await transaction(db, async (tx) => {
    const c = await tx.channel.findUnique({ where: { code } })
    if (!c) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
    if (c.status === status) throw new ConflictError(`${code} is already ${status === 'paused' ? 'paused' : 'running'}.`)
    await tx.channel.update({ where: { id: c.id }, data: { status } })
    await recordAudit(tx, actor, { action: status === 'paused' ? 'channel.pause' : 'channel.resume', entity: 'channel', entityId: code, before: { status: c.status }, after: { status, reason: reason.trim() } })
    if (status === 'active') await enqueuePublish(tx, c.id)
    return { channel: code, status }
  })
  emitRealtime([ROOMS.dashboard, ROOMS.channel(code)], 'channel.updated', { channel: code })
  return result
}
