import { json, openRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getHealth } from '@/server/health/get-health'

export const dynamic = 'force-dynamic'

export const GET = openRoute(async () => {
  const h = await getHealth(prisma(), {
    demo: process.env.STOCKTOWER_DEMO === 'on',
    dataDir: process.env.STOCKTOWER_MANAGED === '1' ? process.env.STOCKTOWER_DATA_DIR : undefined,
  })
  return json(h, h.status === 'ok' ? 200 : 503)
})
