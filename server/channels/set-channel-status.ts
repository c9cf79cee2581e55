// An operator pauses or resumes a channel (audited, with a reason).
import type { PrismaClient } from '@prisma/client'
import type { Actor } from '../audit/record-audit'
import { switchChannel } from './switch-channel'

/** Pause stops sending (desired quantities keep updating); resume sends the newest of each. */
export async function setChannelStatus(
  db: PrismaClient,
  actor: Actor,
  code: string,
  status: 'active' | 'paused',
  reason: string,
) {
  await switchChannel(db, actor, code, reason, {
    field: 'status',
    value: status,
    already: status === 'paused' ? 'paused' : 'running',
    action: status === 'paused' ? 'channel.pause' : 'channel.resume',
    publishes: status === 'active',
  })
  return { channel: code, status }
}
