// A channel's SLOs (settings.sloLagP95Seconds, settings.sloStaleAfterSeconds): the thresholds the
// health verdict (channel-health.ts), the KPIs and the SLO evaluator judge the channel by. Audited;
// the channel's screens refetch.
import type { Prisma, PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { sloOf } from '../channels/channel-settings'

export interface ChannelSlo {
  lagP95Seconds: number
  staleAfterSeconds: number
}

export async function setChannelSlo(
  db: PrismaClient,
  actor: Actor,
  code: string,
  slo: ChannelSlo,
): Promise<{ channel: string; slo: ChannelSlo }> {
  for (const [k, v] of Object.entries(slo)) {
    if (!Number.isInteger(v) || v < 1 || v > 86_400)
      throw new ValidationError(`"${k}" must be a whole number of seconds from 1 to 86400.`, undefined, 'INVALID_SLO')
  }
  const result = await transaction(db, async (tx) => {
    const c = await tx.channel.findUnique({ where: { code } })
    if (!c) throw new NotFoundError(`No channel "${code}".`, 'UNKNOWN_CHANNEL')
    const before = sloOf(c.settings)
    const settings = {
      ...((c.settings ?? {}) as Record<string, unknown>),
      sloLagP95Seconds: slo.lagP95Seconds,
      sloStaleAfterSeconds: slo.staleAfterSeconds,
    }
    await tx.channel.update({ where: { id: c.id }, data: { settings: settings as Prisma.InputJsonObject } })
    await recordAudit(tx, actor, { action: 'channel.slo', entity: 'channel', entityId: code, before, after: slo })
    return { channel: code, slo }
  })
  emitRealtime([ROOMS.dashboard, ROOMS.channel(code)], 'channel.updated', { channel: code })
  return result
}
