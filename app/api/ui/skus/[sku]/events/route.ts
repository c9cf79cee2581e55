import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listSkuEvents } from '@/server/availability/get-sku-detail'

export const dynamic = 'force-dynamic'

/** Older ledger events of a SKU: `?before=<event id>&limit=50`. */
export const GET = userRoute<{ sku: string }>('inventory:view', async ({ req, params }) => {
  const q = new URL(req.url).searchParams
  return json(await listSkuEvents(prisma(), decodeURIComponent(params.sku), { before: q.get('before'), limit: Number(q.get('limit') ?? 50) || 50 }))
})
