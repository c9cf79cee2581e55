import { jsonText, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { DASHBOARD_RANGES, getDashboard, type DashboardRange } from '@/server/metrics/get-dashboard'
import { sharedRead, SHARED_READ_MAX_AGE_MS } from '@/server/metrics/shared-read'

export const dynamic = 'force-dynamic'

// Every open dashboard refetches after the same change: one computation serves them (shared-read.ts),
// serialised once (with 500 dashboards open, stringifying the view per request cost more web CPU
// than the shared queries: fan-out bench).
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
