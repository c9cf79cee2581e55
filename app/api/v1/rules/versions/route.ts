import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listRuleSetVersions } from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

/** GET /api/v1/rules/versions: every version, newest first, with the one in force. */
export const GET = apiKeyRoute('read', async ({ req }) => {
  const limit = Math.min(500, Math.max(1, Number(new URL(req.url).searchParams.get('limit') ?? 100) || 100))
  return json({ items: await listRuleSetVersions(prisma(), { limit }) })
})
