'use server'
// Dead-letter mutations, each through the one action chain (app/_lib/action.ts).
import { z } from 'zod'
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { approveReplay } from '@/server/dead-letters/approve-replay'
import { discardDeadLetters } from '@/server/dead-letters/discard-dead-letters'
import { previewReplay } from '@/server/dead-letters/preview-replay'
import { rejectReplay } from '@/server/dead-letters/reject-replay'
import { requestReplay } from '@/server/dead-letters/request-replay'

const Selection = z.object({
  ids: z.array(z.string().uuid()).max(10_000).optional(),
  kind: z.enum(['ingest', 'publish']).optional(),
  channel: z.string().max(40).optional(),
  code: z.string().max(80).optional(),
  sku: z.string().max(100).optional(),
})

const preview = defineAction({
  action: 'replays:request',
  input: Selection,
  run: async (sel) => {
    const { ids: _ids, ...impact } = await previewReplay(prisma(), sel)
    return impact
  },
})
const request = defineAction({
  action: 'replays:request',
  input: z.object({ selection: Selection, note: z.string().max(500).optional() }),
  run: (i, u) => requestReplay(prisma(), u, i.selection, i.note),
})
const approve = defineAction({
  action: 'replays:approve',
  input: z.object({ id: z.string().uuid() }),
  run: async (i, u) => {
    const r = await approveReplay(prisma(), u, i.id)
    return {
      replayed: r.ingest?.replayed.length ?? 0,
      stillRejected: r.ingest?.stillRejected.length ?? 0,
      releasedListings: r.publish.released,
    }
  },
})
const reject = defineAction({
  action: 'replays:approve',
  input: z.object({ id: z.string().uuid(), reason: z.string().min(1).max(500) }),
  run: (i, u) => rejectReplay(prisma(), u, i.id, i.reason),
})
const discard = defineAction({
  action: 'dead-letters:discard',
  input: z.object({ ids: z.array(z.string().uuid()).min(1).max(10_000), reason: z.string().min(1).max(500) }),
  run: (i, u) => discardDeadLetters(prisma(), u, i.ids, i.reason),
})

export async function previewReplayAction(input: unknown) {
  return preview(input)
}
export async function requestReplayAction(input: unknown) {
  return request(input)
}
export async function approveReplayAction(input: unknown) {
  return approve(input)
}
export async function rejectReplayAction(input: unknown) {
  return reject(input)
}
export async function discardAction(input: unknown) {
  return discard(input)
}
