import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getKpis, KPI_WINDOWS } from '@/server/metrics/get-kpis'
import { oneOf } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) => {
  const w = oneOf(req, 'window', KPI_WINDOWS, '24h', 'INVALID_WINDOW')
  return json(await getKpis(prisma(), w))
})
