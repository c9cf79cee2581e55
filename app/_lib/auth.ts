// next-auth (v4) with its credentials provider; JWT sessions carry the user's id and role.
import type { NextAuthOptions } from 'next-auth'
import { getServerSession } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import { redirect } from 'next/navigation'
import { z } from 'zod'
import { prisma } from '@/server/db'
import { verifyCredentials } from '@/server/auth/passwords'
import { can, type Action } from '@/server/auth/permissions'
import { ForbiddenError, UnauthorizedError } from '@/server/errors'

const Credentials = z.object({ email: z.string().email(), password: z.string().min(1) })

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  pages: { signIn: '/login' },
  providers: [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw) {
        const parsed = Credentials.safeParse(raw)
        if (!parsed.success) return null
        const user = await verifyCredentials(prisma(), parsed.data.email, parsed.data.password)
        return user ? { id: user.id, email: user.email, name: user.name, role: user.role } : null
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) { token.uid = user.id; token.role = (user as { role?: string }).role }
      return token
    },
    async session({ session, token }) {
      if (session.user) {
        ;(session.user as SessionUser).id = token.uid as string
        ;(session.user as SessionUser).role = token.role as string
      }
      return session
    },
  },
}

export interface SessionUser { id: string; email: string; name: string; role: string }

/**
 * The signed-in user as the database has them now: a deactivated account is signed out at its next
 * request and a changed role applies at once (the session token only says who signed in).
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions)
  const u = session?.user as Partial<SessionUser> | undefined
  if (!u?.id) return null
  const row = await prisma().user.findUnique({ where: { id: u.id }, select: { email: true, name: true, role: true, active: true } })
  if (!row || !row.active) return null
  return { id: u.id, email: row.email, name: row.name ?? '', role: row.role }
}

/**
 * For pages: signed-in or redirected to the sign-in page; with `action`, a role that may not do it
 * is sent to the "not allowed" page instead of seeing an error.
 */
export async function requirePageUser(action?: Action): Promise<SessionUser> {
  const user = await currentUser()
  if (!user) redirect('/login')
  if (action && !can(user.role, action)) redirect(`/forbidden?need=${encodeURIComponent(action)}`)
  return user
}

/** For UI route handlers and server actions: the user, allowed to do `action`, or a typed error. */
export async function requireUserWith(action: Action): Promise<SessionUser> {
  const user = await currentUser()
  if (!user) throw new UnauthorizedError('Sign in first.')
  if (!can(user.role, action)) throw new ForbiddenError(`Your role (${user.role}) may not do this.`)
  return user
}
