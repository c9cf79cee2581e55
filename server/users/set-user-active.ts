// An admin deactivates or reactivates a person; never themself, never the last active admin (admin-lockout.ts).
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { recordAudit, type Actor } from '../audit/record-audit'
import { AdminLockoutError, loadUserToChange, otherActiveAdmins } from './admin-lockout'

export const SetUserActiveInputSchema = z.object({ id: z.string().uuid(), active: z.boolean() })

export async function setUserActive(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<{ id: string; active: boolean }> {
  const input = parseInput(SetUserActiveInputSchema, raw)
  return transaction(db, async (tx) => {
    const user = await loadUserToChange(tx, input.id)
    if (user.active === input.active) return { id: user.id, active: user.active }
    if (!input.active) {
      if (user.id === actor.id)
        throw new AdminLockoutError('You cannot deactivate your own account; ask another admin.', 'SELF_DEACTIVATE')
      if (user.role === 'admin' && (await otherActiveAdmins(tx, user.id)) === 0)
        throw new AdminLockoutError(`${user.email} is the last active admin; make someone else an admin first.`)
    }
    await tx.user.update({ where: { id: user.id }, data: { active: input.active } })
    await recordAudit(tx, actor, {
      action: input.active ? 'user.reactivate' : 'user.deactivate',
      entity: 'user',
      entityId: user.id,
      before: { email: user.email, active: user.active },
      after: { active: input.active },
      ref,
    })
    return { id: user.id, active: input.active }
  })
}
