// A signed-in user changes their password: the current one is checked (a borrowed session is not
// enough), the new one must differ, the forced-change flag clears, and every other session ends.
import bcrypt from 'bcryptjs'
import { z } from 'zod'
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { NotFoundError, ValidationError, describeIssues } from '../errors'
import { recordAudit } from '../audit/record-audit'
import { assertAcceptablePassword, hashPassword } from './passwords'
import { endOtherSessions } from './sessions'

export const ChangePasswordInputSchema = z.object({
  currentPassword: z.string().min(1, 'enter your current password').max(200),
  newPassword: z.string().max(200),
})

export async function changePassword(
  db: PrismaClient,
  user: { id: string; email: string },
  sessionId: string | null,
  raw: unknown,
): Promise<{ changed: true; otherSessionsEnded: number }> {
  const parsed = ChangePasswordInputSchema.safeParse(raw)
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error.issues))
  const { currentPassword, newPassword } = parsed.data
  assertAcceptablePassword(newPassword)
  if (newPassword === currentPassword)
    throw new ValidationError('Choose a password different from the current one.', undefined, 'SAME_PASSWORD')
  const row = await db.user.findUnique({ where: { id: user.id } })
  if (!row || !row.active) throw new NotFoundError('There is no such user.', 'UNKNOWN_USER')
  if (!(await bcrypt.compare(currentPassword, row.passwordHash)))
    throw new ValidationError('The current password is not right.', undefined, 'WRONG_PASSWORD')
  const passwordHash = await hashPassword(newPassword)
  return transaction(db, async (tx) => {
    await tx.user.update({ where: { id: row.id }, data: { passwordHash, mustChangePassword: false } })
    const ended = await endOtherSessions(tx, row.id, sessionId)
    await recordAudit(
      tx,
      { kind: 'user', id: row.id, label: row.email },
      { action: 'user.password.change', entity: 'user', entityId: row.id, after: { otherSessionsEnded: ended } },
    )
    return { changed: true as const, otherSessionsEnded: ended }
  })
}
