// An admin replaces a channel's connector credentials: encrypted at rest, never read back; the
// audit row names the fields, never the values.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { ValidationError, describeIssues } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { encryptCredentials } from './credentials'
import { connectorSchemasFor } from './connector-schemas'
import { channelByCode } from './configure-channel'

export const SetChannelCredentialsInputSchema = z.object({
  code: z.string().min(1).max(100),
  credentials: z
    .record(z.string().min(1).max(100), z.string().min(1, 'a credential must not be empty').max(4000))
    .refine((c) => Object.keys(c).length >= 1 && Object.keys(c).length <= 20, 'give 1 to 20 credential fields'),
})
export type SetChannelCredentialsInput = z.infer<typeof SetChannelCredentialsInputSchema>

/**
 * Replaces a channel's credentials (all fields at once: a partial set would mix old and new
 * secrets). The audit row names the fields only.
 */
export async function setChannelCredentials(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<{ code: string; fields: string[]; changedAt: string }> {
  const input = parseInput(SetChannelCredentialsInputSchema, raw)
  return transaction(db, async (tx) => {
    const current = await channelByCode(tx, input.code)
    const schema = connectorSchemasFor(current.kind)?.credentials
    if (schema) {
      const known = Object.keys(schema.shape)
      const unknown = Object.keys(input.credentials).filter((k) => !known.includes(k))
      if (unknown.length > 0)
        throw new ValidationError(
          `The ${current.kind} connector has no credential ${unknown.map((k) => `"${k}"`).join(', ')}; its credentials are ${known.join(', ')}.`,
          undefined,
          'INVALID_CREDENTIALS',
        )
      const r = schema.safeParse(input.credentials)
      // Field names only: a credential value never appears in a message.
      if (!r.success)
        throw new ValidationError(
          `The credentials are not complete: ${describeIssues(r.error.issues)}.`,
          undefined,
          'INVALID_CREDENTIALS',
        )
    }
    const fields = Object.keys(input.credentials).sort()
    await tx.channel.update({
      where: { id: current.id },
      data: { credentialsEnc: encryptCredentials(input.credentials) },
    })
    const at = new Date()
    await recordAudit(tx, actor, {
      action: 'channel.credentials.set',
      entity: 'channel',
      entityId: current.id,
      before: { set: current.credentialsEnc !== null },
      after: { set: true, fields },
      ref,
    })
    return { code: input.code, fields, changedAt: at.toISOString() }
  })
}
