'use client'
// The filter bar pieces every list screen shows: a labelled select with an "any" choice, a search
// box that applies on Enter or when it loses focus, the older newest/oldest order picker, and the
// "Export CSV" link. Filters live in the URL (useUrlFilter) so a filtered view is a link to share.
import type { CSSProperties } from 'react'
import { useRouter, useSearchParams } from 'next/navigation'
import { useCursors } from './cursor-pager'

export type FilterOption = string | { value: string; label: string }

/** A select's options: a value shown as itself (through `format`), `{ value, label }` or `[value, label]`. */
export function SelectOptions({
  options,
  format = (v) => v,
}: {
  options: ReadonlyArray<FilterOption | readonly [string, string]>
  format?: (value: string) => string
}) {
  return options.map((o) => {
    const [v, text] = typeof o === 'string' ? [o, format(o)] : 'value' in o ? [o.value, o.label] : o
    return (
      <option key={v} value={v}>
        {text}
      </option>
    )
  })
}

/** `<label>Name <select aria-label="Name">…</select></label>`; `any` adds a first empty choice. */
export function SelectFilter({
  label,
  value,
  options,
  onChange,
  any = 'any',
  format = (v) => v,
  caption = label,
}: {
  label: string
  value: string
  options: readonly FilterOption[]
  onChange: (value: string) => void
  any?: string | null
  format?: (value: string) => string
  /** The visible text before the select, when it is not the accessible name (`label`). */
  caption?: string
}) {
  return (
    <label>
      {caption}{' '}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        {any !== null && <option value="">{any}</option>}
        <SelectOptions options={options} format={format} />
      </select>
    </label>
  )
}

/** A search box that commits its trimmed text on Enter and on blur (not on every key). */
export function SearchFilter({
  label,
  defaultValue,
  placeholder,
  size,
  onCommit,
}: {
  label: string
  defaultValue: string
  placeholder: string
  size: number
  onCommit: (value: string) => void
}) {
  return (
    <label>
      {label}{' '}
      <input
        type="search"
        aria-label={label}
        defaultValue={defaultValue}
        placeholder={placeholder}
        onBlur={(e) => onCommit(e.target.value.trim())}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onCommit(e.currentTarget.value.trim())
        }}
        size={size}
      />
    </label>
  )
}

/** Newest / oldest first; the empty URL value is "newest" so default links stay short. */
export function OrderFilter({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Order{' '}
      <select
        aria-label="Order"
        value={value || 'recent'}
        onChange={(e) => onChange(e.target.value === 'recent' ? '' : e.target.value)}
      >
        <option value="recent">newest first</option>
        <option value="oldest">oldest first</option>
      </select>
    </label>
  )
}

/** The download link for a list's CSV export with the same filters as the screen. */
export function ExportLink({
  href,
  testId,
  style,
  right = false,
}: {
  href: string
  testId: string
  style?: CSSProperties
  /** At the right end of its toolbar. */
  right?: boolean
}) {
  return (
    <a
      className="button"
      style={right ? { marginLeft: 'auto', ...style } : style}
      href={href}
      download
      data-testid={testId}
    >
      Export CSV
    </a>
  )
}

/** The non-empty entries of a filter as a query string. */
export function filterQuery(filter: Record<string, string>): string {
  return new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString()
}

/** Sets (or, when empty, removes) one URL search parameter of the page at `path`. */
export function useUrlFilter(path: string) {
  const router = useRouter()
  const params = useSearchParams()
  return (name: string, value: string) => {
    const next = new URLSearchParams(params.toString())
    if (value) next.set(name, value)
    else next.delete(name)
    router.replace(`${path}?${next.toString()}`)
  }
}

/**
 * A keyset-paged list's filter from the URL: each named parameter (its default when absent), the
 * cursor stack, the query string of the page shown, and `set`, which starts a new filter on page one.
 */
export function useListFilter<K extends string>(
  path: string,
  names: readonly K[],
  defaults: Partial<Record<K, string>> = {},
) {
  const params = useSearchParams()
  const setParam = useUrlFilter(path)
  const pager = useCursors()
  const filter = Object.fromEntries(names.map((n) => [n, params.get(n) ?? defaults[n] ?? ''])) as Record<K, string>
  const set = (name: string, value: string) => {
    pager.setCursors([])
    setParam(name, value)
  }
  return { ...pager, filter, set, qs: filterQuery({ ...filter, cursor: pager.cursor }) }
}

/** A screen-wide picker in the page head (the dashboard's range, the KPI window): a muted caption, then the select. */
export function HeadSelect({
  label,
  testId,
  value,
  options,
  onChange,
}: {
  label: string
  testId: string
  value: string
  options: ReadonlyArray<{ value: string; label: string }>
  onChange: (value: string) => void
}) {
  return (
    <label className="toolbar" style={{ marginBottom: 0 }}>
      <span className="muted">{label}</span>
      <select aria-label={label} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  )
}
