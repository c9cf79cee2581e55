'use client'
// Previous / Next over a keyset-paged list: `cursors` is the stack of cursors of the pages before
// this one (empty on the first page), `nextCursor` what the server returned for the next page.
import { useState } from 'react'

export function CursorPager({
  cursors,
  setCursors,
  nextCursor,
}: {
  cursors: string[]
  setCursors: (next: string[]) => void
  nextCursor: string | null | undefined
}) {
  return (
    <div className="pager">
      <button disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        Previous
      </button>
      <button disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>
        Next
      </button>
    </div>
  )
}

/** The cursor stack of a keyset-paged list and the cursor of the page shown (empty: the first). */
export function useCursors() {
  const [cursors, setCursors] = useState<string[]>([])
  return { cursors, setCursors, cursor: cursors[cursors.length - 1] ?? '' }
}
