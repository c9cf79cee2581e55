// An admin revokes an API key. Immediate: authenticateApiKey refuses a key with revokedAt.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { ConflictError, NotFoundError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'

export const RevokeApiKeyInputSchema = z.object({ id: z.string().uuid() })

export async function revokeApiKey(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<{ id: string; revokedAt: string }> {
  const { id } = parseInput(RevokeApiKeyInputSchema, raw)
  return transaction(db, async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id } })
    if (!key) throw new NotFoundError('There is no such API key.', 'UNKNOWN_API_KEY')
    if (key.revokedAt)
      throw new ConflictError(
        `The key "${key.name}" was already revoked at ${key.revokedAt.toISOString()}.`,
        'ALREADY_REVOKED',
      )
    const revokedAt = new Date()
    await tx.apiKey.update({ where: { id }, data: { revokedAt } })
    await recordAudit(tx, actor, {
      action: 'api_key.revoke',
      entity: 'api_key',
      entityId: id,
      before: { name: key.name, prefix: key.prefix, revokedAt: null },
      after: { revokedAt: revokedAt.toISOString() },
      ref,
    })
    return { id, revokedAt: revokedAt.toISOString() }
  })
}
