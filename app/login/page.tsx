import { redirect } from 'next/navigation'
import { currentUser } from '@/app/_lib/auth'
import { config } from '@/server/env'
import { LoginForm } from '@/components/auth/login-form'

export const dynamic = 'force-dynamic'

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const params = await searchParams
  if (await currentUser()) redirect(safeCallback(params.callbackUrl))
  return (
    <div className="login-wrap">
      <LoginForm callbackUrl={safeCallback(params.callbackUrl)} demo={config().demo} initialError={params.error ? 'Sign-in failed: check the email and password.' : null} />
    </div>
  )
}

/** Only same-site paths: a sign-in link must not become an open redirect. */
function safeCallback(raw: string | undefined): string {
  if (!raw) return '/'
  try {
    const url = new URL(raw, 'http://stocktower.local')
    return url.origin === 'http://stocktower.local' || raw.startsWith('http') ? `${url.pathname}${url.search}` : '/'
  } catch {
    return '/'
  }
}
