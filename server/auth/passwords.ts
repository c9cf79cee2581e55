import bcrypt from 'bcryptjs'
import type { Db } from '../db'
import { ValidationError } from '../errors'

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, 10)
}

export const MIN_PASSWORD_LENGTH = 10
/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated. */
export const MAX_PASSWORD_BYTES = 72

export function assertAcceptablePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new ValidationError(
      `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
      undefined,
      'WEAK_PASSWORD',
    )
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES)
    throw new ValidationError(
      `A password may be at most ${MAX_PASSWORD_BYTES} bytes long.`,
      undefined,
      'PASSWORD_TOO_LONG',
    )
}

export interface SessionUser {
  id: string
  email: string
  name: string
  role: string
  mustChangePassword: boolean
}

// A hash of nothing anyone knows, with the same cost as real ones: an unknown or deactivated
// account still pays one bcrypt comparison, so the answer's timing does not say which emails exist.
let dummyHash: Promise<string> | undefined
const dummy = () => (dummyHash ??= bcrypt.hash(`stocktower-dummy-${Math.random()}`, 10))

/** The credentials check behind sign-in; a wrong password and an unknown email look the same (and take as long). */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<SessionUser | null> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } })
  const ok = await bcrypt.compare(password, user?.passwordHash ?? (await dummy()))
  if (!user || !user.active || !ok) return null
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } })
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
  }
}
