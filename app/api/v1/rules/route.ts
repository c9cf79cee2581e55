import { z } from 'zod'
import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { getCurrentRuleSet } from '@/server/rules/rule-set.repository'
import { dryRunRuleSet } from '@/server/rules/preview-rule-impact'
import { saveRuleSet } from '@/server/rules/save-rule-set'
import { ValidationError } from '@/server/errors'
import { parseIsoTime } from '@/server/ingest/event.schema'
import { assertStorableJson, parseJsonText } from '@/server/ingest/storable-text'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async () => {
  const current = await getCurrentRuleSet(prisma())
  return json({
    version: current.id,
    rules: current.rules,
    comment: current.comment,
    createdAt: current.createdAt.toISOString(),
    author: current.authorLabel,
  })
})

const Body = z.object({
  rules: z.unknown(),
  comment: z.string().max(2000).optional(),
  effectiveFrom: z
    .string()
    .refine((v) => parseIsoTime(v) !== null, { error: 'an ISO-8601 time with an offset, years 0001-9999' })
    .optional(),
})

export const POST = apiKeyRoute('rules:write', async ({ req, principal }) => {
  let raw: unknown
  raw = parseJsonText(await readTextLimited(req, 5 * 1024 * 1024))
  assertStorableJson(raw)
  const body = Body.safeParse(raw)
  if (!body.success || body.data.rules === undefined)
    throw new ValidationError(
      'The body must be { "rules": {...}, "comment": "...", "effectiveFrom": "<optional ISO time>" }.',
      undefined,
      'INVALID_BODY',
    )
  const dryRun = ['1', 'true'].includes(new URL(req.url).searchParams.get('dryRun') ?? '')
  if (dryRun) return json({ dryRun: true, impact: await dryRunRuleSet(prisma(), body.data.rules) })
  const saved = await saveRuleSet(
    prisma(),
    { kind: 'api_key', id: principal.keyId, label: `api key ${principal.name}` },
    {
      rules: body.data.rules,
      comment: body.data.comment,
      effectiveFrom: body.data.effectiveFrom ? new Date(body.data.effectiveFrom) : undefined,
    },
  )
  return json({ version: saved.version, effectiveFrom: saved.effectiveFrom, recomputeSkus: saved.recomputeSkus }, 201)
})
