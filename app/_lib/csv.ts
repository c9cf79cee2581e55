// A CSV download streamed from an async generator of lines (server/paging/csv.ts makes them), and
// the two shapes of export route the screens link to: a keyset-paged list walked to its end with
// the list's own filters, and a table of rows already in hand (one line per row).
import { NextResponse } from 'next/server'
import { prisma } from '@/server/db'
import type { Action } from '@/server/auth/permissions'
import { csvField, pagedCsv } from '@/server/paging/csv'
import { userRoute } from './api'
import { textStream } from './text-stream'

export function csvResponse(lines: AsyncGenerator<string>, name: string): NextResponse {
  return new NextResponse(textStream(lines), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="stocktower-${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
    },
  })
}

/**
 * GET for a list's "Export CSV": the list's query parsed as the list route parses it (so the file
 * holds what the screen filters), then every page of the list, `columns` in that order.
 */
export function pagedCsvRoute<F extends object, T extends object>(opts: {
  action: Action
  parse: (req: Request) => F
  list: (
    db: ReturnType<typeof prisma>,
    f: F & { cursor: string | undefined; limit: number },
  ) => Promise<{
    items: T[]
    nextCursor: string | null
  }>
  columns: ReadonlyArray<keyof T & string>
  name: string
}) {
  return userRoute(opts.action, async ({ req }) => {
    const f = opts.parse(req)
    return csvResponse(
      pagedCsv(opts.columns, (cursor) => opts.list(prisma(), { ...f, cursor, limit: 200 })),
      opts.name,
    )
  })
}

/** A header line, then one line per row with the fields `fields` picks from it. */
export async function* rowsCsv<T>(header: readonly string[], rows: Iterable<T>, fields: (row: T) => unknown[]) {
  yield `${header.join(',')}\n`
  for (const row of rows) yield `${fields(row).map(csvField).join(',')}\n`
}
