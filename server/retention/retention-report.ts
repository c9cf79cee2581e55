// The retention run's report (read model): what the last run deleted and kept per table, saved in
// SystemState by apply-retention.ts after every table and shown by /api/metrics.
import type { RawSql } from '../db'
import type { RetentionKey } from './retention-policy'

export const RETENTION_STATE_KEY = 'retention'

export interface TableReport {
  key: RetentionKey
  table: string
  days: number
  cutoff: string | null
  /** Rows deleted (for raw messages, their chunks are deleted with them and not counted). */
  deleted: number
  /** Old rows kept because something still refers to them. */
  kept: number
  batches: number
  ms: number
}

export interface RetentionReport {
  startedAt: string
  finishedAt: string | null
  running: boolean
  tables: TableReport[]
}

/** The last run's report (null before the first run). */
export async function getRetentionReport(db: RawSql): Promise<RetentionReport | null> {
  const rows = await db.$queryRawUnsafe<Array<{ value: RetentionReport }>>(
    `SELECT value FROM "SystemState" WHERE key = $1`,
    RETENTION_STATE_KEY,
  )
  return rows[0]?.value ?? null
}
