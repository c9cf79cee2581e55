import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { searchSkus } from '@/server/availability/search-skus'

export const dynamic = 'force-dynamic'

const Query = z.object({
  q: z.string().max(100).optional(),
  category: z.string().max(100).optional(),
  status: z.enum(['out_of_sync', 'failing']).optional(),
  kind: z.enum(['kit', 'item']).optional(),
  after: z.string().max(100).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const GET = userRoute('inventory:view', async ({ req }) => {
  const raw = Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== ''))
  const parsed = Query.safeParse(raw)
  if (!parsed.success) throw new ValidationError(`Invalid filter: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, undefined, 'INVALID_FILTER')
  return json(await searchSkus(prisma(), parsed.data))
})
