import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getSkuDetail } from '@/server/availability/get-sku-detail'

export const dynamic = 'force-dynamic'

export const GET = userRoute<{ sku: string }>('inventory:view', async ({ params }) =>
  json(await getSkuDetail(prisma(), params.sku)),
)
