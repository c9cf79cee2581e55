import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError, describeIssues } from '@/server/errors'
import { parseSkuSort, searchSkus } from '@/server/availability/search-skus'

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
  const raw = Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== ''))
  const parsed = Query.safeParse(raw)
  if (!parsed.success)
    throw new ValidationError(
      `Invalid filter: ${describeIssues(parsed.error.issues, { sep: ' ' })}`,
      undefined,
      'INVALID_FILTER',
    )
  return json(await searchSkus(prisma(), { ...parsed.data, sort: parseSkuSort(parsed.data.sort, parsed.data.order) }))
})
