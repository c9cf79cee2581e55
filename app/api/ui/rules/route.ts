import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getCurrentRuleSet, getRecomputeProgress, listRuleSetVersions } from '@/server/rules/rule-set.repository'
import { getRuleVocabulary } from '@/server/rules/rule-vocabulary'

export const dynamic = 'force-dynamic'

/** The rules screen's data: the rule set in force, every version, recompute progress and the vocabulary (channels, locations, categories). */
export const GET = userRoute('rules:view', async () => {
  const db = prisma()
  const [current, versions, recompute, vocabulary] = await Promise.all([
    getCurrentRuleSet(db),
    listRuleSetVersions(db, { limit: 100 }),
    getRecomputeProgress(db),
    getRuleVocabulary(db),
  ])
  return json({
    current: {
      version: current.id,
      number: current.number,
      rules: current.rules,
      comment: current.comment,
      author: current.authorLabel,
      createdAt: current.createdAt.toISOString(),
      effectiveFrom: current.effectiveFrom.toISOString(),
    },
    versions,
    recompute,
    ...vocabulary,
  })
})
