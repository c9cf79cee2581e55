import { z } from 'zod'
import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { createHoldback } from '@/server/rules/create-holdback'
import { listHoldbacks } from '@/server/rules/list-holdbacks'
import { ValidationError } from '@/server/errors'
import { assertStorableJson, parseJsonText } from '@/server/ingest/storable-text'

export const dynamic = 'force-dynamic'

const Query = z.object({
  state: z.enum(['active', 'expired', 'removed', 'all']).optional(),
  sku: z.string().optional(),
  channel: z.string().optional(),
  category: z.string().optional(),
})

/** GET /api/v1/holdbacks?state=active|expired|removed|all&sku=&channel=&category= */
export const GET = apiKeyRoute('read', async ({ req }) => {
  const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams))
  if (!q.success)
    throw new ValidationError('"state" is one of active, expired, removed, all.', undefined, 'INVALID_QUERY')
  return json({ items: await listHoldbacks(prisma(), q.data) })
})

/** POST /api/v1/holdbacks {sku|category, channel?, mode, value, reason, owner?, expiresAt?} (scope rules:write). */
export const POST = apiKeyRoute('rules:write', async ({ req, principal }) => {
  let raw: unknown
  raw = parseJsonText(await readTextLimited(req, 64 * 1024))
  assertStorableJson(raw)
  return json(
    await createHoldback(prisma(), { kind: 'api_key', id: principal.keyId, label: `api key ${principal.name}` }, raw),
    201,
  )
})
