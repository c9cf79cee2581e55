// How long each growing table keeps its rows, in days (0: forever). The defaults keep every
// explanation the screens give answerable for 90 days (why a channel showed a number, which
// events and which raw message it came from, which attempt sent it); the audit log is never
// deleted unless an operator says so. Override per table with STOCKTOWER_RETENTION_<KEY>_DAYS
// (README, Retention). Rows something still refers to are kept whatever their age
// (apply-retention.ts says which).
import { z } from 'zod'

export const RETENTION_TABLES = {
  /** LedgerEvent: the inventory ledger (by receivedAt). Also the idempotency window of senders' keys. */
  LEDGER_EVENTS: { table: 'LedgerEvent', defaultDays: 90 },
  /** AvailabilityDecision: past decisions and their steps (by decidedAt). */
  DECISIONS: { table: 'AvailabilityDecision', defaultDays: 90 },
  /** PublishAttempt: every try to send a listing (by startedAt). */
  PUBLISH_ATTEMPTS: { table: 'PublishAttempt', defaultDays: 90 },
  /** ChannelOrderEvent: channel order events (by receivedAt). */
  ORDER_EVENTS: { table: 'ChannelOrderEvent', defaultDays: 90 },
  /** InboundMessage and its InboundChunk rows: raw inbound messages (by receivedAt). */
  RAW_MESSAGES: { table: 'InboundMessage', defaultDays: 90 },
  /** LagMinute and CounterMinute: per-minute rollups (KPI windows reach back 7 days). */
  ROLLUPS: { table: 'LagMinute+CounterMinute', defaultDays: 90 },
  /** AuditLog: who changed what. Kept forever by default. */
  AUDIT: { table: 'AuditLog', defaultDays: 0 },
} as const

export type RetentionKey = keyof typeof RETENTION_TABLES
export type RetentionPolicy = Record<RetentionKey, number>

const Days = z.coerce.number().int().min(0).max(36_500)

export function envVarFor(key: RetentionKey): string {
  return `STOCKTOWER_RETENTION_${key}_DAYS`
}

/** The policy from the environment; a value that is not a whole number of days is refused by name. */
export function retentionPolicy(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  const policy = {} as RetentionPolicy
  for (const key of Object.keys(RETENTION_TABLES) as RetentionKey[]) {
    const raw = env[envVarFor(key)]
    if (raw === undefined || raw.trim() === '') {
      policy[key] = RETENTION_TABLES[key].defaultDays
      continue
    }
    const parsed = Days.safeParse(raw)
    if (!parsed.success)
      throw new Error(
        `${envVarFor(key)} must be a whole number of days from 0 (keep forever) to 36500, not ${JSON.stringify(raw)}`,
      )
    policy[key] = parsed.data
  }
  return policy
}

/** Rows of this table received before the cutoff may go; null when the table keeps everything. */
export function cutoffFor(days: number, now: Date): Date | null {
  return days > 0 ? new Date(now.getTime() - days * 86_400_000) : null
}

/** Rows per DELETE: each batch is its own short transaction, so no lock is held for long. */
export const DEFAULT_BATCH_SIZE = 2_000
