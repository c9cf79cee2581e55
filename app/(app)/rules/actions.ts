'use server'
// Rule and holdback mutations, each through the one action chain (app/_lib/action.ts).
import { z } from 'zod'
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { dryRunRuleSet } from '@/server/rules/preview-rule-impact'
import { rollbackRuleSet } from '@/server/rules/rollback-rule-set'
import { saveRuleSet } from '@/server/rules/save-rule-set'
import { createHoldback } from '@/server/rules/create-holdback'
import { removeHoldback } from '@/server/rules/remove-holdback'

const preview = defineAction({
  action: 'rules:edit',
  input: z.object({ rules: z.unknown() }),
  run: (i) => dryRunRuleSet(prisma(), i.rules),
})
const save = defineAction({
  action: 'rules:edit',
  input: z.object({
    rules: z.unknown(),
    comment: z.string().trim().min(3, 'say what changed and why (at least 3 characters)').max(2000),
    effectiveFrom: z.iso.datetime({ offset: true }).optional(),
  }),
  run: (i, _u, actor) =>
    saveRuleSet(prisma(), actor, {
      rules: i.rules,
      comment: i.comment,
      effectiveFrom: i.effectiveFrom ? new Date(i.effectiveFrom) : undefined,
    }),
})
const rollback = defineAction({
  action: 'rules:edit',
  input: z.object({ version: z.string().min(1).max(40), comment: z.string().max(2000).optional() }),
  run: (i, _u, actor) => rollbackRuleSet(prisma(), actor, i.version, i.comment),
})
const addHoldback = defineAction({
  action: 'holdbacks:edit',
  input: z.record(z.string(), z.unknown()),
  run: (i, _u, actor) => createHoldback(prisma(), actor, i),
})
const dropHoldback = defineAction({
  action: 'holdbacks:edit',
  input: z.object({
    id: z.string().uuid(),
    reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  }),
  run: (i, _u, actor) => removeHoldback(prisma(), actor, i.id, i.reason),
})

export async function previewRulesAction(input: unknown) {
  return preview(input)
}
export async function saveRulesAction(input: unknown) {
  return save(input)
}
export async function rollbackRulesAction(input: unknown) {
  return rollback(input)
}
export async function createHoldbackAction(input: unknown) {
  return addHoldback(input)
}
export async function removeHoldbackAction(input: unknown) {
  return dropHoldback(input)
}
