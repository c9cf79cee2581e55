'use client'
// A form input that reports its text (not the change event), with its accessible name; with a
// `caption` it stands inside a visible <label> as the filter bars and forms show it.
import type { CSSProperties, InputHTMLAttributes, ReactNode } from 'react'

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'aria-label'>

export function TextInput({
  label,
  caption,
  onValue,
  ...input
}: InputProps & {
  /** The accessible name (aria-label). */
  label: string
  /** A visible caption before the input, both inside one <label>. */
  caption?: ReactNode
  onValue: (value: string) => void
}) {
  const field = <input type="text" aria-label={label} {...input} onChange={(e) => onValue(e.target.value)} />
  if (caption === undefined) return field
  return (
    <label>
      {caption} {field}
    </label>
  )
}

/**
 * A one-line form that asks for a note before an action: the text, the confirming button and
 * Cancel, in a toolbar (a reason to reject or discard, a note for an approver).
 */
export function NoteRow({
  label,
  placeholder,
  value,
  onValue,
  confirm,
  disabled,
  onConfirm,
  onCancel,
  testId,
  confirmTestId,
  style,
}: {
  label: string
  placeholder: string
  value: string
  onValue: (value: string) => void
  /** The confirming button's text. */
  confirm: ReactNode
  disabled: boolean
  onConfirm: () => void
  onCancel: () => void
  testId?: string
  confirmTestId?: string
  style?: CSSProperties
}) {
  return (
    <div className="toolbar" data-testid={testId} style={style}>
      <TextInput label={label} placeholder={placeholder} value={value} onValue={onValue} size={40} />
      <button className="primary" disabled={disabled} data-testid={confirmTestId} onClick={onConfirm}>
        {confirm}
      </button>
      <button onClick={onCancel}>Cancel</button>
    </div>
  )
}

/** A required input under its own <label> (the sign-in and password forms stack them so). */
export function StackedField({
  id,
  label,
  onValue,
  ...input
}: InputProps & { id: string; label: string; onValue: (value: string) => void }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} required {...input} onChange={(e) => onValue(e.target.value)} />
    </>
  )
}
