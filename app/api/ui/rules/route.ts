import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getCurrentRuleSet, getRecomputeProgress, listRuleSetVersions } from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

/** The rules screen's data: the rule set in force, every version, recompute progress and the vocabulary (channels, locations, categories). */
export const GET = userRoute('rules:view', async () => {
  const db = prisma()
  const [current, versions, recompute, channels, locations, categories] = await Promise.all([
    getCurrentRuleSet(db),
    listRuleSetVersions(db, { limit: 100 }),
    getRecomputeProgress(db),
    db.channel.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, mode: true, status: true } }),
    db.location.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true } }),
    db.$queryRawUnsafe<Array<{ category: string }>>(`SELECT DISTINCT category FROM "Sku" WHERE active AND category IS NOT NULL ORDER BY category LIMIT 500`),
  ])
  return json({
    current: { version: current.id, number: current.number, rules: current.rules, comment: current.comment, author: current.authorLabel, createdAt: current.createdAt.toISOString(), effectiveFrom: current.effectiveFrom.toISOString() },
    versions, recompute, channels, locations, categories: categories.map((c) => c.category),
  })
})
