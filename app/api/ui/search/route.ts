import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { globalSearch } from '@/server/search/global-search'

export const dynamic = 'force-dynamic'

const Query = z.object({ q: z.string().max(100) })

/** Global search: SKU codes, aliases, channel listing ids, order ids (prefix, case-insensitive). */
export const GET = userRoute('inventory:view', async ({ req }) => {
  const parsed = Query.safeParse({ q: new URL(req.url).searchParams.get('q') ?? '' })
  if (!parsed.success) throw new ValidationError('"q" is at most 100 characters.', undefined, 'INVALID_QUERY')
  return json({ items: await globalSearch(prisma(), parsed.data.q) })
})
