import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { parseSkuSort, searchSkus } from '@/server/availability/search-skus'
import { parseFilter } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

const Query = z.object({
  q: z.string().max(100).optional(),
  category: z.string().max(100).optional(),
  status: z.enum(['out_of_sync', 'failing']).optional(),
  kind: z.enum(['kit', 'item']).optional(),
  /** the last code (by code) or the opaque nextAfter of the previous page */
  after: z.string().max(600).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  /** code, name or available (with `channel`), `-` for descending */
  sort: z.string().max(40).optional(),
  channel: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const GET = userRoute('inventory:view', async ({ req }) => {
  const query = parseFilter(req, Query)
  return json(await searchSkus(prisma(), { ...query, sort: parseSkuSort(query.sort, query.order) }))
})
