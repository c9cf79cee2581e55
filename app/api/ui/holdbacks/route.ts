import { z } from 'zod'
import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError, describeIssues } from '@/server/errors'
import { holdbackEffects, listHoldbacks } from '@/server/rules/list-holdbacks'

export const dynamic = 'force-dynamic'

const Query = z.object({
  state: z.enum(['active', 'expired', 'removed', 'all']).default('active'),
  sku: z.string().max(200).optional(),
  channel: z.string().max(100).optional(),
  category: z.string().max(200).optional(),
})

/** Holdbacks with what each active one does to channel quantities now (from the stored decisions). */
export const GET = userRoute('rules:view', async ({ req }) => {
  const parsed = Query.safeParse(Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== '')))
  if (!parsed.success)
    throw new ValidationError(
      `Invalid filter: ${describeIssues(parsed.error.issues, { sep: ' ' })}`,
      undefined,
      'INVALID_FILTER',
    )
  const db = prisma()
  const items = await listHoldbacks(db, parsed.data)
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
