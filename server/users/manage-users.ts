// People and roles, managed by an admin. Invite creates the user with a one-time temporary
// password (returned once, stored only as a bcrypt hash) that the admin hands over.
//
// Invariant: at least one active admin always remains, and an admin cannot lock themself out
// (deactivate or demote their own account). Changes to admins run under one advisory lock, so two
// admins demoting each other at the same moment cannot both succeed and leave none.
import crypto from 'node:crypto'
import type { PrismaClient, Prisma } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { AppError, ConflictError, NotFoundError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { hashPassword } from '../auth/passwords'
import { ROLES } from '../auth/permissions'

/** Refused because it would leave nobody able to administer Stocktower, or lock the actor out. */
export class AdminLockoutError extends AppError {
  constructor(message: string, code = 'LAST_ADMIN') { super(code, message, 409) }
}

export const InviteUserInputSchema = z.object({
  email: z.string().trim().toLowerCase().email('give a valid email address').max(320),
  name: z.string().trim().max(200).optional(),
  role: z.enum(ROLES),
})
export const ChangeRoleInputSchema = z.object({ id: z.string().uuid(), role: z.enum(ROLES) })
export const SetUserActiveInputSchema = z.object({ id: z.string().uuid(), active: z.boolean() })

export interface InvitedUser { id: string; email: string; role: string; /** Shown once; stored only hashed. */ temporaryPassword: string }

/** 20 characters from an alphabet without look-alikes (0/O, 1/l/I), about 115 bits. */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = crypto.randomBytes(20)
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}

const lockAdmins = (tx: Prisma.TransactionClient) => tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:user-admins'))`)

/** The user a change is about, loaded with the admins locked (the last-admin checks race otherwise). */
async function loadUserToChange(tx: Prisma.TransactionClient, id: string) {
  await lockAdmins(tx)
  const user = await tx.user.findUnique({ where: { id } })
  if (!user) throw new NotFoundError('There is no such user.', 'UNKNOWN_USER')
  return user
}

async function otherActiveAdmins(tx: Prisma.TransactionClient, userId: string): Promise<number> {
  return tx.user.count({ where: { role: 'admin', active: true, id: { not: userId } } })
}

export async function inviteUser(db: PrismaClient, actor: Actor, raw: unknown, ref: string | null = null): Promise<InvitedUser> {
  const input = parseInput(InviteUserInputSchema, raw)
  const password = temporaryPassword()
  const passwordHash = await hashPassword(password)
  return transaction(db, async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: input.email } })
    if (existing) throw new ConflictError(`${input.email} already has an account${existing.active ? '' : ' (deactivated: reactivate it instead)'}.`, 'USER_EXISTS')
    const user = await tx.user.create({ data: { email: input.email, name: input.name || input.email.split('@')[0], role: input.role, passwordHash, mustChangePassword: true } })
    await recordAudit(tx, actor, { action: 'user.invite', entity: 'user', entityId: user.id, after: { email: user.email, name: user.name, role: user.role, active: true }, ref })
    return { id: user.id, email: user.email, role: user.role, temporaryPassword: password }
  })
}

export async function changeUserRole(db: PrismaClient, actor: Actor, raw: unknown, ref: string | null = null): Promise<{ id: string; role: string }> {
  const input = parseInput(ChangeRoleInputSchema, raw)
  return transaction(db, async (tx) => {
    const user = await loadUserToChange(tx, input.id)
    if (user.role === input.role) return { id: user.id, role: user.role }
    if (user.id === actor.id) throw new AdminLockoutError('You cannot change your own role; ask another admin.', 'SELF_CHANGE')
    if (user.role === 'admin' && user.active && (await otherActiveAdmins(tx, user.id)) === 0) {
      throw new AdminLockoutError(`${user.email} is the last active admin; make someone else an admin first.`)
    }
    await tx.user.update({ where: { id: user.id }, data: { role: input.role } })
    await recordAudit(tx, actor, { action: 'user.role.change', entity: 'user', entityId: user.id, before: { email: user.email, role: user.role }, after: { role: input.role }, ref })
    return { id: user.id, role: input.role }
  })
}

export async function setUserActive(db: PrismaClient, actor: Actor, raw: unknown, ref: string | null = null): Promise<{ id: string; active: boolean }> {
  const input = parseInput(SetUserActiveInputSchema, raw)
  return transaction(db, async (tx) => {
    const user = await loadUserToChange(tx, input.id)
    if (user.active === input.active) return { id: user.id, active: user.active }
    if (!input.active) {
      if (user.id === actor.id) throw new AdminLockoutError('You cannot deactivate your own account; ask another admin.', 'SELF_DEACTIVATE')
      if (user.role === 'admin' && (await otherActiveAdmins(tx, user.id)) === 0) throw new AdminLockoutError(`${user.email} is the last active admin; make someone else an admin first.`)
    }
    await tx.user.update({ where: { id: user.id }, data: { active: input.active } })
    await recordAudit(tx, actor, { action: input.active ? 'user.reactivate' : 'user.deactivate', entity: 'user', entityId: user.id, before: { email: user.email, active: user.active }, after: { active: input.active }, ref })
    return { id: user.id, active: input.active }
  })
}
