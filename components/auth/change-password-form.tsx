'use client'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { changePasswordAction } from '@/app/(app)/account/actions'

export function ChangePasswordForm() {
  const router = useRouter()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    setError(null)
    if (next !== repeat) {
      setError('The two new passwords differ.')
      return
    }
    setBusy(true)
    const r = await changePasswordAction({ currentPassword: current, newPassword: next })
    setBusy(false)
    if ('error' in r) {
      setError(r.error.message)
      return
    }
    setDone(true)
    setCurrent('')
    setNext('')
    setRepeat('')
    router.refresh()
  }

  return (
    <form onSubmit={onSubmit} aria-label="Change password" style={{ maxWidth: 420 }}>
      {error && (
        <div className="error-box" role="alert" data-testid="password-error">
          {error}
        </div>
      )}
      {done && (
        <div
          role="status"
          style={{
            border: '1px solid #bfe3c6',
            background: '#eefaf0',
            borderRadius: 8,
            padding: '10px 14px',
            marginBottom: 12,
          }}
          data-testid="password-changed"
        >
          Password changed. Your other sessions are signed out.
        </div>
      )}
      <label htmlFor="current-password">Current password</label>
      <input
        id="current-password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <label htmlFor="new-password">New password (at least 10 characters)</label>
      <input
        id="new-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <label htmlFor="repeat-password">New password again</label>
      <input
        id="repeat-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={repeat}
        onChange={(e) => setRepeat(e.target.value)}
      />
      <button className="primary" type="submit" disabled={busy} style={{ marginTop: 10 }}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  )
}
