import { json, openRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getHealth } from '@/server/health/get-health'

export const dynamic = 'force-dynamic'

export const GET = openRoute(async () => {
  const h = await getHealth(prisma(), { demo: process.env.STOCKTOWER_DEMO === 'on' })
  return json(h, h.status === 'ok' ? 200 : 503)
})
