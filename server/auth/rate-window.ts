// Fixed-window counters in PostgreSQL, so a limit holds across every web process: one upsert per
// counted request (`INSERT .. ON CONFLICT DO UPDATE .. RETURNING`), no read-modify-write race.
import type { RawSql } from '../db'

export interface WindowCount {
  count: number
  windowStart: Date
  retryAfterSeconds: number
}

function windowOf(now: Date, windowSeconds: number): Date {
  const ms = windowSeconds * 1000
  return new Date(Math.floor(now.getTime() / ms) * ms)
}

/** Counts one hit for `key` in the current window and returns the window's total including it. */
export function hitWindow(db: RawSql, key: string, windowSeconds: number, now = new Date()): Promise<WindowCount> {
  return windowQuery(
    db,
    `INSERT INTO "RateWindow"(key, "windowStart", count) VALUES ($1, $2::timestamptz, 1)
     ON CONFLICT (key, "windowStart") DO UPDATE SET count = "RateWindow".count + 1 RETURNING count`,
    key,
    windowSeconds,
    now,
  )
}

/** The current window's count without counting. */
export function peekWindow(db: RawSql, key: string, windowSeconds: number, now = new Date()): Promise<WindowCount> {
  return windowQuery(
    db,
    `SELECT count FROM "RateWindow" WHERE key = $1 AND "windowStart" = $2::timestamptz`,
    key,
    windowSeconds,
    now,
  )
}

/** `sql` ($1 the key, $2 the window's start) returns the window's count; none is 0. */
async function windowQuery(
  db: RawSql,
  sql: string,
  key: string,
  windowSeconds: number,
  now: Date,
): Promise<WindowCount> {
  const start = windowOf(now, windowSeconds)
  const rows = await db.$queryRawUnsafe<Array<{ count: number }>>(sql, key, start.toISOString())
  // The next window starts at least a second away.
  const retryAfterSeconds = Math.max(1, Math.ceil((start.getTime() + windowSeconds * 1000 - now.getTime()) / 1000))
  return { count: Number(rows[0]?.count ?? 0), windowStart: start, retryAfterSeconds }
}

export async function clearWindow(db: RawSql, key: string): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM "RateWindow" WHERE key = $1`, key)
}

/** Windows older than a day are history; the worker's cron calls this. */
export async function pruneWindows(db: RawSql, now = new Date()): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM "RateWindow" WHERE "windowStart" < $1::timestamptz`,
    new Date(now.getTime() - 24 * 3600_000).toISOString(),
  )
}
