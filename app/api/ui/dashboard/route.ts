import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { DASHBOARD_RANGES, getDashboard, type DashboardRange } from '@/server/metrics/get-dashboard'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'
import { oneOf } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

// Every open dashboard refetches after the same change: one computation serves them (shared-read.ts).
const dashboard = sharedRead((range) => getDashboard(prisma(), { range: range as DashboardRange }), {
  maxAgeMs: SHARED_READ_MAX_AGE_MS,
})

export const GET = userRoute('dashboard:view', async ({ req }) => {
  const range = oneOf(req, 'range', DASHBOARD_RANGES, '1h', 'INVALID_RANGE')
  return json(await dashboard(range))
})
