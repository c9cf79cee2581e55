import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { getKpis, KPI_WINDOWS, type KpiWindow } from '@/server/metrics/get-kpis'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) => {
  const w = new URL(req.url).searchParams.get('window') ?? '24h'
  if (!Object.hasOwn(KPI_WINDOWS, w))
    throw new ValidationError(
      `"window" must be one of ${Object.keys(KPI_WINDOWS).join(', ')}.`,
      undefined,
      'INVALID_WINDOW',
    )
  return json(await getKpis(prisma(), w as KpiWindow))
})
