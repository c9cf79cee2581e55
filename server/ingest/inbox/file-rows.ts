// The rows of an inventory-events file (CSV, NDJSON, EDI 846), and one chunk of them prepared the
// same way by the inbox and by a source's dry run: rows that could not be read set apart, the rest
// validated and resolved by the events use case, every event traceable to its file row.
import type { Db } from '../../db'
import { prepareEventBatch } from '../ingest-events'

export interface Row {
  line: number
  unit?: 'line' | 'segment'
  event?: Record<string, unknown>
  error?: string
  code?: string
  /** Kept in the dead letter so a fix can replay it. */ raw?: unknown
  sku?: string
}

/** A chunk of rows prepared as one batch numbered from `offset`; `rowOf` gives an event's file row. */
export async function prepareFileRows(db: Db, source: string, chunk: Row[], offset: number) {
  const good = chunk.filter((r) => r.event)
  const unreadable = chunk.filter((r) => !r.event)
  const prepared = await prepareEventBatch(
    db,
    source,
    good.map((r) => r.event),
    offset,
  )
  const rowOf = (index: number): Row => good[index - offset]
  return { good, unreadable, prepared, rowOf }
}
