// An admin registers a source; its first signing secret is issued and shown once (signing-secrets.ts).
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { ConflictError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { SOURCE_CODE } from '../auth/manage-api-keys'
import { SOURCE_KINDS } from './source-settings.schema'
import { encryptSigningSecret, generateSigningSecret, type IssuedSecret } from './signing-secrets'

export const CreateSourceInputSchema = z.object({
  code: z.string().trim().regex(SOURCE_CODE, 'a source code has letters, digits, ".", "_", ":" or "-" (e.g. erp-main)'),
  name: z.string().trim().min(1, 'give the source a name').max(200),
  kind: z.enum(SOURCE_KINDS),
})

export async function createSource(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<IssuedSecret> {
  const input = parseInput(CreateSourceInputSchema, raw)
  return transaction(db, async (tx) => {
    if (await tx.source.findUnique({ where: { code: input.code } }))
      throw new ConflictError(`A source "${input.code}" exists already; rotate its secret instead.`, 'SOURCE_EXISTS')
    const secret = generateSigningSecret()
    await tx.source.create({
      data: { code: input.code, name: input.name, kind: input.kind, signingSecretEnc: encryptSigningSecret(secret) },
    })
    await recordAudit(tx, actor, {
      action: 'source.create',
      entity: 'source',
      entityId: input.code,
      after: { name: input.name, kind: input.kind, signingSecret: 'issued' },
      ref,
    })
    return { code: input.code, secret, previousValidUntil: null }
  })
}
