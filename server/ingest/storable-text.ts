// What PostgreSQL can store, checked before anything is written. A text or jsonb value refuses a
// NUL (U+0000), and UTF-8 has no encoding for a lone UTF-16 surrogate (pg would silently turn it
// into U+FFFD, and jsonb refuses its `\ud800` escape), so such text is refused with a code the
// sender can act on rather than failing a whole batch's statement (a 500, and a lost dead letter).
// A btree index entry holds at most ~2.7 KB, so every value that reaches an indexed column is
// bounded by the schemas that use these helpers.
import { ValidationError } from '../errors'

/** Why `s` cannot be stored as PostgreSQL text, or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000), which PostgreSQL cannot store'
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed())
    return 'contains an unpaired UTF-16 surrogate (not valid Unicode)'
  return null
}

/** A sender's value quoted inside a message: bounded, and storable itself. */
export function quoted(s: string, max = 80): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s
  return `"${storableCopy(cut)}"`
}

const REPLACEMENT = '\uFFFD'
/** The text with what PostgreSQL cannot store replaced by U+FFFD (for dead letters, messages, display). */
export function storableCopy(s: string): string {
  const noNul = s.includes('\u0000') ? s.replaceAll('\u0000', REPLACEMENT) : s
  return (noNul as string & { toWellFormed(): string }).toWellFormed()
}

export const MAX_JSON_DEPTH = 64
/**
 * A copy of a parsed JSON value that jsonb accepts: strings and keys made storable, nesting cut at
 * `maxDepth` and long strings at `maxString` (the exact original stays in the raw message).
 */
export function jsonbSafe(value: unknown, maxDepth = 16, maxString = 4096): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return storableCopy(v.length > maxString ? `${v.slice(0, maxString)}…` : v)
    if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? null : v
    if (depth >= maxDepth) return '…(nested too deep; see the raw message)'
    if (Array.isArray(v)) return v.slice(0, 1000).map((x) => walk(x, depth + 1))
    const out: Record<string, unknown> = {}
    let n = 0
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (n++ >= 1000) break
      out[storableCopy(k.length > 256 ? `${k.slice(0, 256)}…` : k)] = walk(x, depth + 1)
    }
    return out
  }
  return walk(value, 0)
}

/** How deeply `text` nests arrays and objects, counted without parsing (linear; strings skipped). */
export function jsonNestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth
    } else if (c === 125 || c === 93) depth--
  }
  return max
}

/** JSON.parse for a request body: refuses bodies nested deeper than `maxDepth` before parsing them. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonNestingDepth(text) > maxDepth)
    throw new ValidationError(
      `The body nests arrays or objects more than ${maxDepth} levels deep.`,
      undefined,
      'INVALID_JSON',
    )
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new ValidationError(
      `The body is not valid JSON: ${storableCopy((e as Error).message).slice(0, 200)}.`,
      undefined,
      'INVALID_JSON',
    )
  }
}

/**
 * Refuses a parsed JSON body holding a string (or key) PostgreSQL cannot store, naming where:
 * for bodies stored whole or in part (rules, holdbacks), so the sender gets a 400 with the path.
 */
export function assertStorableJson(value: unknown, what = 'The body'): void {
  const stack: Array<[unknown, string]> = [[value, '']]
  while (stack.length > 0) {
    const [v, at] = stack.pop()!
    if (typeof v === 'string') {
      const why = unstorableText(v)
      if (why) throw new ValidationError(`${what} at ${at || '(top)'} ${why}.`, undefined, 'INVALID_TEXT')
    } else if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${at}[${i}]`]))
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const why = unstorableText(k)
        if (why)
          throw new ValidationError(`${what} has a key at ${at || '(top)'} that ${why}.`, undefined, 'INVALID_TEXT')
        stack.push([x, `${at}.${k}`])
      }
    }
  }
}
