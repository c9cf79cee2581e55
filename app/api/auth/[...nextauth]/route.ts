// next-auth's handler behind two doors of our own: a sign-in attempt from an account or address
// that has used up its failures is answered 429 with Retry-After before any password is compared
// (server/auth/sign-in-throttle.ts), and web-server.ts has already capped the body's size.
import NextAuth from 'next-auth'
import { NextResponse } from 'next/server'
import { authOptions, clientAddress } from '@/app/_lib/auth'
import { prisma } from '@/server/db'
import { newRef } from '@/server/errors'
import { signInRetryAfter } from '@/server/auth/sign-in-throttle'

const handler = NextAuth(authOptions)

type Ctx = { params: Promise<{ nextauth: string[] }> }

async function post(req: Request, ctx: Ctx): Promise<Response> {
  const { nextauth } = await ctx.params
  if (nextauth?.[0] === 'callback' && nextauth[1] === 'credentials') {
    let email = ''
    try {
      email = String((await req.clone().formData()).get('email') ?? '')
    } catch {
      /* next-auth answers a malformed body itself */
    }
    const wait = await signInRetryAfter(prisma(), email, clientAddress(req.headers))
    if (wait) {
      const ref = newRef()
      // `url` is what next-auth's client reads the outcome from (`?error=`).
      const url = `${new URL(req.url).origin}/login?error=RateLimited`
      return NextResponse.json(
        {
          url,
          error: {
            code: 'RATE_LIMITED',
            message: `Too many failed sign-ins; try again in ${Math.ceil(wait / 60)} minute(s).`,
            ref,
          },
        },
        { status: 429, headers: { 'Retry-After': String(wait), 'X-Request-Ref': ref } },
      )
    }
  }
  return handler(req, ctx)
}

export { handler as GET, post as POST }
