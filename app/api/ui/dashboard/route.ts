import { jsonText, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { DASHBOARD_RANGES, getDashboard, type DashboardRange } from '@/server/metrics/get-dashboard'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'

export const dynamic = 'force-dynamic'

// Every open dashboard refetches after the same change: one computation serves them (shared-read.ts),
// serialised once for all of them (a small saving: about 0.1 ms of web CPU per refetch in the
// fan-out bench's profile, 0.5% of the web's busy time with 500 dashboards open).
const dashboard = sharedRead(
  async (range) => JSON.stringify(await getDashboard(prisma(), { range: range as DashboardRange })),
  { maxAgeMs: SHARED_READ_MAX_AGE_MS },
)

export const GET = userRoute('dashboard:view', async ({ req }) => {
  const range = new URL(req.url).searchParams.get('range') ?? '1h'
  if (!Object.hasOwn(DASHBOARD_RANGES, range))
    throw new ValidationError(
      `"range" must be one of ${Object.keys(DASHBOARD_RANGES).join(', ')}.`,
      undefined,
      'INVALID_RANGE',
    )
  return jsonText(await dashboard(range))
})
