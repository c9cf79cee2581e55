'use client'
// The cells of the rule editors: an editor sees a control, a viewer the value in words. Each rule
// table (safety stock, feeds, order exceptions, allocation windows) builds its rows from these, so a
// choice that is no longer offered (a channel since removed) still shows and stays selected.
import type { ReactNode } from 'react'

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

/** A yes / no flag. */
export function FlagCell({
  canEdit,
  label,
  checked,
  onChange,
}: {
  canEdit: boolean
  label: string
  checked: boolean
  onChange: (checked: boolean) => void
}) {
  if (!canEdit) return <>{checked ? 'yes' : 'no'}</>
  return <input type="checkbox" aria-label={label} checked={checked} onChange={(e) => onChange(e.target.checked)} />
}

/** The last cell of an editable rule row: removes the row (only editors see the cell). */
export function RemoveCell({ canEdit, label, onRemove }: { canEdit: boolean; label: string; onRemove: () => void }) {
  if (!canEdit) return null
  return (
    <td>
      <RemoveButton label={label} onRemove={onRemove} />
    </td>
  )
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
