// next-auth (v4) with its credentials provider. The JWT carries the user's id and a server-side
// session id (server/auth/sessions.ts): every request re-reads the user and the session, so a
// deactivated user, a changed role or a sign-out applies at once.
import type { NextAuthOptions } from 'next-auth'
import { getServerSession } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import { redirect } from 'next/navigation'
import { z } from 'zod'
import { prisma } from '@/server/db'
import { verifyCredentials, type SessionUser as VerifiedUser } from '@/server/auth/passwords'
import { can, type Action } from '@/server/auth/permissions'
import { safeRedirectPath } from '@/server/auth/safe-redirect'
import { activeSessionUser, endSession, startSession } from '@/server/auth/sessions'
import { recordFailedSignIn, recordSuccessfulSignIn, signInRetryAfter } from '@/server/auth/sign-in-throttle'
import { ForbiddenError, UnauthorizedError } from '@/server/errors'
import { PasswordChangeRequiredError } from '@/server/auth/auth-errors'
import { decodeSessionToken, encodeSessionToken } from './session-jwt'

export const Credentials = z.object({ email: z.string().trim().max(320).email(), password: z.string().min(1).max(200) })

/** The client address web-server.ts took from the socket (never a header the client chose). */
export function clientAddress(headers: Record<string, unknown> | Headers | undefined): string {
  if (!headers) return 'unknown'
  const v = headers instanceof Headers ? headers.get('x-stocktower-remote-addr') : headers['x-stocktower-remote-addr']
  return typeof v === 'string' && v ? v : 'unknown'
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  jwt: { encode: encodeSessionToken, decode: decodeSessionToken },
  pages: { signIn: '/login' },
  providers: [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw, req) {
        const parsed = Credentials.safeParse(raw)
        if (!parsed.success) return null
        const db = prisma()
        const address = clientAddress(req?.headers as Record<string, unknown> | undefined)
        // The route answers 429 before this; checking again here closes the race between the two.
        if (await signInRetryAfter(db, parsed.data.email, address)) return null
        const user = await verifyCredentials(db, parsed.data.email, parsed.data.password)
        if (!user) {
          await recordFailedSignIn(db, parsed.data.email, address)
          return null
        }
        await recordSuccessfulSignIn(db, parsed.data.email)
        return { id: user.id, email: user.email, name: user.name, role: user.role }
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.uid = user.id
        token.role = (user as { role?: string }).role
        token.sid = await startSession(prisma(), user.id)
      }
      return token
    },
    async session({ session, token }) {
      if (session.user) {
        ;(session.user as SessionUser).id = token.uid as string
        ;(session.user as SessionUser).role = token.role as string
        ;(session.user as SessionUser).sessionId = token.sid as string
      }
      return session
    },
    // Only paths on this site (and this site's own absolute URLs): no open redirect through sign-in or sign-out.
    async redirect({ url, baseUrl }) {
      return `${baseUrl}${safeRedirectPath(url, { ownOrigin: baseUrl })}`
    },
  },
  events: {
    async signOut({ token }) {
      if (typeof token?.sid === 'string') await endSession(prisma(), token.sid)
    },
  },
}

/** The verified user (server/auth/passwords.ts) and the session their sign-in started. */
export interface SessionUser extends VerifiedUser {
  sessionId: string
}

/**
 * The signed-in user as the database has them now: a deactivated account or an ended session is
 * signed out at its next request and a changed role applies at once.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions)
  const u = session?.user as Partial<SessionUser> | undefined
  if (!u?.id) return null
  const row = await activeSessionUser(prisma(), u.sessionId, u.id)
  if (!row) return null
  return {
    id: row.id,
    email: row.email,
    name: row.name ?? '',
    role: row.role,
    mustChangePassword: row.mustChangePassword,
    sessionId: u.sessionId!,
  }
}

/**
 * For pages: signed-in or redirected to the sign-in page; a user who must change their password
 * is sent to do so first (`passwordChange: true` for the layout and the password page itself);
 * with `action`, a role that may not do it is sent to the "not allowed" page.
 */
export async function requirePageUser(action?: Action, opts: { passwordChange?: boolean } = {}): Promise<SessionUser> {
  const user = await currentUser()
  if (!user) redirect('/login')
  if (user.mustChangePassword && !opts.passwordChange) redirect('/account/password')
  if (action && !can(user.role, action)) redirect(`/forbidden?need=${encodeURIComponent(action)}`)
  return user
}

/** For UI route handlers and server actions: the user, allowed to do `action`, or a typed error. */
export async function requireUserWith(action: Action): Promise<SessionUser> {
  const user = await currentUser()
  if (!user) throw new UnauthorizedError('Sign in first.')
  if (user.mustChangePassword) throw new PasswordChangeRequiredError()
  if (!can(user.role, action)) throw new ForbiddenError(`Your role (${user.role}) may not do this.`)
  return user
}

export { safeRedirectPath }
