import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getRecomputeProgress } from '@/server/rules/rule-set.repository'

export const dynamic = 'force-dynamic'

export const GET = userRoute('rules:view', async () => json(await getRecomputeProgress(prisma())))
