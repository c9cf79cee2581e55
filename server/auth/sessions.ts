// Server-side sessions behind next-auth's JWT: the token carries a session id, and a session is
// valid only while its row is open and its user is active. Signing out or changing the password
// closes the row, so a copied cookie dies at once instead of living out the JWT's 12 hours.
import type { Db } from '../db'

export async function startSession(db: Db, userId: string): Promise<string> {
  const row = await db.userSession.create({ data: { userId }, select: { id: true } })
  return row.id
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return
  await db.userSession.updateMany({ where: { id: sessionId, endedAt: null }, data: { endedAt: new Date() } })
}

/** Ends every session of a user but `keep` (the one that changed the password stays signed in). */
export async function endOtherSessions(db: Db, userId: string, keep: string | null): Promise<number> {
  const r = await db.userSession.updateMany({
    where: { userId, endedAt: null, ...(keep ? { id: { not: keep } } : {}) },
    data: { endedAt: new Date() },
  })
  return r.count
}

export interface ActiveSessionUser {
  id: string
  email: string
  name: string
  role: string
  mustChangePassword: boolean
}

/** The user behind an open session, as the database has them now; null when ended, unknown or deactivated. */
export async function activeSessionUser(
  db: Db,
  sessionId: string | undefined,
  userId: string | undefined,
): Promise<ActiveSessionUser | null> {
  if (!sessionId || !userId || !/^[0-9a-f-]{36}$/i.test(sessionId) || !/^[0-9a-f-]{36}$/i.test(userId)) return null
  const rows = await db.$queryRawUnsafe<Array<ActiveSessionUser>>(
    `SELECT u.id, u.email, u.name, u.role::text AS role, u."mustChangePassword" AS "mustChangePassword"
       FROM "UserSession" s JOIN "User" u ON u.id = s."userId"
      WHERE s.id = $1::uuid AND s."userId" = $2::uuid AND s."endedAt" IS NULL AND u.active`,
    sessionId,
    userId,
  )
  return rows[0] ?? null
}
