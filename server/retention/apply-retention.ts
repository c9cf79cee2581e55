// Deletes rows older than their table's retention (retention-policy.ts) in batches of a few
// thousand, each batch one statement (its own short transaction: row locks on the batch only, no
// table lock), so ingest and publishing run on meanwhile. A run walks each table from its oldest
// row and stops at the first batch holding no row older than the window, so its cost follows what
// it deletes and keeps, not the table's size. Progress goes to SystemState 'retention' after every table
// (read by /api/metrics) and to the log.
//
// Never deleted, whatever their age (what an explanation still needs):
// - ledger events that are a position's last event, or an input of a listing's current decision;
// - a listing's current decision;
// - publish attempts of the version a listing has published and applied, and of later ones;
// - order events of an order with an open reservation or an open order exception;
// - raw messages not yet processed, or referred to by an unresolved dead letter (open or with a
//   replay pending), a ledger or order event still kept, a snapshot or an open order exception.
//
// Bench hook: `applyRetention(db, { policy, now, batchSize })` is what bench times at 10 million
// rows; it returns per-table counts and durations.
import type { RawSql } from '../db'
import {
  cutoffFor,
  DEFAULT_BATCH_SIZE,
  envVarFor,
  retentionPolicy,
  type RetentionKey,
  type RetentionPolicy,
} from './retention-policy'
import { RETENTION_STATE_KEY, type RetentionReport, type TableReport } from './retention-report'

interface IdTable {
  key: RetentionKey
  table: string
  time: string
  protect: string
}

/** Tables keyed by an increasing bigint id: walked in id order (ids follow arrival). */
const ID_TABLES: IdTable[] = [
  {
    key: 'LEDGER_EVENTS',
    table: 'LedgerEvent',
    time: 'receivedAt',
    protect: `EXISTS (SELECT 1 FROM "Position" p WHERE p."skuId" = e."skuId" AND p."locationId" = e."locationId" AND p."lastEventId" = e.id)
      OR EXISTS (SELECT 1 FROM "ChannelListing" l JOIN "AvailabilityDecision" d ON d.id = l."decisionId" WHERE l."skuId" = e."skuId" AND e.id = ANY(d."eventIds"))
      OR EXISTS (SELECT 1 FROM "KitComponent" k JOIN "ChannelListing" l ON l."skuId" = k."kitSkuId" JOIN "AvailabilityDecision" d ON d.id = l."decisionId"
                 WHERE k."componentSkuId" = e."skuId" AND e.id = ANY(d."eventIds"))`,
  },
  {
    key: 'DECISIONS',
    table: 'AvailabilityDecision',
    time: 'decidedAt',
    protect: `EXISTS (SELECT 1 FROM "ChannelListing" l WHERE l.id = e."listingId" AND l."decisionId" = e.id)`,
  },
  {
    key: 'PUBLISH_ATTEMPTS',
    table: 'PublishAttempt',
    time: 'startedAt',
    protect: `EXISTS (SELECT 1 FROM "ChannelListing" l WHERE l.id = e."listingId" AND e.version >= LEAST(l."publishedVersion", l."appliedVersion"))`,
  },
  {
    key: 'ORDER_EVENTS',
    table: 'ChannelOrderEvent',
    time: 'receivedAt',
    protect: `EXISTS (SELECT 1 FROM "Reservation" r WHERE r."channelId" = e."channelId" AND r."orderId" = e."orderId" AND r.status = 'open')
      OR EXISTS (SELECT 1 FROM "OrderException" x JOIN "Channel" c ON c.code = x.channel WHERE c.id = e."channelId" AND x."orderId" = e."orderId" AND x.status = 'open')`,
  },
  { key: 'AUDIT', table: 'AuditLog', time: 'at', protect: 'false' },
]

const RAW_MESSAGE_PROTECT = `e.status = 'received'
  OR EXISTS (SELECT 1 FROM "DeadLetter" x WHERE x."inboundMessageId" = e.id AND x.status IN ('open', 'replay_requested'))
  OR EXISTS (SELECT 1 FROM "LedgerEvent" x WHERE x."inboundMessageId" = e.id)
  OR EXISTS (SELECT 1 FROM "ChannelOrderEvent" x WHERE x."inboundMessageId" = e.id)
  OR EXISTS (SELECT 1 FROM "Snapshot" x WHERE x."messageId" = e.id)
  OR EXISTS (SELECT 1 FROM "OrderException" x WHERE x."inboundMessageId" = e.id AND x.status = 'open')`

type Counts = {
  deleted: bigint | number
  kept: bigint | number
  scanned: bigint | number
  old?: bigint | number
  last: string | null
  lastAt?: Date | null
}

/** Adds one batch's counts to its table's report. */
function tally(t: TableReport, batch: Pick<Counts, 'deleted' | 'kept'>): void {
  t.batches += 1
  t.deleted += Number(batch.deleted)
  t.kept += Number(batch.kept)
}

/** One batch of an id-keyed table: the next `batchSize` rows after the cursor, old unprotected ones deleted. */
async function idBatch(db: RawSql, t: IdTable, after: string, cutoff: Date, batchSize: number): Promise<Counts> {
  const [r] = await db.$queryRawUnsafe<Counts[]>(
    `WITH batch AS (SELECT e.id, e."${t.time}" < $2::timestamptz AS old, e."${t.time}" < $2::timestamptz AND NOT (${t.protect}) AS doomed
                      FROM "${t.table}" e WHERE e.id > $1::bigint ORDER BY e.id LIMIT $3),
          gone AS (DELETE FROM "${t.table}" t USING batch b WHERE t.id = b.id AND b.doomed RETURNING t.id)
     SELECT (SELECT count(*) FROM gone) AS deleted,
            (SELECT count(*) FROM batch WHERE old AND NOT doomed) AS kept,
            (SELECT count(*) FROM batch) AS scanned,
            (SELECT count(*) FROM batch WHERE old) AS old,
            (SELECT max(id)::text FROM batch) AS last`,
    after,
    cutoff,
    batchSize,
  )
  return r
}

async function rawMessageBatch(
  db: RawSql,
  afterAt: Date,
  afterId: string,
  cutoff: Date,
  batchSize: number,
): Promise<Counts> {
  const [r] = await db.$queryRawUnsafe<Counts[]>(
    `WITH batch AS (SELECT e.id, e."receivedAt", NOT (${RAW_MESSAGE_PROTECT}) AS doomed FROM "InboundMessage" e
                     WHERE e."receivedAt" < $3::timestamptz AND (e."receivedAt", e.id) > ($1::timestamptz, $2::uuid)
                     ORDER BY e."receivedAt", e.id LIMIT $4),
          chunks AS (DELETE FROM "InboundChunk" c USING batch b WHERE c."messageId" = b.id AND b.doomed),
          gone AS (DELETE FROM "InboundMessage" m USING batch b WHERE m.id = b.id AND b.doomed RETURNING m.id)
     SELECT (SELECT count(*) FROM gone) AS deleted,
            (SELECT count(*) FROM batch WHERE NOT doomed) AS kept,
            (SELECT count(*) FROM batch) AS scanned,
            (SELECT id::text FROM batch ORDER BY "receivedAt" DESC, id DESC LIMIT 1) AS last,
            (SELECT max("receivedAt") FROM batch) AS "lastAt"`,
    afterAt,
    afterId,
    cutoff,
    batchSize,
  )
  return r
}

/** Rollups have no protected rows: delete old minutes a batch at a time. */
async function rollupBatch(
  db: RawSql,
  table: 'LagMinute' | 'CounterMinute' | 'OrderLagMinute',
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM "${table}" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "${table}" WHERE minute < $1::timestamptz LIMIT $2))`,
    cutoff,
    batchSize,
  )
}

async function saveState(db: RawSql, report: RetentionReport): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO "SystemState"(key, value, "updatedAt") VALUES ($1, $2::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "updatedAt" = now()`,
    RETENTION_STATE_KEY,
    JSON.stringify(report),
  )
}

export interface ApplyRetentionOptions {
  policy?: RetentionPolicy
  now?: Date
  batchSize?: number
  log?: (line: string) => void
  /** Only these tables (the bench times one at a time); all by default. */
  only?: RetentionKey[]
}

/** Applies the retention policy to every table; idempotent, safe to run from any worker at any time. */
export async function applyRetention(db: RawSql, opts: ApplyRetentionOptions = {}): Promise<RetentionReport> {
  const policy = opts.policy ?? retentionPolicy()
  const now = opts.now ?? new Date()
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
  const log = opts.log ?? (() => {})
  const wanted = (k: RetentionKey) => !opts.only || opts.only.includes(k)
  const report: RetentionReport = { startedAt: now.toISOString(), finishedAt: null, running: true, tables: [] }

  const run = async (key: RetentionKey, table: string, body: (cutoff: Date, t: TableReport) => Promise<void>) => {
    if (!wanted(key)) return
    const days = policy[key]
    const cutoff = cutoffFor(days, now)
    const t: TableReport = {
      key,
      table,
      days,
      cutoff: cutoff?.toISOString() ?? null,
      deleted: 0,
      kept: 0,
      batches: 0,
      ms: 0,
    }
    report.tables.push(t)
    if (!cutoff) {
      log(`[retention] ${table}: kept forever (${envVarFor(key)}=0)`)
      return
    }
    const started = Date.now()
    await body(cutoff, t)
    t.ms = Date.now() - started
    log(
      `[retention] ${table}: ${t.deleted} rows older than ${days} days deleted in ${t.batches} batches, ${t.kept} kept (still referred to), ${t.ms} ms`,
    )
    await saveState(db, report)
  }

  // Events and attempts before raw messages: a message goes once nothing kept refers to it.
  for (const it of ID_TABLES) {
    await run(it.key, it.table, async (cutoff, t) => {
      let after = '0'
      for (;;) {
        const r = await idBatch(db, it, after, cutoff, batchSize)
        tally(t, r)
        // Ids follow arrival: a batch with nothing old in it means the rest is inside the window.
        if (Number(r.scanned) < batchSize || Number(r.old ?? 0) === 0 || !r.last) break
        after = r.last
      }
    })
  }
  await run('RAW_MESSAGES', 'InboundMessage', async (cutoff, t) => {
    let afterAt = new Date(0)
    let afterId = '00000000-0000-0000-0000-000000000000'
    for (;;) {
      const r = await rawMessageBatch(db, afterAt, afterId, cutoff, batchSize)
      tally(t, r)
      if (Number(r.scanned) < batchSize || !r.last || !r.lastAt) break
      afterAt = r.lastAt
      afterId = r.last
    }
  })
  await run('ROLLUPS', 'LagMinute+CounterMinute', async (cutoff, t) => {
    // OrderLagMinute (order intake lag) is the same kind of per-minute rollup.
    for (const table of ['LagMinute', 'CounterMinute', 'OrderLagMinute'] as const) {
      for (;;) {
        const n = await rollupBatch(db, table, cutoff, batchSize)
        t.batches += 1
        t.deleted += n
        if (n < batchSize) break
      }
    }
  })

  report.running = false
  report.finishedAt = new Date().toISOString()
  await saveState(db, report)
  return report
}
