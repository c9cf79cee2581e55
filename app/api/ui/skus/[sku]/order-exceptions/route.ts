import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listOrderExceptionsForSku } from '@/server/exceptions/list-order-exceptions'

export const dynamic = 'force-dynamic'

/** ERP order exceptions concerning one SKU (open first), for the SKU page. */
export const GET = userRoute<{ sku: string }>('inventory:view', async ({ params }) =>
  json({ items: await listOrderExceptionsForSku(prisma(), params.sku) }),
)
