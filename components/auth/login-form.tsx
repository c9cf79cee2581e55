'use client'
import { signIn } from 'next-auth/react'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { StackedField } from '@/components/ui/fields'

export function LoginForm({
  callbackUrl,
  demo,
  initialError,
}: {
  callbackUrl: string
  demo: boolean
  initialError: string | null
}) {
  const router = useRouter()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(initialError)
  const [busy, setBusy] = useState(false)

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    const result = await signIn('credentials', { email, password, redirect: false })
    if (!result || result.error) {
      setBusy(false)
      setError(
        result?.status === 429 || result?.error === 'RateLimited'
          ? 'Too many failed sign-ins for this account or address: wait a few minutes and try again.'
          : 'Sign-in failed: check the email and password.',
      )
      return
    }
    router.replace(callbackUrl)
    router.refresh()
  }

  return (
    <form className="login" onSubmit={onSubmit} aria-label="Sign in">
      <h1>Stocktower</h1>
      <div className="muted">Sign in to the inventory sync control tower.</div>
      {error && (
        <div className="error-box" role="alert" data-testid="login-error" style={{ marginTop: 12 }}>
          {error}
        </div>
      )}
      <StackedField
        id="email"
        name="email"
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onValue={setEmail}
      />
      <StackedField
        id="password"
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
      />
      <button className="primary" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {demo && (
        <div className="hint">
          Demo mode: sign in as <code>analyst@example.com</code>, <code>merchandiser@example.com</code>,{' '}
          <code>support@example.com</code>, <code>executive@example.com</code> or <code>admin@example.com</code> with
          the password <code>stocktower-demo</code>.
        </div>
      )}
    </form>
  )
}
