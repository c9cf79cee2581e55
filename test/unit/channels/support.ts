// Test support for connector and simulator tests: a controllable clock and condition polling
// (CONVENTIONS rule 15: no sleeps, wait for a condition).

export interface FakeClock {
  now: () => number
  advance(ms: number): void
}

export function fakeClock(start = Date.UTC(2026, 10, 22, 10, 0, 0)): FakeClock {
  let current = start
  return { now: () => current, advance: (ms) => void (current += ms) }
}

/** Polls `condition` every `intervalMs` until it is truthy or `timeoutMs` passes. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 3_000, intervalMs = 10, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

export function update(
  listingId: string,
  externalSku: string,
  quantity: number,
  extra: { externalId?: string | null; expectedCurrent?: number | null; version?: number } = {},
) {
  return {
    listingId,
    externalSku,
    externalId: extra.externalId ?? null,
    quantity,
    expectedCurrent: extra.expectedCurrent ?? null,
    version: extra.version ?? 1,
  }
}
