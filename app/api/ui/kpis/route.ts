import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getKpis, KPI_WINDOWS, type KpiWindow } from '@/server/metrics/get-kpis'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'
import { oneOf } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

// Every open KPI page refetches after the same change: one computation serves them (shared-read.ts).
const kpis = sharedRead((w) => getKpis(prisma(), w as KpiWindow, new Date(), { series: true }), {
  maxAgeMs: SHARED_READ_MAX_AGE_MS,
})

export const GET = userRoute('kpis:view', async ({ req }) => {
  const w = oneOf(req, 'window', KPI_WINDOWS, '24h', 'INVALID_WINDOW')
  return json(await kpis(w))
})
