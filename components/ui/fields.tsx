'use client'
// A form input that reports its text (not the change event), with its accessible name; with a
// `caption` it stands inside a visible <label> as the filter bars and forms show it.
import type { InputHTMLAttributes, ReactNode } from 'react'

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
