// The SQL of the batched position write (apply-batch.ts runs it): two statements per batch, the
// first opening the critical section (positions locked in one order, ledger rows inserted), the
// second closing it (every write that follows the in-memory apply). Kept apart from the code that
// builds their parameters so each statement reads as one piece.
import { markDirtySql } from '../availability/recompute-outbox'

// Parameters of the two statements below are compact text: ids as PostgreSQL array literals
// (`{uuid,uuid}`), rows as JSON arrays referring to those ids by position. Every parameter byte
// costs CPU to encode and send (in Prisma's raw-query path about 30 µs per KB, measured with
// bench/, which is why the batch now runs on plain `pg`, see rawTransaction), so a batch's SKU
// ids are sent once per statement and events carry small indexes instead of two uuids each.

/**
 * Lock, record and load, in one round trip (it opens the batch's critical section):
 * - `k`: the positions the batch touches, in the caller's sorted order; `created`: missing ones are
 *   created (only on a second pass, $10: almost every batch finds them all, and looking costs an
 *   index probe per position);
 * - `locked`: those positions, locked one by one in that order (FOR UPDATE: every writer of positions
 *   uses the same order, so batches do not deadlock on them). The LATERAL form makes each lock an
 *   index probe (a join would hash the whole Position table for every batch);
 * - `ins`: only when every position is locked (`(SELECT count(*) FROM locked) = $4`, an InitPlan,
 *   evaluated once before the first row is produced) the events are inserted, in array order, so
 *   for one SKU x location ledger ids still grow in apply order; a repeated idempotency key inserts
 *   nothing (a duplicate);
 * - `res`: behind the same condition, the open channel reservations a handover may release,
 *   locked after the positions as every writer does, for each allocate/ship referencing
 *   `<channel>:<order>` (duplicates included: locking a few more rows changes nothing, and the
 *   statement need not wait for the insert's verdict).
 * When a position is missing from `locked` nothing is inserted, and the caller runs the statement
 * again with $10 set: the missing positions are created, and a third pass sees (and locks) them, or
 * ones a concurrent batch created after this statement's snapshot.
 * $1 SKU ids, $2 location ids, $3 position pairs as (SKU index, location index) flattened,
 * $4 pair count, $5 source, $6 received at, $7 inbound message id, $8 events
 * `[key, type, sku index, location index, quantity, raw quantity, uom, to-location index, reference, source seq, occurred at, batch index]`,
 * $9 handover candidates `[{ ch, o, s, l }]`, $10 create missing positions.
 */
export const LOCK_AND_RECORD_SQL = `
WITH ids AS MATERIALIZED (SELECT $1::uuid[] AS sku, $2::uuid[] AS loc, $3::int[] AS pair
), k AS MATERIALIZED (
  SELECT ids.sku[ids.pair[2 * i - 1] + 1] AS s, ids.loc[ids.pair[2 * i] + 1] AS l, i AS ord FROM ids, generate_series(1, $4::int) AS i
), created AS (
  INSERT INTO "Position"("skuId", "locationId")
  SELECT k.s, k.l FROM k LEFT JOIN LATERAL (SELECT 1 AS found FROM "Position" p WHERE p."skuId" = k.s AND p."locationId" = k.l LIMIT 1) e ON true
   WHERE $10::boolean AND e.found IS NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
), locked AS (
  SELECT k.ord, p.* FROM k CROSS JOIN LATERAL (
    SELECT p."onHand", p.reserved, p.allocated, p."inTransit", p.quarantined, p.damaged, p."lastCountSeq"::text AS lcs, p."lastCountAt", p.version::text AS v
      FROM "Position" p WHERE p."skuId" = k.s AND p."locationId" = k.l FOR UPDATE) p
), ins AS (
  INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, "toLocationId",
                            reference, "sourceSeq", "occurredAt", "receivedAt", "inboundMessageId", "batchIndex")
  SELECT $5, x.e->>0, x.e->>1, (SELECT sku FROM ids)[(x.e->>2)::int + 1], (SELECT loc FROM ids)[(x.e->>3)::int + 1],
         (x.e->>4)::int, (x.e->>5)::int, x.e->>6, (SELECT loc FROM ids)[(x.e->>7)::int + 1], x.e->>8, (x.e->>9)::bigint,
         (x.e->>10)::timestamptz, $6::timestamptz, $7::uuid, (x.e->>11)::int
    FROM jsonb_array_elements($8::jsonb) AS x(e)
   WHERE (SELECT count(*) FROM locked) = $4::bigint
  ON CONFLICT (source, "idempotencyKey") DO NOTHING
  RETURNING id, "batchIndex"
), res AS (
  SELECT r.id, c.code AS channel, r."orderId", r."skuId", r."locationId", r.quantity, r."handedOverQuantity"
    FROM "Reservation" r JOIN "Channel" c ON c.id = r."channelId"
   WHERE r.status = 'open' AND r.quantity > 0 AND r.id IN (
       SELECT r2.id FROM "Reservation" r2 JOIN "Channel" c2 ON c2.id = r2."channelId"
         JOIN json_to_recordset($9::json) AS h(ch text, o text, s uuid, l uuid)
           ON c2.code = h.ch AND r2."orderId" = h.o AND r2."skuId" = h.s AND r2."locationId" = h.l)
     AND (SELECT count(*) FROM locked) = $4::bigint
   ORDER BY r."createdAt" FOR UPDATE OF r
)
SELECT (SELECT count(*) FROM locked)::int AS locked,
       (SELECT json_agg(json_build_array(ord - 1, "onHand", reserved, allocated, "inTransit", quarantined, damaged, lcs, "lastCountAt", v))::text FROM locked) AS positions,
       (SELECT json_agg(json_build_array(id::text, "batchIndex"))::text FROM ins) AS inserted,
       (SELECT json_agg(res)::text FROM res) AS reservations`

/**
 * Every write that follows the in-memory apply, in one round trip: positions, handed-over
 * reservations, stale outcomes, the recompute outbox, the events counter (the statement of
 * metrics/counters.ts bumpCounters) and exception findings (one open finding per SKU x location x
 * field), and the recompute job (`job`: the job queue/enqueue.ts enqueueRecompute adds, one pending
 * job coalesced by its key, added here to save a round trip, with add_job called once). `job` waits
 * for `dirty` (its condition reads it), so the outbox rows are locked before the job row, in the
 * order of every other writer (markSkusDirty, then enqueue). Data-modifying CTEs always run to
 * completion; none reads a table another one writes.
 * $1 SKU ids, $2 location ids, $3 positions `[sku index, location index, onHand, reserved, allocated,
 * inTransit, quarantined, damaged, lastCountSeq, lastCountAt, version, lastEventId]`, $4 handed-over
 * reservations, $5 stale ledger ids, $6 dirty SKU indexes, $7 received at, $8 counter minute,
 * $9 counters `[labels, n]`, $10 findings `[sku index, location index, field, message]`, $11 the recompute
 * task, $12 its run time (now), $13 touched positions `[sku index, location index, last event id, [fields
 * still out of range]]` (their other open exceptions resolve), $14 the recompute job's attempts, $15 its
 * priority, $16 its queue, $17 its key. The recompute job is the catalogue's `recomputeAvailability`
 * (server/queue/job-catalog.ts) with queue/enqueue.ts's RECOMPUTE_JOB, added here so it commits with
 * the positions that made SKUs dirty (what `enqueueRecompute` does elsewhere).
 */
export const WRITE_BACK_SQL = `
WITH ids AS MATERIALIZED (SELECT $1::uuid[] AS sku, $2::uuid[] AS loc
), pos AS (
  UPDATE "Position" p SET "onHand" = (u.e->>2)::int, reserved = (u.e->>3)::int, allocated = (u.e->>4)::int, "inTransit" = (u.e->>5)::int,
         quarantined = (u.e->>6)::int, damaged = (u.e->>7)::int, "lastCountSeq" = (u.e->>8)::bigint, "lastCountAt" = (u.e->>9)::timestamptz,
         version = (u.e->>10)::bigint, "lastEventId" = (u.e->>11)::bigint, "updatedAt" = now()
    FROM (SELECT (SELECT sku FROM ids)[(e->>0)::int + 1] AS s, (SELECT loc FROM ids)[(e->>1)::int + 1] AS l, e FROM jsonb_array_elements($3::jsonb) AS x(e)) u
   WHERE p."skuId" = u.s AND p."locationId" = u.l
), handed AS (
  UPDATE "Reservation" r SET quantity = u.q, "handedOverQuantity" = u.h, status = CASE WHEN u.q = 0 THEN 'handed_over' ELSE 'open' END, "updatedAt" = now()
    FROM json_to_recordset($4::json) AS u(id uuid, q int, h int) WHERE r.id = u.id
), stale AS (
  UPDATE "LedgerEvent" SET outcome = 'stale' WHERE id = ANY($5::bigint[])
), dirty AS (${markDirtySql('SELECT (SELECT sku FROM ids)[d + 1] FROM unnest($6::int[]) AS d', '$7::timestamptz')}
  RETURNING 1
), counters AS (
  INSERT INTO "CounterMinute"(name, labels, minute, value)
  SELECT 'stocktower_events_total', c.e->>0, $8::timestamptz, (c.e->>1)::bigint FROM json_array_elements($9::json) AS c(e) ORDER BY 2
  ON CONFLICT (name, labels, minute) DO UPDATE SET value = "CounterMinute".value + EXCLUDED.value
), findings AS (
  INSERT INTO "Finding"(id, kind, sku, location, cause, field, details, "dedupeKey")
  SELECT gen_random_uuid(), 'exception', s.code, l.code, f.msg, f.field, '{}'::jsonb, 'exception:' || s.code || ':' || l.code || ':' || f.field
    FROM (SELECT (SELECT sku FROM ids)[(e->>0)::int + 1] AS sku, (SELECT loc FROM ids)[(e->>1)::int + 1] AS loc, e->>2 AS field, e->>3 AS msg
            FROM json_array_elements($10::json) AS x(e)) f
    JOIN "Sku" s ON s.id = f.sku JOIN "Location" l ON l.id = f.loc
   WHERE NOT EXISTS (SELECT 1 FROM "Finding" x WHERE x."dedupeKey" = 'exception:' || s.code || ':' || l.code || ':' || f.field AND x.status = 'open')
), cleared AS (
  -- Exceptions close themselves: a touched position whose field is back in range resolves its open finding.
  UPDATE "Finding" f SET status = 'resolved', "resolvedAt" = now(), "updatedAt" = now(), note = 'back in range after ledger event ' || t.last
    FROM (SELECT s.code AS sku, l.code AS loc, t.e->3 AS still, t.e->>2 AS last
            FROM json_array_elements($13::json) AS t(e)
            JOIN "Sku" s ON s.id = (SELECT sku FROM ids)[(t.e->>0)::int + 1]
            JOIN "Location" l ON l.id = (SELECT loc FROM ids)[(t.e->>1)::int + 1]) t
   WHERE f.kind = 'exception' AND f.status = 'open' AND f.sku = t.sku AND f.location = t.loc
     AND NOT (t.still::jsonb ? f.field)
), job AS (
  SELECT id FROM graphile_worker.add_job($11::text, '{}'::json, queue_name => $16::text, run_at => $12::timestamptz,
         max_attempts => $14::int, job_key => $17::text, priority => $15::int, job_key_mode => 'preserve_run_at')
   WHERE (SELECT count(*) FROM dirty) >= 0
)
SELECT (SELECT count(*) FROM job)::int AS jobs`
