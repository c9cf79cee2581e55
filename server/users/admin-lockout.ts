// Invariant: at least one active admin always remains, and an admin cannot lock themself out
// (deactivate or demote their own account). Changes to admins run under one advisory lock, so two
// admins demoting each other at the same moment cannot both succeed and leave none.
import type { Prisma } from '@prisma/client'
import { AppError, NotFoundError } from '../errors'

/** Refused because it would leave nobody able to administer Stocktower, or lock the actor out. */
export class AdminLockoutError extends AppError {
  constructor(message: string, code = 'LAST_ADMIN') {
    super(code, message, 409)
  }
}

export const lockAdmins = (tx: Prisma.TransactionClient) =>
  tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:user-admins'))`)

export async function otherActiveAdmins(tx: Prisma.TransactionClient, userId: string): Promise<number> {
  return tx.user.count({ where: { role: 'admin', active: true, id: { not: userId } } })
}

/** The user a change is about, loaded with the admins locked (the last-admin checks race otherwise). */
export async function loadUserToChange(tx: Prisma.TransactionClient, id: string) {
  await lockAdmins(tx)
  const user = await tx.user.findUnique({ where: { id } })
  if (!user) throw new NotFoundError('There is no such user.', 'UNKNOWN_USER')
  return user
}
