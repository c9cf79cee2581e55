// A route's query string read once, the same way everywhere: a filter object parsed by its zod
// schema (empty values mean "any"; a bad one is a 400 INVALID_FILTER naming the field), and a
// choice among fixed names (a KPI window, a dashboard range) with its default, and a list's plain
// text filters, page and order.
import type { z } from 'zod'
import { ValidationError, describeIssues } from '@/server/errors'
import { pageSize } from '@/server/paging/cursor'

export function parseFilter<S extends z.ZodType>(req: Request, schema: S): z.infer<S> {
  const parsed = schema.safeParse(Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== '')))
  if (!parsed.success)
    throw new ValidationError(
      `Invalid filter: ${describeIssues(parsed.error.issues, { sep: ' ' })}`,
      undefined,
      'INVALID_FILTER',
    )
  return parsed.data
}

/** The query parameter `name` as one of the keys of `choices` (absent: `dflt`), else a 400 `code`. */
export function oneOf<K extends string>(
  req: Request,
  name: string,
  choices: Record<K, unknown>,
  dflt: K,
  code: string,
): K {
  const v = new URL(req.url).searchParams.get(name) ?? dflt
  if (!Object.hasOwn(choices, v))
    throw new ValidationError(`"${name}" must be one of ${Object.keys(choices).join(', ')}.`, undefined, code)
  return v as K
}

/** The query parameters `names` as optional texts (an empty value is absent). */
export function textParams<K extends string>(req: Request, names: readonly K[]): Record<K, string | undefined> {
  const q = new URL(req.url).searchParams
  return Object.fromEntries(names.map((k) => [k, q.get(k) || undefined])) as Record<K, string | undefined>
}

/** The page a keyset list is asked for: its cursor and its size (`pageSize`'s default and bounds). */
export function pageParams(req: Request): { cursor: string | undefined; limit: number } {
  const q = new URL(req.url).searchParams
  return { cursor: q.get('cursor') || undefined, limit: pageSize(q.get('limit')) }
}

/** A list's `order`: `oldest` first, else the most recent first. */
export function listOrder(req: Request): 'oldest' | 'recent' {
  return new URL(req.url).searchParams.get('order') === 'oldest' ? 'oldest' : 'recent'
}
