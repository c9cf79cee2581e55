// POST /api/v1/events (and the file inbox, same use case): store the raw message, parse each
// event, record new ones in the ledger idempotently and apply them to positions in arrival order,
// all before answering. A bad event is rejected alone and kept as a dead letter.
//
// One batch is a handful of multi-row statements, never a round trip per event:
//   lock positions (sorted) -> insert ledger rows ON CONFLICT DO NOTHING -> apply in memory ->
//   update positions -> mark SKUs dirty + enqueue recompute -> counters, exceptions, dead letters.
// Position locks are taken before ledger inserts, so for one SKU x location ledger ids grow in
// apply order: arrival order is `ORDER BY id` per SKU x location.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { PayloadTooLargeError, ValidationError } from '../errors'
import { enqueueRecompute } from '../queue/enqueue'
import { applyEvent, positionExceptions, type PositionState } from '../positions/apply-event'
import { MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, parseEvent, type EventRejection, type ParsedEvent } from './event.schema'
import { resolveCatalog } from './resolve-catalog'
import { storeInboundMessage, finishInboundMessage } from './inbound-message.repository'
import { recordIngestDeadLetters } from './dead-letters.repository'
import { bumpCounters } from '../metrics/counters'
import { emitRealtime, ROOMS } from '../realtime/publisher'

export interface IngestResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; code: string; message: string }>
  inboundMessageId: string
}

export interface IngestInput {
  body: string
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
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (e) {
    throw new ValidationError(`The body is not valid JSON: ${(e as Error).message}.`, undefined, 'INVALID_JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ValidationError('The body must be a JSON object with "source" and "events".', undefined, 'INVALID_BODY')
  const obj = json as Record<string, unknown>
  if (typeof obj.source !== 'string' || obj.source.trim() === '') throw new ValidationError('"source" is required: the name of the system sending these events.', undefined, 'MISSING_SOURCE')
  if (!Array.isArray(obj.events)) throw new ValidationError('"events" must be an array of inventory events.', undefined, 'MISSING_EVENTS')
  if (obj.events.length === 0) throw new ValidationError('"events" is empty: send 1 to 5,000 events.', undefined, 'EMPTY_BATCH')
  if (obj.events.length > MAX_EVENTS_PER_BATCH) throw new PayloadTooLargeError(`A batch holds at most ${MAX_EVENTS_PER_BATCH} events (got ${obj.events.length}).`)
  return { source: obj.source.trim(), events: obj.events }
}

export async function ingestEvents(db: PrismaClient, input: IngestInput): Promise<IngestResult> {
  const receivedAt = input.receivedAt ?? new Date()
  if (Buffer.byteLength(input.body) > MAX_BODY_BYTES) throw new PayloadTooLargeError('The body is larger than 10 MiB.')
  // The raw message is stored before anything else, so nothing a sender sent is ever lost.
  const messageId = await storeInboundMessage(db, { source: input.boundSource ?? '(unparsed)', kind: 'events', transport: input.transport ?? 'http', body: input.body, receivedAt })
  let parsed: { source: string; events: unknown[] }
  try {
    parsed = parseBody(input.body)
    if (input.boundSource && input.boundSource !== parsed.source) {
      throw new ValidationError(`This API key may only send events for source "${input.boundSource}".`, undefined, 'SOURCE_NOT_ALLOWED')
    }
  } catch (e) {
    await finishInboundMessage(db, messageId, { status: 'rejected', error: (e as Error).message })
    await recordIngestDeadLetters(db, messageId, input.boundSource ?? null, [{ index: -1, code: (e as { code?: string }).code ?? 'INVALID_BODY', message: (e as Error).message, raw: input.body.slice(0, 4096) }])
    throw e
  }
  const result = await applyEventBatch(db, { source: parsed.source, rawEvents: parsed.events, messageId, receivedAt })
  await finishInboundMessage(db, messageId, {
    source: parsed.source,
    status: result.rejected.length === 0 ? 'processed' : result.accepted + result.duplicates === 0 ? 'rejected' : 'partially_rejected',
    accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected.length,
  })
  return { ...result, inboundMessageId: messageId }
}

/** Validates, maps and applies already-split raw events (shared with the API, traffic and the seed). */
export async function applyEventBatch(
  db: PrismaClient,
  input: { source: string; rawEvents: unknown[]; messageId: string | null; receivedAt: Date },
): Promise<Omit<IngestResult, 'inboundMessageId'>> {
  const { source, messageId, receivedAt } = input
  const prepared = await prepareEventBatch(db, source, input.rawEvents)
  let accepted = 0
  let duplicates = 0
  if (prepared.resolved.length > 0) {
    const r = await withDeadlockRetry(() => transaction(db, (tx) => applyPreparedEvents(tx, source, prepared, messageId, receivedAt)))
    accepted = r.accepted
    duplicates = r.duplicates
    if (accepted > 0) emitStockChanged(prepared.skuCodes)
  }
  if (prepared.rejected.length > 0) await recordIngestDeadLetters(db, messageId, source, prepared.rejected)
  return { accepted, duplicates, rejected: prepared.rejected.map(({ index, code, message }) => ({ index, code, message })) }
}

/** Pages following these SKUs refetch their stock now; decisions follow from the workers. */
export function emitStockChanged(skuCodes: string[]): void {
  const skus = [...new Set(skuCodes)].slice(0, 200)
  if (skus.length > 0) emitRealtime(skus.map(ROOMS.sku), 'stock.changed', { skus })
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
    if (!sku) { rejected.push({ index: e.index, code: 'UNKNOWN_SKU', message: `Unknown SKU "${e.sku}" for source "${source}": add the SKU or an alias.`, raw: e.raw, sku: e.sku }); continue }
    const locationId = catalog.location(e.location)
    if (!locationId) { rejected.push({ index: e.index, code: 'UNKNOWN_LOCATION', message: `Unknown location "${e.location}" for source "${source}": add the location or an alias.`, raw: e.raw, sku: e.sku }); continue }
    let toLocationId: string | null = null
    if (e.toLocation) {
      toLocationId = catalog.location(e.toLocation) ?? null
      if (!toLocationId) { rejected.push({ index: e.index, code: 'UNKNOWN_LOCATION', message: `Unknown destination location "${e.toLocation}".`, raw: e.raw, sku: e.sku }); continue }
    }
    const uom = (e.uom ?? sku.baseUom).toUpperCase()
    const factor = sku.factors.get(uom)
    if (!factor) { rejected.push({ index: e.index, code: 'UNKNOWN_UOM', message: `Unknown unit "${e.uom}" for SKU ${sku.code} (base unit ${sku.baseUom}): add a unit-of-measure conversion.`, raw: e.raw, sku: e.sku }); continue }
    const baseQuantity = e.quantity * factor
    if (Math.abs(baseQuantity) > 1e9) { rejected.push({ index: e.index, code: 'INVALID_QUANTITY', message: `${e.quantity} ${uom} is beyond ±1e9 base units.`, raw: e.raw, sku: e.sku }); continue }
    resolved.push({ ...e, skuId: sku.id, locationId, toLocationId, baseQuantity, uom })
  }
  rejected.sort((a, b) => a.index - b.index)
  return { resolved, rejected, skuCodes: resolved.map((e) => catalog.sku(e.sku)!.code) }
}

/** Records and applies prepared events inside the caller's transaction (the file inbox applies a whole file in one). */
export async function applyPreparedEvents(tx: Db, source: string, prepared: PreparedEvents, messageId: string | null, receivedAt: Date): Promise<{ accepted: number; duplicates: number }> {
  if (prepared.resolved.length === 0) return { accepted: 0, duplicates: 0 }
  return applyResolved(tx, source, prepared.resolved, messageId, receivedAt)
}

export async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (e) {
      const msg = String((e as Error)?.message ?? '')
      const retryable = /deadlock detected|40P01|could not serialize|40001/.test(msg)
      if (!retryable || i >= attempts) throw e
    }
  }
}

type PositionRow = PositionState & { skuId: string; locationId: string; version: bigint }

async function applyResolved(tx: Db, source: string, events: ResolvedEvent[], messageId: string | null, receivedAt: Date): Promise<{ accepted: number; duplicates: number }> {
  // 1. Lock every position the batch touches (transfer destinations included), in a stable order.
  const pairs = new Map<string, [string, string]>()
  for (const e of events) {
    pairs.set(`${e.skuId}|${e.locationId}`, [e.skuId, e.locationId])
    if (e.toLocationId) pairs.set(`${e.skuId}|${e.toLocationId}`, [e.skuId, e.toLocationId])
  }
  const sorted = [...pairs.values()].sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1))
  const skuIds = sorted.map((p) => p[0])
  const locIds = sorted.map((p) => p[1])
  await tx.$executeRawUnsafe(
    `INSERT INTO "Position"("skuId","locationId") SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`, skuIds, locIds)
  const rows = await tx.$queryRawUnsafe<PositionRow[]>(
    `SELECT p."skuId"::text AS "skuId", p."locationId"::text AS "locationId", p."onHand", p.reserved, p.allocated, p."inTransit",
            p.quarantined, p.damaged, p."lastCountSeq", p."lastCountAt", p.version
       FROM "Position" p JOIN unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(s, l, ord) ON p."skuId" = k.s AND p."locationId" = k.l
      ORDER BY k.ord FOR UPDATE OF p`, skuIds, locIds)
  const positions = new Map<string, PositionRow>()
  for (const r of rows) positions.set(`${r.skuId}|${r.locationId}`, { ...r, lastCountSeq: r.lastCountSeq === null ? null : BigInt(r.lastCountSeq), version: BigInt(r.version) })

  // 2. Record the events; a repeated idempotency key inserts nothing and is a duplicate.
  const inserted = await tx.$queryRawUnsafe<Array<{ id: bigint; batchIndex: number }>>(
    `INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, "toLocationId",
                               reference, "sourceSeq", "occurredAt", "receivedAt", "inboundMessageId", "batchIndex")
     SELECT $1, k, t, s, l, q, rq, u, tl, r, sq, oa, $2::timestamptz, $3::uuid, bi
       FROM unnest($4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::int[], $9::int[], $10::text[], $11::uuid[], $12::text[],
                   $13::bigint[], $14::timestamptz[], $15::int[]) AS x(k, t, s, l, q, rq, u, tl, r, sq, oa, bi)
     ON CONFLICT (source, "idempotencyKey") DO NOTHING
     RETURNING id, "batchIndex"`,
    source, receivedAt.toISOString(), messageId,
    events.map((e) => e.idempotencyKey), events.map((e) => e.type), events.map((e) => e.skuId), events.map((e) => e.locationId),
    events.map((e) => e.baseQuantity), events.map((e) => e.quantity), events.map((e) => e.uom), events.map((e) => e.toLocationId),
    events.map((e) => e.reference), events.map((e) => (e.sourceSeq === null ? null : e.sourceSeq.toString())),
    events.map((e) => e.occurredAt.toISOString()), events.map((e) => e.index),
  )
  const idByIndex = new Map<number, bigint>(inserted.map((r) => [Number(r.batchIndex), BigInt(r.id)]))
  const fresh = events.filter((e) => idByIndex.has(e.index))
  const duplicates = events.length - fresh.length
  if (fresh.length === 0) return { accepted: 0, duplicates }

  // Handover from channel reservation to ERP allocation: an allocate or ship whose reference is
  // `<channel>:<orderId>` first releases that order's reservation of the same SKU at that location,
  // so the same units are never held twice.
  const handover = await loadHandoverReservations(tx, fresh)

  // 3. Apply in arrival order (array order) in memory.
  const touched = new Map<string, { row: PositionRow; applied: number; lastEventId: bigint }>()
  const staleIds: string[] = []
  const counters = new Map<string, number>()
  for (const e of fresh) {
    const id = idByIndex.get(e.index)!
    const key = `${e.skuId}|${e.locationId}`
    let row = positions.get(key)!
    if ((e.type === 'allocate' || e.type === 'ship') && e.reference) {
      let toRelease = e.baseQuantity
      let released = 0
      for (const r of handover.filter((h) => h.ref === e.reference && h.skuId === e.skuId && h.locationId === e.locationId)) {
        const q = Math.min(toRelease, r.quantity)
        r.quantity -= q
        r.handedOver += q
        r.changed = r.changed || q > 0
        toRelease -= q
        released += q
      }
      if (released > 0) row = { ...row, reserved: row.reserved - released }
    }
    const { next, outcome } = applyEvent(row, { type: e.type, quantity: e.baseQuantity, occurredAt: e.occurredAt, sourceSeq: e.sourceSeq })
    if (outcome === 'stale') staleIds.push(id.toString())
    const updated: PositionRow = { ...row, ...next, version: row.version + 1n }
    positions.set(key, updated)
    touched.set(key, { row: updated, applied: (touched.get(key)?.applied ?? 0) + 1, lastEventId: id })
    if (e.type === 'transfer_out' && e.toLocationId) {
      const destKey = `${e.skuId}|${e.toLocationId}`
      const dest = positions.get(destKey)!
      const destNext: PositionRow = { ...dest, inTransit: dest.inTransit + e.baseQuantity, version: dest.version + 1n }
      positions.set(destKey, destNext)
      touched.set(destKey, { row: destNext, applied: (touched.get(destKey)?.applied ?? 0) + 1, lastEventId: id })
    }
    const ck = `source=${source},type=${e.type}`
    counters.set(ck, (counters.get(ck) ?? 0) + 1)
  }

  // 4. Write positions back in one statement.
  const t = [...touched.values()].map((v) => v.row)
  await tx.$executeRawUnsafe(
    `UPDATE "Position" p SET "onHand" = u.oh, reserved = u.rs, allocated = u.al, "inTransit" = u.it, quarantined = u.qu, damaged = u.dm,
            "lastCountSeq" = u.lcs, "lastCountAt" = u.lca, version = u.v, "lastEventId" = u.le, "updatedAt" = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::bigint[],
                   $10::timestamptz[], $11::bigint[], $12::bigint[]) AS u(s, l, oh, rs, al, it, qu, dm, lcs, lca, v, le)
      WHERE p."skuId" = u.s AND p."locationId" = u.l`,
    t.map((r) => r.skuId), t.map((r) => r.locationId), t.map((r) => r.onHand), t.map((r) => r.reserved), t.map((r) => r.allocated),
    t.map((r) => r.inTransit), t.map((r) => r.quarantined), t.map((r) => r.damaged),
    t.map((r) => (r.lastCountSeq === null ? null : r.lastCountSeq.toString())), t.map((r) => (r.lastCountAt ? r.lastCountAt.toISOString() : null)),
    t.map((r) => r.version.toString()), [...touched.values()].map((v) => v.lastEventId.toString()),
  )
  const handedOver = handover.filter((h) => h.changed)
  if (handedOver.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "Reservation" r SET quantity = u.q, "handedOverQuantity" = u.h, status = CASE WHEN u.q = 0 THEN 'handed_over' ELSE 'open' END, "updatedAt" = now()
         FROM unnest($1::uuid[], $2::int[], $3::int[]) AS u(id, q, h) WHERE r.id = u.id`,
      handedOver.map((h) => h.id), handedOver.map((h) => h.quantity), handedOver.map((h) => h.handedOver))
  }
  if (staleIds.length > 0) {
    await tx.$executeRawUnsafe(`UPDATE "LedgerEvent" SET outcome = 'stale' WHERE id = ANY($1::bigint[])`, staleIds)
  }

  // 5. Follow-ups in the same transaction: the SKUs (and kits built from them) to recompute.
  const dirtySkus = [...new Set(fresh.map((e) => e.skuId))]
  await markSkusDirty(tx, dirtySkus, receivedAt)
  await enqueueRecompute(tx)
  await bumpCounters(tx, 'stocktower_events_total', counters, receivedAt)
  await raisePositionExceptions(tx, t)
  return { accepted: fresh.length, duplicates }
}

interface HandoverReservation { id: string; ref: string; skuId: string; locationId: string; quantity: number; handedOver: number; changed: boolean }

async function loadHandoverReservations(tx: Db, events: ResolvedEvent[]): Promise<HandoverReservation[]> {
  const candidates = events.filter((e) => (e.type === 'allocate' || e.type === 'ship') && e.reference && e.reference.indexOf(':') > 0)
  if (candidates.length === 0) return []
  const split = candidates.map((e) => { const i = e.reference!.indexOf(':'); return { channel: e.reference!.slice(0, i), orderId: e.reference!.slice(i + 1), skuId: e.skuId, locationId: e.locationId } })
  const rows = await tx.$queryRawUnsafe<Array<{ id: string; channel: string; orderId: string; skuId: string; locationId: string; quantity: number; handedOverQuantity: number }>>(
    `SELECT r.id::text AS id, c.code AS channel, r."orderId", r."skuId"::text AS "skuId", r."locationId"::text AS "locationId", r.quantity, r."handedOverQuantity"
       FROM "Reservation" r JOIN "Channel" c ON c.id = r."channelId"
      WHERE r.status = 'open' AND r.quantity > 0 AND r.id IN (
        SELECT r2.id FROM "Reservation" r2 JOIN "Channel" c2 ON c2.id = r2."channelId"
          JOIN unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[]) AS k(ch, o, s, l) ON c2.code = k.ch AND r2."orderId" = k.o AND r2."skuId" = k.s AND r2."locationId" = k.l)
      ORDER BY r."createdAt" FOR UPDATE OF r`,
    split.map((x) => x.channel), split.map((x) => x.orderId), split.map((x) => x.skuId), split.map((x) => x.locationId))
  return rows.map((r) => ({ id: r.id, ref: `${r.channel}:${r.orderId}`, skuId: r.skuId, locationId: r.locationId, quantity: r.quantity, handedOver: r.handedOverQuantity, changed: false }))
}

/** Adds SKUs (and every kit that contains them) to the recompute outbox, keeping the earliest time. */
export async function markSkusDirty(tx: Db, skuIds: string[], since: Date): Promise<void> {
  if (skuIds.length === 0) return
  await tx.$executeRawUnsafe(
    `INSERT INTO "AvailabilityDirty"("skuId", since)
     SELECT id, $2::timestamptz FROM (
       SELECT unnest($1::uuid[]) AS id
       UNION SELECT k."kitSkuId" FROM "KitComponent" k WHERE k."componentSkuId" = ANY($1::uuid[])
     ) x
     ON CONFLICT ("skuId") DO UPDATE SET since = LEAST("AvailabilityDirty".since, EXCLUDED.since)`,
    skuIds, since.toISOString())
}

/** Opens one exception finding per SKU x location x field while the problem lasts. */
async function raisePositionExceptions(tx: Db, rows: PositionRow[]): Promise<void> {
  const found: Array<{ skuId: string; locationId: string; field: string; message: string }> = []
  for (const r of rows) for (const x of positionExceptions(r)) found.push({ skuId: r.skuId, locationId: r.locationId, ...x })
  if (found.length === 0) return
  await tx.$executeRawUnsafe(
    `INSERT INTO "Finding"(id, kind, sku, location, cause, field, details, "dedupeKey")
     SELECT gen_random_uuid(), 'exception', s.code, l.code, f.msg, f.field, '{}'::jsonb, 'exception:' || s.code || ':' || l.code || ':' || f.field
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS f(sku, loc, field, msg)
       JOIN "Sku" s ON s.id = f.sku JOIN "Location" l ON l.id = f.loc
      WHERE NOT EXISTS (SELECT 1 FROM "Finding" x WHERE x."dedupeKey" = 'exception:' || s.code || ':' || l.code || ':' || f.field AND x.status = 'open')`,
    found.map((f) => f.skuId), found.map((f) => f.locationId), found.map((f) => f.field), found.map((f) => f.message))
}
