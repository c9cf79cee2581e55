// CSV for every list the UI exports: one field rule (quoted when needed; spreadsheet formulas
// neutralised against CSV injection) and one pager that walks a keyset-paged list to the end.

export function csvField(v: unknown): string {
  // Numbers are data, not text a person typed: a negative variance stays a number.
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Header, then every row of every page in list order, at most `max` rows. */
export async function* pagedCsv<T extends object>(
  columns: ReadonlyArray<keyof T & string>,
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  max = 100_000,
): AsyncGenerator<string> {
  yield `${columns.join(',')}\n`
  let cursor: string | undefined
  let n = 0
  while (n < max) {
    const p = await page(cursor)
    const rows = p.items.slice(0, max - n)
    if (rows.length) yield rows.map((item) => `${columns.map((c) => csvField(item[c])).join(',')}\n`).join('')
    n += rows.length
    if (!p.nextCursor) return
    cursor = p.nextCursor
  }
}
