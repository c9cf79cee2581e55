'use server'
// Finding actions through the one action chain (app/_lib/action.ts).
import { z } from 'zod'
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { actOnFinding } from '@/server/reconciliation/act-on-finding'

const act = defineAction({
  action: 'findings:act',
  input: z.object({
    id: z.string().uuid(),
    action: z.enum(['ignore', 'resolve', 'reopen', 'correct', 'republish']),
    note: z.string().max(500).optional(),
  }),
  run: (i, u) => actOnFinding(prisma(), u, i.id, i.action, i.note),
})

export async function actOnFindingAction(input: unknown) {
  return act(input)
}
