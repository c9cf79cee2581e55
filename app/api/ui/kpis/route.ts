import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { getKpis, KPI_WINDOWS, type KpiWindow } from '@/server/metrics/get-kpis'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'

export const dynamic = 'force-dynamic'

// Every open KPI page refetches after the same change: one computation serves them (shared-read.ts).
const kpis = sharedRead((w) => getKpis(prisma(), w as KpiWindow, new Date(), { series: true }), {
  maxAgeMs: SHARED_READ_MAX_AGE_MS,
})

export const GET = userRoute('kpis:view', async ({ req }) => {
  const w = new URL(req.url).searchParams.get('window') ?? '24h'
  if (!Object.hasOwn(KPI_WINDOWS, w))
    throw new ValidationError(
      `"window" must be one of ${Object.keys(KPI_WINDOWS).join(', ')}.`,
      undefined,
      'INVALID_WINDOW',
    )
  return json(await kpis(w))
})
