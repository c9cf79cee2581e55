import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getDegradedMode } from '@/server/freshness/degraded-mode'

export const dynamic = 'force-dynamic'

/** What is degraded now (stale feeds, blind channels) and each channel's degraded policy: the banner. */
export const GET = userRoute('dashboard:view', async () => json(await getDegradedMode(prisma())))
