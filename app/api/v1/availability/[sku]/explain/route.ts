import { z } from 'zod'
import { apiKeyRoute, json, pathCode } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { explainAvailability } from '@/server/availability/explain-availability'
import { ValidationError } from '@/server/errors'
import { parseIsoTime } from '@/server/ingest/event.schema'

export const dynamic = 'force-dynamic'

const Query = z.object({ channel: z.string().trim().min(1).max(100), at: z.string().optional() })

export const GET = apiKeyRoute<{ sku: string }>('read', async ({ req, params }) => {
  const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams))
  if (!q.success) throw new ValidationError('Give "channel" (and optionally "at", an ISO time) as query parameters.')
  // `at`: a time PostgreSQL can compare (years 0001 to 9999), else a 400 naming it.
  const at = q.data.at ? parseIsoTime(q.data.at) : undefined
  if (at === null)
    throw new ValidationError(
      '"at" must be an ISO-8601 time with an offset, e.g. 2026-11-22T10:00:00Z.',
      undefined,
      'INVALID_DATE',
    )
  const view = await explainAvailability(prisma(), pathCode(params.sku), q.data.channel, at)
  return json(view)
})
