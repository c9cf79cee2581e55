// A size cap applied by web-server.ts before Next (and next-auth) reads a request: next-auth
// buffers and parses the whole body of a sign-in before looking at it, so a 200 MiB POST would
// be read whole. Sign-in forms are a few hundred bytes.
export const AUTH_BODY_LIMIT_BYTES = 64 * 1024

export type BodyVerdict = { ok: true } | { ok: false; status: 411 | 413; message: string }

/** Decides from the headers alone, so nothing of a refused body is read. */
export function checkAuthBody(
  method: string | undefined,
  url: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): BodyVerdict {
  if (!url?.startsWith('/api/auth/')) return { ok: true }
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return { ok: true }
  const declared = headers['content-length']
  if (declared === undefined) {
    // A chunked body does not say its size up front: refuse it rather than count while Next reads it.
    return headers['transfer-encoding']
      ? { ok: false, status: 411, message: 'Send a Content-Length with sign-in requests.' }
      : { ok: true }
  }
  const n = Number(Array.isArray(declared) ? declared[0] : declared)
  if (!Number.isFinite(n) || n < 0) return { ok: false, status: 411, message: 'Invalid Content-Length.' }
  if (n > AUTH_BODY_LIMIT_BYTES)
    return { ok: false, status: 413, message: `Sign-in requests are at most ${AUTH_BODY_LIMIT_BYTES / 1024} KiB.` }
  return { ok: true }
}
