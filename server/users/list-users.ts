// What the users screen shows: never a password hash.
import type { Db } from '../db'
import { ROLES } from '../auth/permissions'

export interface UserView {
  id: string
  email: string
  name: string
  role: string
  active: boolean
  createdAt: string
  lastLoginAt: string | null
  me: boolean
}

export async function listUsers(db: Db, viewerId: string | null): Promise<{ items: UserView[]; roles: string[] }> {
  const users = await db.user.findMany({ orderBy: [{ active: 'desc' }, { email: 'asc' }], take: 1000 })
  return {
    items: users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      active: u.active,
      createdAt: u.createdAt.toISOString(),
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
      me: u.id === viewerId,
    })),
    roles: [...ROLES],
  }
}
