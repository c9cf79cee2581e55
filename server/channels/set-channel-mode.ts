// An operator switches a channel between shadow and live (audited, with a reason).
import type { PrismaClient } from '@prisma/client'
import type { Actor } from '../audit/record-audit'
import { switchChannel } from './switch-channel'

/** Shadow computes and reads back but never writes; live publishes. */
export async function setChannelMode(
  db: PrismaClient,
  actor: Actor,
  code: string,
  mode: 'shadow' | 'live',
  reason: string,
) {
  await switchChannel(db, actor, code, reason, {
    field: 'mode',
    value: mode,
    already: mode,
    action: mode === 'live' ? 'channel.go_live' : 'channel.to_shadow',
    publishes: mode === 'live',
  })
  return { channel: code, mode }
}
