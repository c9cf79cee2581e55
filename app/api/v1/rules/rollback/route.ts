import { z } from 'zod'
import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { rollbackRuleSet } from '@/server/rules/rollback-rule-set'
import { ValidationError } from '@/server/errors'
import { assertStorableJson, parseJsonText } from '@/server/ingest/storable-text'

export const dynamic = 'force-dynamic'

const Body = z.object({ version: z.string().min(1), comment: z.string().max(2000).optional() })

/** POST /api/v1/rules/rollback {version, comment}: a new version with that version's rules. */
export const POST = apiKeyRoute('rules:write', async ({ req, principal }) => {
  let raw: unknown
  raw = parseJsonText(await readTextLimited(req, 64 * 1024))
  assertStorableJson(raw)
  const body = Body.safeParse(raw)
  if (!body.success)
    throw new ValidationError('The body must be { "version": "rs-0003", "comment": "..." }.', undefined, 'INVALID_BODY')
  const saved = await rollbackRuleSet(
    prisma(),
    { kind: 'api_key', id: principal.keyId, label: `api key ${principal.name}` },
    body.data.version,
    body.data.comment,
  )
  return json({ version: saved.version, rolledBackTo: body.data.version, recomputeSkus: saved.recomputeSkus }, 201)
})
