// retention (issue 20, item 3): the retention use case (server/retention/apply-retention.ts) timed on
// a database holding history older than the retention window, while a steady ingest stream runs.
//
// Setup: the demo seeded (web process, no worker: nothing else writes or deletes meanwhile); the
// seed's own ledger events and attempts are moved to a year ago (ids follow arrival, as in
// production, where the oldest rows have the lowest ids); listings marked published and applied at
// version 3 (as after a sync). Then, the way scenarios/catalogue.ts does it (INSERT ... SELECT
// generate_series): old raw messages (1 in 1,000 still `received`: kept), old ledger events
// (95 to 180 days ago, pointing at those messages) and old publish attempts (versions 1 and 2 go,
// 1 in 20 at the published version 3: kept); then recent rows of each (the last 30 days) that must stay.
//
// Measured: the same steady ingest stream (HTTP, open loop, bench/steady-sender.ts) for a while
// alone (the same-run baseline), then while `applyRetention` runs with the default policy (90 days)
// and batch size. Figures: rows deleted per second per table, the longest single batch statement
// (each statement timed on the bench's own connection), ingest ack p99 during retention beside the
// baseline (goal: within 2x), and every protected row surviving (counts before and after).
import crypto from 'node:crypto'
import type pg from 'pg'
import { onOwnStack, type Stack, type ScenarioResult } from '../stack'
import { sendSteady, steadyBatches } from '../steady-sender'
import { summarize } from '../stats'
import { loadAverage } from '../proc'
import type { RawSql } from '../../server/db'
import { applyRetention } from '../../server/retention/apply-retention'
import { DEFAULT_BATCH_SIZE, retentionPolicy } from '../../server/retention/retention-policy'

export interface RetentionOptions {
  skus: number
  ledgerEvents: number
  attempts: number
  rawMessages: number
  rate: number
  baselineSeconds: number
  /** Rows per retention batch; the use case's default (DEFAULT_BATCH_SIZE) when absent. */
  batchSize?: number
}

const S = 'retention'
const CHUNK = 500_000

/** A RawSql on one pg connection that times every statement (a retention batch is one statement). */
function timedSql(conn: pg.PoolClient, timings: Array<{ table: string; ms: number }>): RawSql {
  const run = async (query: string, values: unknown[]) => {
    const t0 = performance.now()
    const r = await conn.query(query, values)
    const table = /DELETE FROM "(\w+)"/.exec(query)?.[1] ?? /FROM "(\w+)" e/.exec(query)?.[1] ?? 'other'
    if (table !== 'SystemState' && !/INTO "SystemState"/.test(query))
      timings.push({ table, ms: performance.now() - t0 })
    return r
  }
  return {
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await run(query, values)).rows as T,
    $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await run(query, values)).rowCount ?? 0,
  }
}

async function generate(stack: Stack, opt: RetentionOptions, log: (l: string) => void): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => stack.pool.query(sql, params)
  // The seed's rows first in arrival order: a year old, so the generated history comes after them by id and time.
  await q(
    `UPDATE "LedgerEvent" SET "receivedAt" = now() - interval '365 days', "occurredAt" = now() - interval '365 days', "appliedAt" = now() - interval '365 days'`,
  )
  await q(`UPDATE "PublishAttempt" SET "startedAt" = now() - interval '365 days'`)
  await q(
    `UPDATE "ChannelListing" SET "desiredVersion" = 3, "publishedVersion" = 3, "acceptedVersion" = 3, "appliedVersion" = 3`,
  )
  const M = opt.rawMessages
  const recentM = Math.max(1, Math.floor(M / 10))
  const t0 = Date.now()
  // Raw messages: old ones spread like the ledger events pointing at them, then recent ones.
  await q(
    `INSERT INTO "InboundMessage"(id, source, kind, body, "sizeBytes", "receivedAt", status, accepted)
     SELECT md5('bench-ret-msg-' || k)::uuid, 'bench-retention', 'events', '{"events":[' || repeat('{"sku":"DEMO","qty":1},', 20) || ']}', 480,
            now() - interval '180 days' + (k::float8 / $1::float8) * interval '85 days', CASE WHEN k % 1000 = 7 THEN 'received' ELSE 'processed' END, 20
       FROM generate_series(0, $1::bigint - 1) AS k`,
    [M],
  )
  await q(
    `INSERT INTO "InboundMessage"(id, source, kind, body, "sizeBytes", "receivedAt", status, accepted)
     SELECT md5('bench-ret-recent-msg-' || k)::uuid, 'bench-retention-recent', 'events', '{"events":[]}', 13,
            now() - interval '30 days' + (k::float8 / $1::float8) * interval '29 days', 'processed', 0
       FROM generate_series(0, $1::bigint - 1) AS k`,
    [recentM],
  )
  const ledger = async (prefix: string, total: number, from: string, span: string, msg: string, msgs: number) => {
    for (let a = 1; a <= total; a += CHUNK) {
      const b = Math.min(total, a + CHUNK - 1)
      await q(
        `WITH s AS (SELECT array_agg(id ORDER BY code) AS ids FROM "Sku" WHERE NOT "isKit"), l AS (SELECT array_agg(id ORDER BY code) AS ids FROM "Location")
         INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, reference, outcome, "inboundMessageId", "occurredAt", "receivedAt", "appliedAt")
         SELECT 'bench-retention', '${prefix}' || n, (ARRAY['receipt', 'ship', 'adjustment'])[1 + n % 3],
                s.ids[1 + (n * 7919) % array_length(s.ids, 1)], l.ids[1 + n % array_length(l.ids, 1)],
                1 + n % 20, 1 + n % 20, 'EA', 'history', 'applied', md5('${msg}' || ((n - 1) * $4::bigint / $3::bigint))::uuid, t, t, t
           FROM generate_series($1::bigint, $2::bigint) AS n, s, l,
                LATERAL (SELECT now() - interval '${from}' + (n::float8 / $3::float8) * interval '${span}' AS t) tt`,
        [a, b, total, msgs],
      )
    }
  }
  const attempts = async (prefix: string, total: number, from: string, span: string, version: string) => {
    for (let a = 1; a <= total; a += CHUNK) {
      const b = Math.min(total, a + CHUNK - 1)
      await q(
        `WITH cl AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg("channelId" ORDER BY id) AS ch FROM "ChannelListing")
         INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, "attemptNo", "batchId", outcome, "httpStatus", "latencyMs", "lagMs", "startedAt", "finishedAt", "verifiedAt")
         SELECT cl.ids[i], cl.ch[i], ${version}, n % 50, 1, '${prefix}' || (n / 100), 'applied', 200, 50 + n % 200, 500 + n % 5000, t, t + interval '100 ms', t + interval '2 s'
           FROM generate_series($1::bigint, $2::bigint) AS n, cl,
                LATERAL (SELECT 1 + ((n * 104729) % array_length(cl.ids, 1))::int AS i, now() - interval '${from}' + (n::float8 / $3::float8) * interval '${span}' AS t) x`,
        [a, b, total],
      )
    }
  }
  const recentL = Math.max(1, Math.floor(opt.ledgerEvents / 10))
  const recentA = Math.max(1, Math.floor(opt.attempts / 10))
  await ledger('old:', opt.ledgerEvents, '180 days', '85 days', 'bench-ret-msg-', M)
  log(
    `[bench] retention: ${opt.ledgerEvents.toLocaleString('en-US')} old ledger events and ${M.toLocaleString('en-US')} old raw messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  )
  const t1 = Date.now()
  // Old attempts: version 1 or 2 (older than the listing's published version: deleted), 1 in 20 at version 3 (kept).
  await attempts('ret-old-', opt.attempts, '180 days', '85 days', `CASE WHEN n % 20 = 0 THEN 3 ELSE 1 + n % 2 END`)
  // Recent rows (inside the window): must all stay.
  await ledger('recent:', recentL, '30 days', '29 days', 'bench-ret-recent-msg-', recentM)
  await attempts('ret-recent-', recentA, '30 days', '29 days', '4')
  await q('ANALYZE')
  log(
    `[bench] retention: ${opt.attempts.toLocaleString('en-US')} old attempts, recent rows (${recentL.toLocaleString('en-US')} ledger events, ${recentA.toLocaleString('en-US')} attempts, ${recentM.toLocaleString('en-US')} raw messages) in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
  )
}

/** Rows that must survive retention, by kind (each count is compared before and after). */
async function protectedCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const r = await pool.query<Record<string, string>>(`SELECT
      (SELECT count(*) FROM "LedgerEvent" WHERE source = 'bench-retention' AND "idempotencyKey" LIKE 'recent:%')::text AS "recent ledger events",
      (SELECT count(*) FROM "PublishAttempt" WHERE "batchId" LIKE 'ret-recent-%')::text AS "recent attempts",
      (SELECT count(*) FROM "InboundMessage" WHERE source = 'bench-retention-recent')::text AS "recent raw messages",
      (SELECT count(*) FROM "PublishAttempt" WHERE "batchId" LIKE 'ret-old-%' AND version = 3)::text AS "old attempts of the published version",
      (SELECT count(*) FROM "InboundMessage" WHERE source = 'bench-retention' AND status = 'received')::text AS "old raw messages not yet processed",
      (SELECT count(*) FROM "Position" p JOIN "LedgerEvent" e ON e.id = p."lastEventId")::text AS "positions' last events"`)
  return Object.fromEntries(Object.entries(r.rows[0]).map(([k, v]) => [k, Number(v)]))
}

export async function runRetention(opt: RetentionOptions, log: (l: string) => void): Promise<ScenarioResult> {
  return onOwnStack(
    'retention',
    { skus: opt.skus, plan: 'demo', worker: false, log },
    async (stack, { figures, notes }) => {
      await generate(stack, opt, log)
      const before = await protectedCounts(stack.pool)
      await stack.pool.query('CHECKPOINT')

      const runId = crypto.randomBytes(4).toString('hex')
      const batch = Math.max(1, Math.round(opt.rate / 10)) // 10 POSTs/s
      const chunkSeconds = 5
      let label = 0
      const stream = async (seconds: number) => {
        const bodies = steadyBatches({
          runId,
          label: `ret${label++}`,
          skuCount: opt.skus,
          ratePerSecond: opt.rate,
          seconds,
          batchSize: batch,
          seed: 41 + label,
        })
        const r = await sendSteady(stack!.port, stack!.apiKey, bodies, batch, opt.rate)
        if (r.failures.length) throw new Error(`retention ingest stream: ${r.failures[0]}`)
        return r
      }
      log(
        `[bench] retention: baseline, the ingest stream alone (${opt.rate} events/s, ${batch} per POST, ${opt.baselineSeconds} s)`,
      )
      await stream(2) // warms the route up, not counted
      const base = await stream(opt.baselineSeconds)
      const baseAck = summarize(base.ackMs)

      log(
        `[bench] retention: applyRetention (default policy) while the same stream runs; load average ${loadAverage().join(' ')}`,
      )
      const timings: Array<{ table: string; ms: number }> = []
      const conn = await stack.pool.connect()
      const duringAcks: number[] = []
      let done = false
      let report: Awaited<ReturnType<typeof applyRetention>> | undefined
      const t0 = Date.now()
      try {
        const retention = applyRetention(timedSql(conn, timings), {
          policy: retentionPolicy({}),
          batchSize: opt.batchSize ?? DEFAULT_BATCH_SIZE,
          log,
        }).finally(() => {
          done = true
        })
        const sender = (async () => {
          while (!done) duringAcks.push(...(await stream(chunkSeconds)).ackMs)
        })()
        report = await retention
        await sender
      } finally {
        conn.release()
      }
      const seconds = (Date.now() - t0) / 1000
      const after = await protectedCounts(stack.pool)
      const danglingMessages = Number(
        (
          await stack.pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM "LedgerEvent" e WHERE e."inboundMessageId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "InboundMessage" m WHERE m.id = e."inboundMessageId")`,
          )
        ).rows[0].n,
      )
      const duringAck = summarize(duringAcks)

      for (const t of report.tables) {
        if (t.deleted === 0 && t.kept === 0) continue
        const rate = t.ms > 0 ? t.deleted / (t.ms / 1000) : null
        log(
          `  ${t.table}: ${t.deleted.toLocaleString('en-US')} deleted, ${t.kept.toLocaleString('en-US')} old rows kept, ${t.batches} batches, ${(t.ms / 1000).toFixed(1)} s`,
        )
        figures.push({
          scenario: S,
          name: `${t.table} rows deleted/s`,
          value: rate,
          unit: 'rows/s',
          note: `${t.deleted.toLocaleString('en-US')} deleted, ${t.kept.toLocaleString('en-US')} old kept, ${t.batches} batches in ${(t.ms / 1000).toFixed(1)} s`,
        })
      }
      const longest = timings.reduce((m, t) => (t.ms > m.ms ? t : m), { table: 'none', ms: 0 })
      const batchSummary = summarize(timings.map((t) => t.ms))
      log(
        `  batches: ${timings.length}, p50 ${batchSummary.p50?.toFixed(0)} ms, p99 ${batchSummary.p99?.toFixed(0)} ms, longest ${longest.ms.toFixed(0)} ms (${longest.table})`,
      )
      figures.push({
        scenario: S,
        name: 'longest single batch',
        value: longest.ms,
        unit: 'ms',
        goal: { op: '<=', value: 1000 },
        note: `${longest.table}; ${timings.length} batches, p50 ${batchSummary.p50?.toFixed(0)} ms`,
      })

      log(
        `  ingest ack p50/p99: ${baseAck.p50?.toFixed(0)}/${baseAck.p99?.toFixed(0)} ms alone over ${baseAck.n}, ${duringAck.p50?.toFixed(0)}/${duringAck.p99?.toFixed(0)} ms during retention over ${duringAck.n}`,
      )
      figures.push({
        scenario: S,
        name: `ingest ack p99 during retention (${opt.rate} ev/s)`,
        value: duringAck.p99,
        unit: 'ms',
        ...(baseAck.p99 != null ? { goal: { op: '<=' as const, value: 2 * baseAck.p99 } } : {}),
        baseline: { label: 'same stream just before', value: baseAck.p99 },
      })

      let lost = 0
      const kept: string[] = []
      for (const [k, v] of Object.entries(before)) {
        lost += Math.max(0, v - (after[k] ?? 0))
        kept.push(`${k} ${after[k]}/${v}`)
      }
      lost += danglingMessages
      log(
        `  protected rows after/before: ${kept.join(', ')}; ledger events pointing at a deleted raw message: ${danglingMessages}`,
      )
      figures.push({
        scenario: S,
        name: 'protected rows lost',
        value: lost,
        unit: '',
        goal: { op: '<=', value: 0 },
        note: `${kept.join(', ')}; events whose raw message went: ${danglingMessages}`,
      })
      figures.push({ scenario: S, name: 'retention run', value: seconds, unit: 's' })
      notes.push(
        `retention: ${opt.skus.toLocaleString('en-US')} SKUs; old rows (95 to 180 days): ${opt.ledgerEvents.toLocaleString('en-US')} ledger events, ${opt.attempts.toLocaleString('en-US')} attempts (1 in 20 of the published version: kept), ` +
          `${opt.rawMessages.toLocaleString('en-US')} raw messages (1 in 1,000 not processed: kept); a tenth as many recent rows of each; default policy (90 days), batches of ${(opt.batchSize ?? DEFAULT_BATCH_SIZE).toLocaleString('en-US')}; ` +
          `ingest ${opt.rate} events/s in ${batch}-event POSTs (baseline ${opt.baselineSeconds} s just before, ${baseAck.n} acks; ${duringAck.n} acks during); load average at the end ${loadAverage().join(' ')}.`,
      )
    },
  )
}
