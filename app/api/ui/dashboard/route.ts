import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getDashboard } from '@/server/metrics/get-dashboard'

export const dynamic = 'force-dynamic'

export const GET = userRoute('dashboard:view', async () => json(await getDashboard(prisma())))
