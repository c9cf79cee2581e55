// Rotation keeps the previous secret valid until `previousValidUntil`, so a sender can switch
// without a window of refused webhooks (signing-secrets.ts).
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { NotFoundError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import {
  DEFAULT_OVERLAP_HOURS,
  encryptSigningSecret,
  generateSigningSecret,
  MAX_OVERLAP_HOURS,
  type IssuedSecret,
} from './signing-secrets'

export const RotateSigningSecretInputSchema = z.object({
  code: z.string().trim().min(1).max(100),
  /** How long the secret being replaced keeps working; 0 ends it at once (a leaked secret). */
  overlapHours: z.number().int().min(0).max(MAX_OVERLAP_HOURS).default(DEFAULT_OVERLAP_HOURS),
})

export async function rotateSigningSecret(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
  now = new Date(),
): Promise<IssuedSecret> {
  const input = parseInput(RotateSigningSecretInputSchema, raw)
  return transaction(db, async (tx) => {
    // Row lock: two rotations at once would otherwise both keep the same "previous" secret.
    const [source] = await tx.$queryRawUnsafe<Array<{ code: string; signingSecretEnc: string | null }>>(
      `SELECT code, "signingSecretEnc" FROM "Source" WHERE code = $1 FOR UPDATE`,
      input.code,
    )
    if (!source) throw new NotFoundError(`There is no source "${input.code}".`, 'UNKNOWN_SOURCE')
    const secret = generateSigningSecret()
    const keepPrevious = source.signingSecretEnc !== null && input.overlapHours > 0
    const previousValidUntil = keepPrevious ? new Date(now.getTime() + input.overlapHours * 3_600_000) : null
    await tx.source.update({
      where: { code: input.code },
      data: {
        signingSecretEnc: encryptSigningSecret(secret),
        previousSecretEnc: keepPrevious ? source.signingSecretEnc : null,
        previousValidUntil,
      },
    })
    await recordAudit(tx, actor, {
      action: 'source.secret.rotate',
      entity: 'source',
      entityId: input.code,
      after: { overlapHours: input.overlapHours, previousValidUntil: previousValidUntil?.toISOString() ?? null },
      ref,
    })
    return { code: input.code, secret, previousValidUntil: previousValidUntil?.toISOString() ?? null }
  })
}
