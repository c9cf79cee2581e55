// Demo accounts (`<role>@example.com`) have the well-known password from docs/api.md ("Demo mode") only while
// the product listens on loopback. Exposed (HOST set to a public address) they get a password
// generated at each start and printed once, so a README password never opens a reachable server.
import crypto from 'node:crypto'
import type { Db } from '../db'
import { hashPassword } from './passwords'
import { ROLES } from './permissions'

export const DEMO_EMAILS = ROLES.map((r) => `${r}@example.com`)

export function generatedDemoPassword(): string {
  return `demo-${crypto.randomBytes(12).toString('base64url')}`
}

/** Sets every demo account's password (they are demo accounts: nobody else's password changes). */
export async function setDemoPasswords(db: Db, password: string): Promise<number> {
  const passwordHash = await hashPassword(password)
  const r = await db.user.updateMany({
    where: { email: { in: DEMO_EMAILS } },
    data: { passwordHash, mustChangePassword: false },
  })
  return r.count
}
