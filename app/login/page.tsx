import { redirect } from 'next/navigation'
import { currentUser } from '@/app/_lib/auth'
import { safeRedirectPath } from '@/server/auth/safe-redirect'
import { config } from '@/server/env'
import { LoginForm } from '@/components/auth/login-form'

export const dynamic = 'force-dynamic'

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; error?: string }>
}) {
  const params = await searchParams
  if (await currentUser()) redirect(safeCallback(params.callbackUrl))
  return (
    <div className="login-wrap">
      <LoginForm
        callbackUrl={safeCallback(params.callbackUrl)}
        demo={config().demo && config().loopbackOnly}
        initialError={
          params.error === 'RateLimited'
            ? 'Too many failed sign-ins for this account or address: wait a few minutes and try again.'
            : params.error
              ? 'Sign-in failed: check the email and password.'
              : null
        }
      />
    </div>
  )
}

/** Only same-site paths: a sign-in link must not become an open redirect (server/auth/safe-redirect.ts). */
function safeCallback(raw: string | string[] | undefined): string {
  return safeRedirectPath(typeof raw === 'string' ? raw : undefined)
}
