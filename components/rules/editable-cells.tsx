'use client'
// The cells of the rule editors: an editor sees a control, a viewer the value in words. Each rule
// table (channels, safety stock, feeds, order exceptions, allocation windows) builds its rows from
// these, so a choice that is no longer offered (a channel since removed) still shows and stays selected.
import type { InputHTMLAttributes, ReactNode } from 'react'
import type { Column } from '@/components/ui/data-table'

type InputAttrs = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'aria-label' | 'width'>

/** An input's text as a number, or undefined when it is empty (the rule is then unset). */
export const numOrUndef = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v))

/** A number; a cleared input reports undefined. A viewer sees `shown`, else the value or `unset`. */
export function NumberCell({
  canEdit,
  label,
  value,
  onChange,
  width,
  shown,
  unset = '—',
  ...input
}: InputAttrs & {
  canEdit: boolean
  label: string
  value: number | null | undefined
  onChange: (value: number | undefined) => void
  width: number
  shown?: ReactNode
  unset?: ReactNode
}) {
  if (!canEdit) return <>{shown !== undefined ? shown : (value ?? unset)}</>
  return (
    <input
      type="number"
      aria-label={label}
      {...input}
      value={value ?? ''}
      onChange={(e) => onChange(numOrUndef(e.target.value))}
      style={{ width }}
    />
  )
}

/** A line of text (or another input type, e.g. datetime-local); a viewer sees `shown`, else the value. */
export function TextCell({
  canEdit,
  label,
  value,
  onChange,
  shown,
  ...input
}: InputAttrs & {
  canEdit: boolean
  label: string
  value: string
  onChange: (value: string) => void
  shown?: ReactNode
}) {
  if (!canEdit) return <>{shown !== undefined ? shown : value}</>
  return <input type="text" aria-label={label} {...input} value={value} onChange={(e) => onChange(e.target.value)} />
}

/** One of fixed `options` ([value, text]); a viewer sees the chosen one's text. */
export function OptionCell({
  canEdit,
  label,
  value,
  options,
  onChange,
}: {
  canEdit: boolean
  label: string
  value: string
  options: ReadonlyArray<readonly [string, string]>
  onChange: (value: string) => void
}) {
  if (!canEdit) return <>{options.find(([v]) => v === value)?.[1] ?? value}</>
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {options.map(([v, text]) => (
        <option key={v} value={v}>
          {text}
        </option>
      ))}
    </select>
  )
}

/** A choice among `choices` (plus the current value) or `none` (stored as undefined). */
export function ChoiceCell({
  canEdit,
  label,
  value,
  choices,
  none,
  onChange,
}: {
  canEdit: boolean
  label: string
  value: string | undefined
  choices: readonly string[]
  none: string
  onChange: (value: string | undefined) => void
}) {
  if (!canEdit) return <>{value ?? none}</>
  return (
    <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
      <option value="">{none}</option>
      {[...new Set([...choices, ...(value ? [value] : [])])].map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  )
}

/** A yes / no flag (a viewer reads `yes` or `no`). */
export function FlagCell({
  canEdit,
  label,
  checked,
  onChange,
  yes = 'yes',
  no = 'no',
}: {
  canEdit: boolean
  label: string
  checked: boolean
  onChange: (checked: boolean) => void
  yes?: string
  no?: string
}) {
  if (!canEdit) return <>{checked ? yes : no}</>
  return <input type="checkbox" aria-label={label} checked={checked} onChange={(e) => onChange(e.target.checked)} />
}

/** The last column of an editable rule table: removes the row (only editors see the column). */
export function removeColumn<T>(canEdit: boolean, label: (row: T) => string, onRemove: (row: T) => void): Column<T>[] {
  return canEdit ? [{ header: '', cell: (r) => <RemoveButton label={label(r)} onRemove={() => onRemove(r)} /> }] : []
}

export function RemoveButton({
  label,
  onRemove,
  children,
}: {
  label: string
  onRemove: () => void
  children?: ReactNode
}) {
  return (
    <button aria-label={label} onClick={onRemove}>
      {children ?? 'Remove'}
    </button>
  )
}
