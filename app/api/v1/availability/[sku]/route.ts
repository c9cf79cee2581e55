import { apiKeyRoute, json, pathCode } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getAvailability } from '@/server/availability/get-availability'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute<{ sku: string }>('read', async ({ params }) => {
  const view = await getAvailability(prisma(), pathCode(params.sku))
  return json(view)
})
