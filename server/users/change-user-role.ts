// An admin changes a person's role; never their own, never the last active admin's (admin-lockout.ts).
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { recordAudit, type Actor } from '../audit/record-audit'
import { ROLES } from '../auth/permissions'
import { AdminLockoutError, loadUserToChange, otherActiveAdmins } from './admin-lockout'

export const ChangeRoleInputSchema = z.object({ id: z.string().uuid(), role: z.enum(ROLES) })

export async function changeUserRole(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<{ id: string; role: string }> {
  const input = parseInput(ChangeRoleInputSchema, raw)
  return transaction(db, async (tx) => {
    const user = await loadUserToChange(tx, input.id)
    if (user.role === input.role) return { id: user.id, role: user.role }
    if (user.id === actor.id)
      throw new AdminLockoutError('You cannot change your own role; ask another admin.', 'SELF_CHANGE')
    if (user.role === 'admin' && user.active && (await otherActiveAdmins(tx, user.id)) === 0) {
      throw new AdminLockoutError(`${user.email} is the last active admin; make someone else an admin first.`)
    }
    await tx.user.update({ where: { id: user.id }, data: { role: input.role } })
    await recordAudit(tx, actor, {
      action: 'user.role.change',
      entity: 'user',
      entityId: user.id,
      before: { email: user.email, role: user.role },
      after: { role: input.role },
      ref,
    })
    return { id: user.id, role: input.role }
  })
}
