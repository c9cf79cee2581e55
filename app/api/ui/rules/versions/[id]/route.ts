import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import {
  diffRuleSets,
  getCurrentRuleSet,
  getPreviousRuleSetVersion,
  getRuleSetVersion,
} from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

/**
 * One version with two diffs: what it changed from the version before it, and what rolling back to
 * it would change in the rule set in force now.
 */
export const GET = userRoute<{ id: string }>('rules:view', async ({ params }) => {
  const db = prisma()
  const v = await getRuleSetVersion(db, params.id)
  const previous = await getPreviousRuleSetVersion(db, v.number)
  const current = await getCurrentRuleSet(db)
  return json({
    version: v.id,
    number: v.number,
    comment: v.comment,
    author: v.authorLabel,
    createdAt: v.createdAt.toISOString(),
    effectiveFrom: v.effectiveFrom.toISOString(),
    rolledBackFrom: v.rolledBackFrom,
    rules: v.rules,
    previous: previous?.id ?? null,
    changes: diffRuleSets(previous?.rules ?? {}, v.rules),
    rollbackChanges: diffRuleSets(current.rules, v.rules),
    current: current.id,
  })
})
