// Where a sign-in (or any `callbackUrl`) may send a browser: a path on this site, never another
// origin. Browsers read `//host`, `/\host` and `/..//host`-style paths (after normalising) as
// another site, so the check is on the URL the browser would resolve, not on the string's start.

const BASE = 'http://stocktower.invalid'

/** A same-origin path with query and hash, or `fallback`. Absolute URLs count only when their origin is `ownOrigin`. */
export function safeRedirectPath(
  raw: string | null | undefined,
  opts: { ownOrigin?: string; fallback?: string } = {},
): string {
  const fallback = opts.fallback ?? '/'
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return fallback
  // Control characters and backslashes are how "looks like a path" becomes another host.
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return fallback
  let url: URL
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
      url = new URL(raw)
      if (!opts.ownOrigin || url.origin !== new URL(opts.ownOrigin).origin) return fallback
    } else {
      if (!raw.startsWith('/')) return fallback
      url = new URL(raw, BASE)
      if (url.origin !== BASE) return fallback
    }
  } catch {
    return fallback
  }
  const path = `${url.pathname}${url.search}${url.hash}`
  // The normalised path must still be a single-slash path (`/..//evil` normalises to `//evil`).
  if (!path.startsWith('/') || path.startsWith('//')) return fallback
  return path
}
