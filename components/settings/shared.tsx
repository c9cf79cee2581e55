'use client'
// Pieces every settings screen uses: an inline confirmation for destructive changes, Save / Cancel,
// and the once-only secret panel. Running an action and showing its outcome: components/ui/action.tsx.
import { useId, useState, type ReactNode } from 'react'

/** An inline confirmation: states what will happen and needs a second, explicit click. */
export function ConfirmBar({
  title,
  children,
  confirmLabel,
  danger = true,
  pending,
  onConfirm,
  onCancel,
}: {
  title: string
  children?: ReactNode
  confirmLabel: string
  danger?: boolean
  pending: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const id = useId()
  return (
    <div
      className="confirm"
      role="alertdialog"
      aria-labelledby={`${id}-t`}
      aria-describedby={`${id}-d`}
      data-testid="confirm"
    >
      <strong id={`${id}-t`}>{title}</strong>
      <div id={`${id}-d`} className="muted">
        {children}
      </div>
      <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
        <button
          className={danger ? 'danger' : 'primary'}
          disabled={pending}
          onClick={onConfirm}
          data-testid="confirm-yes"
        >
          {pending ? 'Working…' : confirmLabel}
        </button>
        <button disabled={pending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}

/** A settings form's Save (submits the form) and Cancel (closes it without saving). */
export function SaveCancel({ pending, onCancel }: { pending: boolean; onCancel: () => void }) {
  return (
    <div className="toolbar" style={{ marginTop: 10, marginBottom: 0 }}>
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </button>
      <button type="button" onClick={onCancel} disabled={pending}>
        Cancel
      </button>
    </div>
  )
}

/** A secret shown exactly once, with a copy button; closing it forgets it in this tab too. */
export function OneTimeSecret({
  title,
  secret,
  children,
  onDone,
}: {
  title: string
  secret: string
  children?: ReactNode
  onDone: () => void
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  const id = useId()
  return (
    <div className="secret-once" role="region" aria-labelledby={`${id}-t`} data-testid="one-time-secret">
      <strong id={`${id}-t`}>{title}</strong>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Stocktower keeps only a hash (or an encrypted copy it
        never shows); if it is lost, create a new one.
      </p>
      {children}
      <div className="toolbar" style={{ marginBottom: 0 }}>
        <label htmlFor={`${id}-v`} className="sr-only">
          Secret value
        </label>
        <input
          id={`${id}-v`}
          type="text"
          readOnly
          value={secret}
          className="mono secret-value"
          onFocus={(e) => e.currentTarget.select()}
          data-testid="secret-value"
        />
        <button
          type="button"
          className="primary"
          onClick={() => {
            navigator.clipboard?.writeText(secret).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            ) ?? setCopied('failed')
          }}
        >
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
        {copied === 'yes' && (
          <span role="status" className="muted">
            Copied.
          </span>
        )}
        {copied === 'failed' && (
          <span role="status" className="muted">
            Copy failed: select the text and copy it by hand.
          </span>
        )}
      </div>
    </div>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="empty" role="status" aria-live="polite" data-testid="loading">
      Loading {what}…
    </div>
  )
}
