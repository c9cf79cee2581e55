'use server'
// Ownership changes from the cutover screen, through the one action chain (app/_lib/action.ts).
import { z } from 'zod'
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { previewOwnership } from '@/server/ownership/preview-ownership'
import { setOwnership } from '@/server/ownership/set-ownership'

const input = z.record(z.string(), z.unknown())
const preview = defineAction({ action: 'ownership:switch', input, run: (i) => previewOwnership(prisma(), i) })
const apply = defineAction({
  action: 'ownership:switch',
  input,
  run: (i, _u, actor) => setOwnership(prisma(), actor, i),
})

export async function previewOwnershipAction(raw: unknown) {
  return preview(raw)
}
export async function setOwnershipAction(raw: unknown) {
  return apply(raw)
}
