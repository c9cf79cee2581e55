import { jsonText, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { DASHBOARD_RANGES, getDashboard, type DashboardRange } from '@/server/metrics/get-dashboard'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'
import { oneOf } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

// Every open dashboard refetches after the same change: one computation serves them (shared-read.ts),
// serialised once for all of them (a small saving: about 0.1 ms of web CPU per refetch in the
// fan-out bench's profile, 0.5% of the web's busy time with 500 dashboards open).
const dashboard = sharedRead(
  async (range) => JSON.stringify(await getDashboard(prisma(), { range: range as DashboardRange })),
  { maxAgeMs: SHARED_READ_MAX_AGE_MS },
)

export const GET = userRoute('dashboard:view', async ({ req }) => {
  const range = oneOf(req, 'range', DASHBOARD_RANGES, '1h', 'INVALID_RANGE')
  return jsonText(await dashboard(range))
})
