import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { diffRuleSets, getRuleSetVersion } from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

/** GET /api/v1/rules/versions/{id}[?diff=<other id>]: one version's rules, and its changes from another. */
export const GET = apiKeyRoute<{ id: string }>('read', async ({ req, params }) => {
  const v = await getRuleSetVersion(prisma(), params.id)
  const other = new URL(req.url).searchParams.get('diff')
  const changes = other ? diffRuleSets((await getRuleSetVersion(prisma(), other)).rules, v.rules) : undefined
  return json({
    version: v.id,
    number: v.number,
    rules: v.rules,
    comment: v.comment,
    author: v.authorLabel,
    createdAt: v.createdAt.toISOString(),
    effectiveFrom: v.effectiveFrom.toISOString(),
    rolledBackFrom: v.rolledBackFrom,
    ...(changes ? { diffFrom: other, changes } : {}),
  })
})
