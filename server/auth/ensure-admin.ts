// Outside demo mode the first start creates the admin named by STOCKTOWER_ADMIN_EMAIL and
// STOCKTOWER_ADMIN_PASSWORD; without them it says how to create one.
import type { Db } from '../db'
import { hashPassword } from './passwords'
import { ValidationError } from '../errors'

export async function ensureAdmin(
  db: Db,
  opts: { email?: string; password?: string },
): Promise<{ created: boolean; message: string }> {
  const admins = await db.user.count({ where: { role: 'admin', active: true } })
  if (admins > 0) return { created: false, message: `[auth] ${admins} admin user(s) present` }
  if (!opts.email || !opts.password) {
    return {
      created: false,
      message:
        '[auth] no admin user yet: set STOCKTOWER_ADMIN_EMAIL and STOCKTOWER_ADMIN_PASSWORD and restart, or run `npm run create-admin -- <email> <password>`',
    }
  }
  await createUser(db, { email: opts.email, password: opts.password, role: 'admin', name: 'Administrator' })
  return { created: true, message: `[auth] created admin ${opts.email}` }
}

export async function createUser(
  db: Db,
  u: {
    email: string
    password: string
    role: 'analyst' | 'merchandiser' | 'support' | 'executive' | 'admin'
    name: string
  },
): Promise<void> {
  const email = u.email.trim().toLowerCase()
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new ValidationError(`"${u.email}" is not an email address.`)
  if (u.password.length < 10) throw new ValidationError('A password needs at least 10 characters.')
  await db.user.upsert({
    where: { email },
    create: { email, name: u.name, role: u.role, passwordHash: await hashPassword(u.password) },
    update: { role: u.role, active: true, passwordHash: await hashPassword(u.password) },
  })
}
