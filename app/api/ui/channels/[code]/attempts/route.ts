import { z } from 'zod'
import { json, pathCode, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listPublishAttempts, parseAttemptSort } from '@/server/channels/list-publish-attempts'
import { parseFilter } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

const Query = z.object({
  outcome: z.string().max(40).optional(),
  sku: z.string().max(100).optional(),
  /** startedAt (default -startedAt), outcome, quantity, latencyMs; `-` for descending */
  sort: z.string().max(40).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** GET /api/ui/channels/{code}/attempts: the channel's publish attempts, filtered, sorted, keyset-paged. */
export const GET = userRoute<{ code: string }>('channels:view', async ({ req, params }) => {
  const query = parseFilter(req, Query)
  const { sort, ...rest } = query
  return json(
    await listPublishAttempts(prisma(), { ...rest, channel: pathCode(params.code), sort: parseAttemptSort(sort) }),
  )
})
