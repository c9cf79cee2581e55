// What a list query shows: its error, "Loading…" the first time, an empty state when nothing
// matches, or the list. `loading` text switches to the one-at-a-time form: a status line while
// pending, else the error alone, else the list (the older form keeps the last list under an error).
import type { ReactNode } from 'react'
import { ErrorBox } from './empty-state'

interface ListQuery<D> {
  data: D | undefined
  error: unknown
  isLoading: boolean
  isPending: boolean
}

export function QueryView<D>({
  query,
  isEmpty,
  empty,
  loading,
  pending = <div className="muted">Loading…</div>,
  children,
}: {
  query: ListQuery<D>
  isEmpty: (data: D) => boolean
  /** What stands in for the list when nothing matches (an EmptyState). */
  empty: ReactNode
  /** With a text: shown alone (role="status") until the first answer, and an error replaces the list. */
  loading?: string
  /** What stands in for the list until its first answer (default "Loading…"). */
  pending?: ReactNode
  children: (data: D) => ReactNode
}) {
  const body = (data: D) => (isEmpty(data) ? empty : children(data))
  if (loading !== undefined) {
    if (query.isPending)
      return (
        <div className="muted" role="status">
          {loading}
        </div>
      )
    if (query.error || query.data === undefined) return <ErrorBox error={query.error} />
    return body(query.data)
  }
  return (
    <>
      {query.error ? <ErrorBox error={query.error} /> : null}
      {query.isLoading && pending}
      {query.data !== undefined && body(query.data)}
    </>
  )
}
