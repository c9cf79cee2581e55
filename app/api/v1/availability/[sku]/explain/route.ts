import { z } from 'zod'
import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { explainAvailability } from '@/server/availability/explain-availability'
import { ValidationError } from '@/server/errors'

export const dynamic = 'force-dynamic'

const Query = z.object({ channel: z.string().min(1), at: z.iso.datetime({ offset: true }).optional() })

export const GET = apiKeyRoute<{ sku: string }>('read', async ({ req, params }) => {
  const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams))
  if (!q.success) throw new ValidationError('Give "channel" (and optionally "at", an ISO time) as query parameters.')
  const view = await explainAvailability(prisma(), decodeURIComponent(params.sku), q.data.channel, q.data.at ? new Date(q.data.at) : undefined)
  return json(view)
})
