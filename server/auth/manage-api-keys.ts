// API keys for machine clients, created by an admin (revoked by revoke-api-key.ts). The key is
// returned once, by create; only its SHA-256 is stored (server/auth/api-keys.ts), so nobody can
// show it again.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { createApiKey } from '../auth/api-keys'
import { SCOPES } from '../auth/permissions'

/** A source name as events carry it (`erp-main`, `wms.east`). */
export const SOURCE_CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/
const CHANNEL_SCOPE = /^ingest:channel:([a-z0-9][a-z0-9_-]{0,99})$/

export const CreateApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, 'give the key a name (who or what uses it)').max(100),
  scopes: z
    .array(z.string().max(120))
    .min(1, 'choose at least one scope')
    .max(20)
    .refine(
      (s) => s.every((x) => (SCOPES as readonly string[]).includes(x) || CHANNEL_SCOPE.test(x)),
      `scopes are ${SCOPES.join(', ')} or ingest:channel:<code>`,
    ),
  boundSource: z
    .string()
    .trim()
    .max(100)
    .regex(SOURCE_CODE, 'a source name has letters, digits, ".", "_", ":" or "-"')
    .optional(),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional(),
})
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInputSchema>

export interface CreatedApiKey {
  id: string
  name: string
  prefix: string
  scopes: string[]
  boundSource: string | null
  /** Shown once; never stored. */ key: string
}

export async function createApiKeyForAdmin(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<CreatedApiKey> {
  const input = parseInput(CreateApiKeyInputSchema, raw)
  const scopes = [...new Set(input.scopes)].sort()
  const channelCodes = scopes.map((s) => CHANNEL_SCOPE.exec(s)?.[1]).filter((c): c is string => !!c && c !== '*')
  return transaction(db, async (tx) => {
    if (channelCodes.length > 0) {
      const known = new Set(
        (await tx.channel.findMany({ where: { code: { in: channelCodes } }, select: { code: true } })).map(
          (c) => c.code,
        ),
      )
      const missing = channelCodes.filter((c) => !known.has(c))
      if (missing.length > 0)
        throw new ValidationError(
          `Unknown channel ${missing.join(', ')} in the scopes; use ingest:channel:* for every channel.`,
          undefined,
          'UNKNOWN_CHANNEL',
        )
    }
    const created = await createApiKey(tx, {
      name: input.name,
      scopes,
      boundSource: input.boundSource ?? null,
      createdById: actor.kind === 'user' ? actor.id : null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    })
    const row = await tx.apiKey.findUniqueOrThrow({ where: { id: created.id }, select: { prefix: true } })
    const view = {
      name: input.name,
      prefix: row.prefix,
      scopes,
      boundSource: input.boundSource ?? null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    }
    await recordAudit(tx, actor, {
      action: 'api_key.create',
      entity: 'api_key',
      entityId: created.id,
      after: view,
      ref,
    })
    return {
      id: created.id,
      name: input.name,
      prefix: row.prefix,
      scopes,
      boundSource: view.boundSource,
      key: created.key,
    }
  })
}
