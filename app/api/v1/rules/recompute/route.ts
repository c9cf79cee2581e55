import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getRecomputeProgress } from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

/** GET /api/v1/rules/recompute: progress of the recompute the newest rule version started. */
export const GET = apiKeyRoute('read', async () => json(await getRecomputeProgress(prisma())))
