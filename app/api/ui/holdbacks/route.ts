import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { holdbackEffects, listHoldbacks } from '@/server/rules/list-holdbacks'
import { parseFilter } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

const Query = z.object({
  state: z.enum(['active', 'expired', 'removed', 'all']).default('active'),
  sku: z.string().max(200).optional(),
  channel: z.string().max(100).optional(),
  category: z.string().max(200).optional(),
})

/** Holdbacks with what each active one does to channel quantities now (from the stored decisions). */
export const GET = userRoute('rules:view', async ({ req }) => {
  const query = parseFilter(req, Query)
  const db = prisma()
  const items = await listHoldbacks(db, query)
  const effects = new Map(
    (
      await holdbackEffects(
        db,
        items.filter((h) => h.state === 'active').map((h) => h.id),
      )
    ).map((e) => [e.id, e]),
  )
  return json({ items: items.map((h) => ({ ...h, effect: effects.get(h.id) ?? null })) })
})
