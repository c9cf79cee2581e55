import { json, pathCode, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listSkuEvents } from '@/server/availability/get-sku-detail'
import { ValidationError } from '@/server/errors'
import { pageSize } from '@/server/paging/cursor'

export const dynamic = 'force-dynamic'

/** GET /api/ui/skus/{sku}/events?before=<ledger id>&limit=: older pages of a SKU's ledger. */
export const GET = userRoute<{ sku: string }>('inventory:view', async ({ req, params }) => {
  const q = new URL(req.url).searchParams
  const before = q.get('before') || null
  // A ledger id is a bigint: at most 18 digits keeps it below 2^63.
  if (before !== null && !/^\d{1,18}$/.test(before))
    throw new ValidationError(
      '"before" must be the ledger event id a previous page returned.',
      undefined,
      'INVALID_CURSOR',
    )
  return json(await listSkuEvents(prisma(), pathCode(params.sku), { before, limit: pageSize(q.get('limit')) }))
})
