// The target of the HTTP fuzz and hostile-input tests: every route handler (v1 and ui) served over
// real HTTP, called by a key that holds every scope and by a signed-in admin, so that input
// validation, not authorisation, is what each request meets.
import path from 'node:path'
import type { PrismaClient } from '@prisma/client'
import { startRouteServer, type RouteServer } from './route-server'
import { createApiKey } from '../../../server/auth/api-keys'
import { startSession } from '../../../server/auth/sessions'
import { SCOPES } from '../../../server/auth/permissions'

/** What the test file's next-auth mock returns (the UI routes ask next-auth for the session). */
export interface MockedSession {
  user?: { id: string; email: string; name: string; role: string; sessionId: string }
}

/** Starts the route server, makes the all-scopes key and signs an admin into `session`. */
export async function startHttpTarget(
  db: PrismaClient,
  name: string,
  session: MockedSession,
): Promise<{ server: RouteServer; key: string }> {
  const key = (await createApiKey(db, { name, scopes: [...SCOPES] })).key
  const admin = await db.user.create({
    data: { email: `${name}-admin@example.com`, name: 'Admin', role: 'admin', passwordHash: 'x' },
  })
  session.user = {
    id: admin.id,
    email: admin.email,
    name: admin.name,
    role: admin.role,
    sessionId: await startSession(db, admin.id),
  }
  const server = await startRouteServer(path.resolve(import.meta.dirname, '../../../app'), ['v1', 'ui'])
  return { server, key }
}
