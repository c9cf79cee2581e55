'use client'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { changePasswordAction } from '@/app/(app)/account/actions'
import { StackedField } from '@/components/ui/fields'

export function ChangePasswordForm() {
  const router = useRouter()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)

  const newFields = [
    ['new-password', 'New password (at least 10 characters)', next, setNext],
    ['repeat-password', 'New password again', repeat, setRepeat],
  ] as const

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
      <StackedField
        id="current-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
      />
      {newFields.map(([id, label, value, onValue]) => (
        <StackedField
          key={id}
          id={id}
          label={label}
          type="password"
          autoComplete="new-password"
          minLength={10}
          value={value}
          onValue={onValue}
        />
      ))}
      <button className="primary" type="submit" disabled={busy} style={{ marginTop: 10 }}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  )
}
