// The browser's one way to read the UI endpoints: errors become Error objects with the server's
// user-facing message (CONTRACT error body), never a raw stack.
export class FetchError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message)
  }
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...init?.headers },
    cache: 'no-store',
  })
  const text = await response.text()
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const err = (body as { error?: { message?: string; code?: string } } | undefined)?.error
    if (response.status === 401 && typeof window !== 'undefined')
      window.location.assign(`/login?callbackUrl=${encodeURIComponent(window.location.pathname)}`)
    throw new FetchError(err?.message ?? `Request failed (HTTP ${response.status}).`, response.status, err?.code)
  }
  return body as T
}
