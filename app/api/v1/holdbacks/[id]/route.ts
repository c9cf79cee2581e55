import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { removeHoldback } from '@/server/rules/remove-holdback'
import { ValidationError } from '@/server/errors'

export const dynamic = 'force-dynamic'

/** DELETE /api/v1/holdbacks/{id}?reason=...: removes it (kept, with who and why); the SKUs recompute. */
export const DELETE = apiKeyRoute<{ id: string }>('rules:write', async ({ req, params, principal }) => {
  if (!/^[0-9a-f-]{36}$/i.test(params.id)) throw new ValidationError('Not a holdback id.', undefined, 'INVALID_ID')
  const reason = new URL(req.url).searchParams.get('reason') ?? ''
  return json(
    await removeHoldback(
      prisma(),
      { kind: 'api_key', id: principal.keyId, label: `api key ${principal.name}` },
      params.id,
      reason,
    ),
  )
})
