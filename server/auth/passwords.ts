import bcrypt from 'bcryptjs'
import type { Db } from '../db'

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, 10)
}

export interface SessionUser { id: string; email: string; name: string; role: string }

/** The credentials check behind sign-in; a wrong password and an unknown email look the same. */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<SessionUser | null> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } })
  if (!user || !user.active) return null
  if (!(await bcrypt.compare(password, user.passwordHash))) return null
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } })
  return { id: user.id, email: user.email, name: user.name, role: user.role }
}
