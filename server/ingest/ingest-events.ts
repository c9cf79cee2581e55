// POST /api/v1/events (and the file inbox, same use case): store the raw message, parse each
// event, record new ones in the ledger idempotently and apply them to positions in arrival order,
// all before answering, in one transaction with the rejected events' dead letters. A bad event is
// rejected alone and kept as a dead letter.
//
// One batch is a handful of multi-row statements, never a round trip per event:
//   lock positions (sorted) -> insert ledger rows ON CONFLICT DO NOTHING -> apply in memory ->
//   update positions -> mark SKUs dirty + enqueue recompute -> counters, exceptions -> dead letters.
// Position locks are taken before ledger inserts, so for one SKU x location ledger ids grow in
// apply order: arrival order is `ORDER BY id` per SKU x location.
import type { PrismaClient } from '@prisma/client'
import type { Db, RawSql } from '../db'
import { rawTransaction, withDeadlockRetry } from '../db'
import { AppError, PayloadTooLargeError, ValidationError } from '../errors'
import { JOB_CATALOG } from '../queue/job-catalog'
import { applyEvent, positionExceptions, type PositionState } from '../positions/apply-event'
import { MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, MAX_TEXT, parseEvent, type EventRejection, type ParsedEvent } from './event.schema'
import { resolveCatalog } from './resolve-catalog'
import { storeInboundMessage, finishInboundMessage } from './inbound-message.repository'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from './dead-letters.repository'
import { parseJsonText, quoted, unstorableText } from './storable-text'
import { minuteOf } from '../metrics/counters'
import { emitStockChanged } from '../realtime/publisher'
import { partitionByOwnership } from '../ownership/partition-by-ownership'
import { markDirtySql } from '../availability/recompute-outbox'

export interface IngestResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; code: string; message: string }>
  inboundMessageId: string
  /** Events of a cutover's shadow source: recorded and compared, never applied (server/ownership). */
  shadowed?: number
}

export interface IngestInput {
  body: string
  /** The body's exact bytes when `body` cannot say them (invalid UTF-8, NUL bytes). */
  exactBytes?: Buffer | null
  transport?: 'http' | 'file' | 'simulator' | 'seed'
  /** A key bound to one source may only ingest for it. */
  boundSource?: string | null
  receivedAt?: Date
}

interface ResolvedEvent extends ParsedEvent {
  skuId: string
  locationId: string
  toLocationId: string | null
  baseQuantity: number
}

/** Parses the body as a whole; only an unusable body is a 400 (nothing applied). */
function parseBody(body: string): { source: string; events: unknown[] } {
  const json = parseJsonText(body)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ValidationError('The body must be a JSON object with "source" and "events".', undefined, 'INVALID_BODY')
  const obj = json as Record<string, unknown>
  if (typeof obj.source !== 'string' || obj.source.trim() === '') throw new ValidationError('"source" is required: the name of the system sending these events.', undefined, 'MISSING_SOURCE')
  const source = obj.source.trim()
  const why = unstorableText(source)
  if (why) throw new ValidationError(`"source" ${why}.`, undefined, 'INVALID_SOURCE')
  if (source.length > MAX_TEXT.source) throw new ValidationError(`"source" is longer than ${MAX_TEXT.source} characters.`, undefined, 'INVALID_SOURCE')
  if (!Array.isArray(obj.events)) throw new ValidationError('"events" must be an array of inventory events.', undefined, 'MISSING_EVENTS')
  if (obj.events.length === 0) throw new ValidationError('"events" is empty: send 1 to 5,000 events.', undefined, 'EMPTY_BATCH')
  if (obj.events.length > MAX_EVENTS_PER_BATCH) throw new PayloadTooLargeError(`A batch holds at most ${MAX_EVENTS_PER_BATCH} events (got ${obj.events.length}).`)
  return { source, events: obj.events }
}

/**
 * One batch, one transaction: the raw message, the accepted events applied to positions, the
 * rejected ones' dead letters and the message's outcome commit together. So the answer is either
 * 202 with every event accounted for (accepted, duplicate, or rejected with a dead letter), or an
 * error and nothing changed. Parsing and the catalogue lookup happen before it opens.
 */
export async function ingestEvents(db: PrismaClient, input: IngestInput): Promise<IngestResult> {
  const receivedAt = input.receivedAt ?? new Date()
  if (Buffer.byteLength(input.body) > MAX_BODY_BYTES) throw new PayloadTooLargeError('The body is larger than 10 MiB.')
  const raw = { kind: 'events', transport: input.transport ?? 'http', body: input.body, exactBytes: input.exactBytes, receivedAt }
  let parsed: { source: string; events: unknown[] }
  try {
    parsed = parseBody(input.body)
    if (input.boundSource && input.boundSource !== parsed.source) {
      throw new ValidationError(`This API key may only send events for source "${input.boundSource}".`, undefined, 'SOURCE_NOT_ALLOWED')
    }
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    // Refused whole: still kept, raw and as a dead letter, in one transaction.
    await rawTransaction(db, async (tx) => {
      const messageId = await storeInboundMessage(tx, { ...raw, source: input.boundSource ?? '(unparsed)' })
      await finishInboundMessage(tx, messageId, { status: 'rejected', error: e.message })
      await recordIngestDeadLetters(tx, messageId, input.boundSource ?? null, [{ index: -1, code: e.code, message: e.message, raw: input.body.slice(0, 4096) }])
    })
    emitIngestDeadLettersChanged()
    throw e
  }
  const { source } = parsed
  const prepared = await prepareEventBatch(db, source, parsed.events)
  const r = await withDeadlockRetry(() => rawTransaction(db, async (tx) => {
    const messageId = await storeInboundMessage(tx, { ...raw, source })
    const applied = await recordEventBatch(tx, source, prepared, messageId, receivedAt)
    await finishInboundMessage(tx, messageId, {
      source,
      status: applied.rejected.length === 0 ? 'processed' : applied.accepted + applied.duplicates === 0 ? 'rejected' : 'partially_rejected',
      accepted: applied.accepted, duplicates: applied.duplicates, rejected: applied.rejected.length,
    })
    return { ...applied, inboundMessageId: messageId }
  }))
  if (r.accepted > 0) emitStockChanged(prepared.skuCodes)
  if (r.rejected.length > 0) emitIngestDeadLettersChanged()
  return r
}

/** Validates, maps and applies already-split raw events whose raw message is stored (the seed). */
export async function applyEventBatch(
  db: PrismaClient,
  input: { source: string; rawEvents: unknown[]; messageId: string | null; receivedAt: Date },
): Promise<Omit<IngestResult, 'inboundMessageId'>> {
  const { source, messageId, receivedAt } = input
  const prepared = await prepareEventBatch(db, source, input.rawEvents)
  const r = await withDeadlockRetry(() => rawTransaction(db, (tx) => recordEventBatch(tx, source, prepared, messageId, receivedAt)))
  if (r.accepted > 0) emitStockChanged(prepared.skuCodes)
  return r
}

/**
 * Inside the caller's transaction: applies the prepared events and records every rejected one
 * (parse, catalogue and apply-time rejections) as a dead letter. Leaves `prepared` untouched, so a
 * transaction retried after a deadlock starts from the same input.
 */
async function recordEventBatch(tx: RawSql, source: string, prepared: PreparedEvents, messageId: string | null, receivedAt: Date): Promise<Omit<IngestResult, 'inboundMessageId'>> {
  const applied = await applyPreparedEvents(tx, source, prepared, messageId, receivedAt)
  const rejected = applied.rejected.length === 0 ? prepared.rejected : [...prepared.rejected, ...applied.rejected].sort((a, b) => a.index - b.index)
  await recordIngestDeadLetters(tx, messageId, source, rejected)
  return { accepted: applied.accepted, duplicates: applied.duplicates, rejected: rejected.map(({ index, code, message }) => ({ index, code, message })), ...(applied.shadowed ? { shadowed: applied.shadowed } : {}) }
}

export interface PreparedEvents {
  resolved: ResolvedEvent[]
  /** Sorted by index; each kept raw as a dead letter by the caller. */
  rejected: EventRejection[]
  skuCodes: string[]
}

/** Parses and maps (alias, location, unit) raw events; touches nothing. `indexOffset` numbers rows of a long file. */
export async function prepareEventBatch(db: Db, source: string, rawEvents: unknown[], indexOffset = 0): Promise<PreparedEvents> {
  const rejected: EventRejection[] = []
  const valid: ParsedEvent[] = []
  rawEvents.forEach((raw, i) => {
    const r = parseEvent(raw, indexOffset + i)
    if (r.ok) valid.push(r.event)
    else rejected.push(r.rejection)
  })

  const catalog = await resolveCatalog(db, source, valid.map((e) => e.sku), valid.flatMap((e) => (e.toLocation ? [e.location, e.toLocation] : [e.location])))
  const resolved: ResolvedEvent[] = []
  for (const e of valid) {
    const sku = catalog.sku(e.sku)
    if (!sku) { rejected.push({ index: e.index, code: 'UNKNOWN_SKU', message: `Unknown SKU ${quoted(e.sku)} for source ${quoted(source)}: add the SKU or an alias.`, raw: e.raw, sku: e.sku }); continue }
    const locationId = catalog.location(e.location)
    if (!locationId) { rejected.push({ index: e.index, code: 'UNKNOWN_LOCATION', message: `Unknown location ${quoted(e.location)} for source ${quoted(source)}: add the location or an alias.`, raw: e.raw, sku: e.sku }); continue }
    let toLocationId: string | null = null
    if (e.toLocation) {
      toLocationId = catalog.location(e.toLocation) ?? null
      if (!toLocationId) { rejected.push({ index: e.index, code: 'UNKNOWN_LOCATION', message: `Unknown destination location ${quoted(e.toLocation)}.`, raw: e.raw, sku: e.sku }); continue }
    }
    const uom = (e.uom ?? sku.baseUom).toUpperCase()
    const factor = sku.factors.get(uom)
    if (!factor) { rejected.push({ index: e.index, code: 'UNKNOWN_UOM', message: `Unknown unit ${quoted(e.uom ?? sku.baseUom)} for SKU ${sku.code} (base unit ${sku.baseUom}): add a unit-of-measure conversion.`, raw: e.raw, sku: e.sku }); continue }
    const baseQuantity = e.quantity * factor
    if (Math.abs(baseQuantity) > 1e9) { rejected.push({ index: e.index, code: 'INVALID_QUANTITY', message: `${e.quantity} ${uom} is beyond ±1e9 base units.`, raw: e.raw, sku: e.sku }); continue }
    // A plain literal, not a spread: this runs per event on the hot path (spread costs ~20x).
    resolved.push({
      index: e.index, idempotencyKey: e.idempotencyKey, type: e.type, sku: e.sku, location: e.location, quantity: e.quantity, uom,
      occurredAt: e.occurredAt, sourceSeq: e.sourceSeq, reference: e.reference, toLocation: e.toLocation, raw: e.raw,
      skuId: sku.id, locationId, toLocationId, baseQuantity,
    })
  }
  rejected.sort((a, b) => a.index - b.index)
  return { resolved, rejected, skuCodes: resolved.map((e) => catalog.sku(e.sku)!.code) }
}

/** Records and applies prepared events inside the caller's transaction (the file inbox applies a whole file in one). */
export async function applyPreparedEvents(tx: RawSql, source: string, prepared: PreparedEvents, messageId: string | null, receivedAt: Date): Promise<{ accepted: number; duplicates: number; rejected: EventRejection[]; shadowed?: number }> {
  if (prepared.resolved.length === 0) return { accepted: 0, duplicates: 0, rejected: [] }
  // Source of truth per location (server/ownership): only the owner's events are applied.
  const owned = await partitionByOwnership(tx, source, prepared.resolved, messageId, receivedAt)
  const r = owned.apply.length > 0 ? await applyResolved(tx, source, owned.apply, messageId, receivedAt) : { accepted: 0, duplicates: 0, rejected: [] }
  if (owned.refused.length === 0 && owned.shadowed === 0) return r
  return { ...r, rejected: [...owned.refused, ...r.rejected], shadowed: owned.shadowed }
}


type PositionRow = PositionState & { skuId: string; locationId: string; version: bigint }

interface HandoverReservation { id: string; ref: string; skuId: string; locationId: string; quantity: number; handedOver: number; changed: boolean }

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
const LOCK_AND_RECORD_SQL = `
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
 * still out of range]]` (their other open exceptions resolve), $14 the recompute job's attempts. The
 * recompute job is the catalogue's `recomputeAvailability` (server/queue/job-catalog.ts), added here
 * so it commits with the positions that made SKUs dirty (what `enqueueRecompute` does elsewhere).
 */
const WRITE_BACK_SQL = `
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
  SELECT id FROM graphile_worker.add_job($11::text, '{}'::json, queue_name => 'recompute', run_at => $12::timestamptz,
         max_attempts => $14::int, job_key => 'recompute-availability', priority => 0, job_key_mode => 'preserve_run_at')
   WHERE (SELECT count(*) FROM dirty) >= 0
)
SELECT (SELECT count(*) FROM job)::int AS jobs`

/** A PostgreSQL array literal of uuids or integers (no element needs quoting). */
const arrayLiteral = (values: Iterable<string | number>): string => `{${[...values].join(',')}}`

/** Text bound inside a JSON parameter: lone UTF-16 surrogates become U+FFFD, as pg's UTF-8 encoding of a plain text parameter does. */
function wellFormed(s: string | null): string | null {
  // String.prototype.toWellFormed (Node 20+) is ES2024; the project's TypeScript lib stops at ES2023.
  return s === null ? null : (s as string & { toWellFormed(): string }).toWellFormed()
}

/** Numbers the distinct ids of a batch from 0, in first-seen order. */
class IdIndex {
  readonly ids: string[] = []
  private readonly index = new Map<string, number>()
  of(id: string): number {
    let i = this.index.get(id)
    if (i === undefined) { i = this.ids.length; this.ids.push(id); this.index.set(id, i) }
    return i
  }
}

// The batch's critical section runs from the lock statement to COMMIT: every concurrent batch that
// shares a position waits for it. It is two statements and in-memory work; parsing, the catalog
// lookup and the raw message are outside it.
const INT4_MAX = 2_147_483_647
const fitsPosition = (p: PositionState) => [p.onHand, p.reserved, p.allocated, p.inTransit, p.quarantined, p.damaged].every((v) => v <= INT4_MAX && v >= -INT4_MAX)

async function applyResolved(tx: RawSql, source: string, events: ResolvedEvent[], messageId: string | null, receivedAt: Date): Promise<{ accepted: number; duplicates: number; rejected: EventRejection[] }> {
  // 1. Every position the batch touches (transfer destinations included), in a stable order:
  // by skuId, then locationId (uuid text, as every writer of positions sorts).
  const skus = new IdIndex()
  const locs = new IdIndex()
  const pairOf = new Map<string, [number, number]>()
  const keyOf: string[] = new Array(events.length)
  const rows: unknown[] = new Array(events.length)
  const handoverCandidates: Array<{ ch: string; o: string; s: string; l: string }> = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    const si = skus.of(e.skuId)
    const li = locs.of(e.locationId)
    const key = `${e.skuId}|${e.locationId}`
    keyOf[i] = key
    if (!pairOf.has(key)) pairOf.set(key, [si, li])
    let ti: number | null = null
    if (e.toLocationId) {
      ti = locs.of(e.toLocationId)
      const dest = `${e.skuId}|${e.toLocationId}`
      if (!pairOf.has(dest)) pairOf.set(dest, [si, ti])
    }
    rows[i] = [wellFormed(e.idempotencyKey), e.type, si, li, e.baseQuantity, e.quantity, wellFormed(e.uom), ti, wellFormed(e.reference),
      e.sourceSeq === null ? null : e.sourceSeq.toString(), e.occurredAt.toISOString(), e.index]
    if ((e.type === 'allocate' || e.type === 'ship') && e.reference && e.reference.indexOf(':') > 0) {
      const ref = wellFormed(e.reference)!
      const c = ref.indexOf(':')
      handoverCandidates.push({ ch: ref.slice(0, c), o: ref.slice(c + 1), s: e.skuId, l: e.locationId })
    }
  }
  const sortedKeys = [...pairOf.keys()].sort()
  const pairs: number[] = []
  for (const k of sortedKeys) { const [si, li] = pairOf.get(k)!; pairs.push(si, li) }
  const skuIds = arrayLiteral(skus.ids)
  const locIds = arrayLiteral(locs.ids)

  // 2. Lock positions and record the events (see LOCK_AND_RECORD_SQL). More passes happen only
  // when positions are missing.
  let r: { locked: number; positions: string | null; inserted: string | null; reservations: string | null } | undefined
  const pairsLiteral = arrayLiteral(pairs)
  const eventsJson = JSON.stringify(rows)
  const handoverJson = JSON.stringify(handoverCandidates)
  for (let pass = 1; ; pass++) {
    ;[r] = await tx.$queryRawUnsafe<Array<NonNullable<typeof r>>>(LOCK_AND_RECORD_SQL,
      skuIds, locIds, pairsLiteral, sortedKeys.length, source, receivedAt.toISOString(), messageId, eventsJson, handoverJson, pass > 1)
    if (r.locked === sortedKeys.length) break
    if (pass >= 4) throw new Error(`could not lock ${sortedKeys.length - r.locked} of ${sortedKeys.length} positions`)
  }
  const positions = new Map<string, PositionRow>()
  type LockedRow = [number, number, number, number, number, number, number, string | null, string | null, string]
  for (const [ord, onHand, reserved, allocated, inTransit, quarantined, damaged, lcs, lca, v] of JSON.parse(r.positions ?? '[]') as LockedRow[]) {
    const key = sortedKeys[ord]
    const [si, li] = pairOf.get(key)!
    positions.set(key, {
      skuId: skus.ids[si], locationId: locs.ids[li], onHand, reserved, allocated, inTransit, quarantined, damaged,
      lastCountSeq: lcs === null ? null : BigInt(lcs), lastCountAt: lca === null ? null : new Date(lca), version: BigInt(v),
    })
  }
  const idByIndex = new Map<number, string>()
  for (const [id, batchIndex] of JSON.parse(r.inserted ?? '[]') as Array<[string, number]>) idByIndex.set(batchIndex, id)
  const duplicates = events.length - idByIndex.size
  if (idByIndex.size === 0) return { accepted: 0, duplicates, rejected: [] }

  // Handover from channel reservation to ERP allocation: an allocate or ship whose reference is
  // `<channel>:<orderId>` first releases that order's reservation of the same SKU at that location,
  // so the same units are never held twice.
  const handover: HandoverReservation[] = (JSON.parse(r.reservations ?? '[]') as Array<{ id: string; channel: string; orderId: string; skuId: string; locationId: string; quantity: number; handedOverQuantity: number }>)
    .map((h) => ({ id: h.id, ref: `${h.channel}:${h.orderId}`, skuId: h.skuId, locationId: h.locationId, quantity: h.quantity, handedOver: h.handedOverQuantity, changed: false }))

  // 3. Apply in arrival order (array order) in memory.
  const touched = new Map<string, { row: PositionRow; lastEventId: string }>()
  const staleIds: string[] = []
  const countsByType = new Map<string, number>()
  const dirtySkus = new Set<number>()
  // Valid quantities can still sum beyond what a position holds (2^31 - 1): that event alone is
  // rejected (its ledger row removed below), the rest of the batch applies.
  const overflow: Array<{ id: string; e: ResolvedEvent }> = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    const id = idByIndex.get(e.index)
    if (id === undefined) continue
    const key = keyOf[i]
    let row = positions.get(key)!
    const rowBefore = row
    const handoverBefore = handover.map((h) => ({ quantity: h.quantity, handedOver: h.handedOver, changed: h.changed }))
    if ((e.type === 'allocate' || e.type === 'ship') && e.reference && handover.length > 0) {
      let toRelease = e.baseQuantity
      let released = 0
      for (const h of handover) {
        if (h.ref !== e.reference || h.skuId !== e.skuId || h.locationId !== e.locationId) continue
        const q = Math.min(toRelease, h.quantity)
        h.quantity -= q
        h.handedOver += q
        h.changed = h.changed || q > 0
        toRelease -= q
        released += q
      }
      if (released > 0) row = { ...row, reserved: row.reserved - released }
    }
    const { next, outcome } = applyEvent(row, { type: e.type, quantity: e.baseQuantity, occurredAt: e.occurredAt, sourceSeq: e.sourceSeq })
    const destRow = e.type === 'transfer_out' && e.toLocationId ? positions.get(`${e.skuId}|${e.toLocationId}`)! : null
    if (!fitsPosition({ ...row, ...next }) || (destRow && !fitsPosition({ ...destRow, inTransit: destRow.inTransit + e.baseQuantity }))) {
      handover.forEach((h, k) => Object.assign(h, handoverBefore[k]))
      positions.set(key, rowBefore)
      overflow.push({ id, e })
      continue
    }
    if (outcome === 'stale') staleIds.push(id)
    const updated: PositionRow = { ...row, ...next, version: row.version + 1n }
    positions.set(key, updated)
    touched.set(key, { row: updated, lastEventId: id })
    if (e.type === 'transfer_out' && e.toLocationId) {
      const destKey = `${e.skuId}|${e.toLocationId}`
      const dest = positions.get(destKey)!
      const destNext: PositionRow = { ...dest, inTransit: dest.inTransit + e.baseQuantity, version: dest.version + 1n }
      positions.set(destKey, destNext)
      touched.set(destKey, { row: destNext, lastEventId: id })
    }
    countsByType.set(e.type, (countsByType.get(e.type) ?? 0) + 1)
    dirtySkus.add(skus.of(e.skuId))
  }

  // 4. Write back, and wake the recompute worker, in one statement (see WRITE_BACK_SQL).
  const written: unknown[] = []
  const found: unknown[] = []
  const stillExceptional: unknown[] = []
  for (const [key, { row: p, lastEventId }] of touched) {
    const [si, li] = pairOf.get(key)!
    written.push([si, li, p.onHand, p.reserved, p.allocated, p.inTransit, p.quarantined, p.damaged,
      p.lastCountSeq === null ? null : p.lastCountSeq.toString(), p.lastCountAt ? p.lastCountAt.toISOString() : null, p.version.toString(), lastEventId])
    const xs = positionExceptions(p)
    for (const x of xs) found.push([si, li, x.field, x.message])
    stillExceptional.push([si, li, lastEventId, xs.map((x) => x.field)])
  }
  await tx.$queryRawUnsafe(WRITE_BACK_SQL, skuIds, locIds, JSON.stringify(written),
    JSON.stringify(handover.filter((h) => h.changed).map((h) => ({ id: h.id, q: h.quantity, h: h.handedOver }))),
    arrayLiteral(staleIds), arrayLiteral(dirtySkus), receivedAt.toISOString(),
    minuteOf(receivedAt).toISOString(), JSON.stringify([...countsByType].map(([type, n]) => [`source=${source},type=${type}`, n])),
    JSON.stringify(found), JOB_CATALOG.recomputeAvailability.task, new Date().toISOString(), JSON.stringify(stillExceptional),
    JOB_CATALOG.recomputeAvailability.maxAttempts,
  )
  if (overflow.length > 0) await tx.$executeRawUnsafe(`DELETE FROM "LedgerEvent" WHERE id = ANY($1::bigint[])`, overflow.map((o) => o.id))
  return {
    accepted: idByIndex.size - overflow.length,
    duplicates,
    rejected: overflow.map(({ e }) => ({ index: e.index, code: 'INVALID_QUANTITY', message: `Applying ${e.baseQuantity} would take the position beyond ${INT4_MAX.toLocaleString('en-US')} units; this event was not applied.`, raw: e.raw, sku: e.sku })),
  }
}

