// An admin invites a person: the user is created with a one-time temporary password (returned
// once, stored only as a bcrypt hash) that the admin hands over.
import crypto from 'node:crypto'
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { ConflictError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { hashPassword } from '../auth/passwords'
import { ROLES } from '../auth/permissions'

export const InviteUserInputSchema = z.object({
  email: z.string().trim().toLowerCase().email('give a valid email address').max(320),
  name: z.string().trim().max(200).optional(),
  role: z.enum(ROLES),
})

export interface InvitedUser {
  id: string
  email: string
  role: string
  /** Shown once; stored only hashed. */ temporaryPassword: string
}

/** 20 characters from an alphabet without look-alikes (0/O, 1/l/I), about 115 bits. */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = crypto.randomBytes(20)
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}

export async function inviteUser(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<InvitedUser> {
  const input = parseInput(InviteUserInputSchema, raw)
  const password = temporaryPassword()
  const passwordHash = await hashPassword(password)
  return transaction(db, async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: input.email } })
    if (existing)
      throw new ConflictError(
        `${input.email} already has an account${existing.active ? '' : ' (deactivated: reactivate it instead)'}.`,
        'USER_EXISTS',
      )
    const user = await tx.user.create({
      data: {
        email: input.email,
        name: input.name || input.email.split('@')[0],
        role: input.role,
        passwordHash,
        mustChangePassword: true,
      },
    })
    await recordAudit(tx, actor, {
      action: 'user.invite',
      entity: 'user',
      entityId: user.id,
      after: { email: user.email, name: user.name, role: user.role, active: true },
      ref,
    })
    return { id: user.id, email: user.email, role: user.role, temporaryPassword: password }
  })
}
