'use client'
// Pieces every settings screen uses: an inline confirmation for destructive changes, Save / Cancel,
// and the once-only secret panel. Running an action and showing its outcome: components/ui/action.tsx.
import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react'
import { EmptyState } from '@/components/ui/empty-state'
import { DataTable, type Column } from '@/components/ui/data-table'
import { SelectOptions } from '@/components/ui/filters'
import { QueryView } from '@/components/ui/query-view'

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
export function SaveCancel({
  pending,
  onCancel,
  label = 'Save',
  disabled = false,
}: {
  pending: boolean
  onCancel: () => void
  label?: string
  /** Not ready to send (a required value missing). */
  disabled?: boolean
}) {
  return (
    <div className="toolbar" style={{ marginTop: 10, marginBottom: 0 }}>
      <button type="submit" className="primary" disabled={pending || disabled}>
        {pending ? 'Saving…' : label}
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

/** A form-grid field: its caption, then its input, inside one <label>. */
export function Field({
  caption,
  onValue,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange'> & { caption: ReactNode; onValue: (value: string) => void }) {
  return (
    <label>
      {caption}
      <input type="text" {...input} onChange={(e) => onValue(e.target.value)} />
    </label>
  )
}

/** A form-grid choice: its caption, then a select of `options` (values, or [value, text]). */
export function SelectField({
  caption,
  value,
  options,
  onValue,
}: {
  caption: ReactNode
  value: string
  options: ReadonlyArray<string | readonly [string, string]>
  onValue: (value: string) => void
}) {
  return (
    <label>
      {caption}
      <select value={value} onChange={(e) => onValue(e.target.value)}>
        <SelectOptions options={options} />
      </select>
    </label>
  )
}

/** `value` and `onValue` of a form's field, for Field and SelectField. */
export function bindField<F extends Record<string, string>>(form: F, setForm: (f: F) => void) {
  return (key: keyof F & string) => ({ value: form[key], onValue: (v: string) => setForm({ ...form, [key]: v }) })
}

/** Why a form was not sent (checked in the browser before any request). */
export function Problem({ text }: { text: string | null }) {
  if (!text) return null
  return (
    <div className="error-box" role="alert">
      {text}
    </div>
  )
}

/** A settings list's states: its error, loading, the empty state when it loaded no rows, else `children(rows)`. */
export function ListState<T>({
  query,
  what,
  rows,
  emptyTitle,
  empty,
  children,
}: {
  query: { error: unknown; isPending: boolean }
  /** What is loading, in words ("Loading channels…"). */
  what: string
  /** The rows to show; undefined until the list has loaded. */
  rows: readonly T[] | undefined
  emptyTitle: string
  empty: ReactNode
  children: (rows: readonly T[]) => ReactNode
}) {
  return (
    <QueryView
      query={{ data: rows, error: query.error, isLoading: query.isPending, isPending: query.isPending }}
      isEmpty={(loaded) => loaded.length === 0}
      empty={<EmptyState title={emptyTitle}>{empty}</EmptyState>}
      pending={<Loading what={what} />}
    >
      {children}
    </QueryView>
  )
}

/** A named thing in a settings list: its name, and its code below it. */
export function NameAndCode({ name, code }: { name: string; code: string }) {
  return (
    <>
      <strong>{name}</strong>
      <div className="mono muted">{code}</div>
    </>
  )
}

/** A settings list as a table: ListState around a DataTable, with the row's buttons in a last column. */
export function ListTable<T>({
  query,
  what,
  rows,
  emptyTitle,
  empty,
  actions,
  ...table
}: Omit<Parameters<typeof ListState<T>>[0], 'children'> &
  Omit<Parameters<typeof DataTable<T>>[0], 'rows'> & {
    /** The buttons of a row (its last, unheaded cell). */
    actions: (row: T) => ReactNode
  }) {
  const columns: ReadonlyArray<Column<T>> = [...table.columns, { header: '', cell: actions }]
  return (
    <ListState query={query} what={what} rows={rows} emptyTitle={emptyTitle} empty={empty}>
      {(loaded) => <DataTable {...table} columns={columns} rows={loaded} />}
    </ListState>
  )
}

/** The rows of a list of things with a code: keyed by it, with the test id `${prefix}-${code}`. */
export function rowsByCode(prefix: string) {
  return {
    rowKey: (r: { code: string }) => r.code,
    row: (r: { code: string }) => ({ 'data-testid': `${prefix}-${r.code}` }),
  }
}
