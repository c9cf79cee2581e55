'use server'
// Channel switches through the one action chain: pause/resume (channels:pause), shadow/live (channels:configure).
import { z } from 'zod'
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { setChannelMode } from '@/server/channels/set-channel-mode'
import { setChannelStatus } from '@/server/channels/set-channel-status'
import { setChannelSlo } from '@/server/metrics/set-channel-slo'

/** Pausing or switching a channel is audited with why. */
const reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500)

/** A switch names the channel and says why; each adds the value it switches to. */
const switchInput = z.object({ channel: z.string().min(1).max(40), reason })

const status = defineAction({
  action: 'channels:pause',
  input: switchInput.extend({ status: z.enum(['active', 'paused']) }),
  run: (i, _u, actor) => setChannelStatus(prisma(), actor, i.channel, i.status, i.reason),
})
const mode = defineAction({
  action: 'channels:configure',
  input: switchInput.extend({ mode: z.enum(['shadow', 'live']) }),
  run: (i, _u, actor) => setChannelMode(prisma(), actor, i.channel, i.mode, i.reason),
})

const seconds = z.coerce.number().int('whole seconds').min(1).max(86_400)
const slo = defineAction({
  action: 'channels:configure',
  input: z.object({ channel: z.string().min(1).max(40), lagP95Seconds: seconds, staleAfterSeconds: seconds }),
  run: (i, _u, actor) =>
    setChannelSlo(prisma(), actor, i.channel, {
      lagP95Seconds: i.lagP95Seconds,
      staleAfterSeconds: i.staleAfterSeconds,
    }),
})

export async function setChannelSloAction(input: unknown) {
  return slo(input)
}
export async function setChannelStatusAction(input: unknown) {
  return status(input)
}
export async function setChannelModeAction(input: unknown) {
  return mode(input)
}
