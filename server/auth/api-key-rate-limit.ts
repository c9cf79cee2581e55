// Per-API-key request limits (CONTRACT: 429 with Retry-After). One-minute fixed windows counted in
// PostgreSQL (rate-window.ts), so the limit holds across every web process: a key limited to N per
// minute gets at most N accepted requests per clock minute whichever process answers. Refusals
// are counted (stocktower_api_rate_limited_total{key}) for Settings and /api/metrics.
import type { Db } from '../db'
import { RateLimitedError } from '../errors'
import { bumpCounters } from '../metrics/counters'
import { hitWindow, peekWindow } from './rate-window'

export const API_KEY_WINDOW_SECONDS = 60
export const RATE_LIMITED_COUNTER = 'stocktower_api_rate_limited_total'

const windowKey = (keyId: string) => `key:${keyId}`

/** Counts this request against the key's limit; throws RateLimitedError (429) beyond it. No limit: no counting. */
export async function enforceApiKeyRateLimit(
  db: Db,
  key: { id: string; name: string; rateLimitPerMinute: number | null },
  now = new Date(),
): Promise<void> {
  if (!key.rateLimitPerMinute) return
  const w = await hitWindow(db, windowKey(key.id), API_KEY_WINDOW_SECONDS, now)
  if (w.count <= key.rateLimitPerMinute) return
  await bumpCounters(db, RATE_LIMITED_COUNTER, new Map([[`key=${key.name}`, 1]]), now).catch(() => {})
  throw new RateLimitedError(
    `This API key is limited to ${key.rateLimitPerMinute} requests a minute; retry after ${w.retryAfterSeconds} s.`,
    w.retryAfterSeconds,
  )
}

/** Requests counted this minute per key id (for the keys screen). */
export async function apiKeyUsageThisMinute(db: Db, keyIds: string[], now = new Date()): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  await Promise.all(
    keyIds.map(async (id) => out.set(id, (await peekWindow(db, windowKey(id), API_KEY_WINDOW_SECONDS, now)).count)),
  )
  return out
}

/** Refused requests in the last hour per key name (the counter's label). */
export async function apiKeyRefusalsLastHour(db: Db, now = new Date()): Promise<Map<string, number>> {
  const rows = await db.$queryRawUnsafe<Array<{ labels: string; n: bigint }>>(
    `SELECT labels, sum(value) AS n FROM "CounterMinute" WHERE name = $1 AND minute >= $2::timestamptz GROUP BY labels`,
    RATE_LIMITED_COUNTER,
    new Date(now.getTime() - 3600_000).toISOString(),
  )
  return new Map(rows.map((r) => [r.labels.replace(/^key=/, ''), Number(r.n)]))
}
