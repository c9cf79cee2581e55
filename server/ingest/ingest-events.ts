// POST /api/v1/events (and the file inbox, same use case): store the raw message, parse each
// event, record new ones in the ledger idempotently and apply them to positions in arrival order,
// all before answering, in one transaction with the rejected events' dead letters. A bad event is
// rejected alone and kept as a dead letter.
//
// The steps: validate the body -> store it raw (a refused body: raw + dead letter, then the 4xx) ->
// parse and map each event (catalogue, outside the transaction) -> in one transaction: the raw
// message, the source-of-truth partition (server/ownership), the ledger and positions
// (server/positions/apply-batch.ts, which also marks SKUs dirty in the recompute outbox and adds the
// recompute job), dead letters, the message's outcome -> answer and notify.
import type { PrismaClient } from '@prisma/client'
import type { Db, RawSql } from '../db'
import { rawTransaction } from '../db'
import { AppError, PayloadTooLargeError, ValidationError } from '../errors'
import { applyPositionBatch, positionTransaction, type ApplyBatchOptions } from '../positions/apply-batch'
import {
  MAX_BODY_BYTES,
  MAX_EVENTS_PER_BATCH,
  MAX_TEXT,
  parseEvent,
  type EventRejection,
  type ParsedEvent,
} from './event.schema'
import { resolveCatalog } from './resolve-catalog'
import { storeInboundMessage, finishInboundMessage } from './inbound-message.repository'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from './dead-letters.repository'
import { parseJsonText, quoted, unstorableText } from './storable-text'
import { emitStockChanged } from '../realtime/publisher'
import { partitionByOwnership } from '../ownership/partition-by-ownership'

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

/** The use case's own transactions read nothing back after applying: their write-back goes with COMMIT. */
const AT_COMMIT: ApplyBatchOptions = { writeBackAtCommit: true }

/** Parses the body as a whole; only an unusable body is a 400 (nothing applied). */
function parseBody(body: string): { source: string; events: unknown[] } {
  const json = parseJsonText(body)
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ValidationError('The body must be a JSON object with "source" and "events".', undefined, 'INVALID_BODY')
  const obj = json as Record<string, unknown>
  if (typeof obj.source !== 'string' || obj.source.trim() === '')
    throw new ValidationError(
      '"source" is required: the name of the system sending these events.',
      undefined,
      'MISSING_SOURCE',
    )
  const source = obj.source.trim()
  const why = unstorableText(source)
  if (why) throw new ValidationError(`"source" ${why}.`, undefined, 'INVALID_SOURCE')
  if (source.length > MAX_TEXT.source)
    throw new ValidationError(`"source" is longer than ${MAX_TEXT.source} characters.`, undefined, 'INVALID_SOURCE')
  if (!Array.isArray(obj.events))
    throw new ValidationError('"events" must be an array of inventory events.', undefined, 'MISSING_EVENTS')
  if (obj.events.length === 0)
    throw new ValidationError('"events" is empty: send 1 to 5,000 events.', undefined, 'EMPTY_BATCH')
  if (obj.events.length > MAX_EVENTS_PER_BATCH)
    throw new PayloadTooLargeError(`A batch holds at most ${MAX_EVENTS_PER_BATCH} events (got ${obj.events.length}).`)
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
  const raw = {
    kind: 'events',
    transport: input.transport ?? 'http',
    body: input.body,
    exactBytes: input.exactBytes,
    receivedAt,
  }
  let parsed: { source: string; events: unknown[] }
  try {
    parsed = parseBody(input.body)
    if (input.boundSource && input.boundSource !== parsed.source) {
      throw new ValidationError(
        `This API key may only send events for source "${input.boundSource}".`,
        undefined,
        'SOURCE_NOT_ALLOWED',
      )
    }
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    // Refused whole: still kept, raw and as a dead letter, in one transaction.
    await rawTransaction(db, async (tx) => {
      const messageId = await storeInboundMessage(tx, { ...raw, source: input.boundSource ?? '(unparsed)' })
      await finishInboundMessage(tx, messageId, { status: 'rejected', error: e.message })
      await recordIngestDeadLetters(tx, messageId, input.boundSource ?? null, [
        { index: -1, code: e.code, message: e.message, raw: input.body.slice(0, 4096) },
      ])
    })
    emitIngestDeadLettersChanged()
    throw e
  }
  const { source } = parsed
  const prepared = await prepareEventBatch(db, source, parsed.events)
  const r = await positionTransaction(db, async (tx) => {
    const messageId = await storeInboundMessage(tx, { ...raw, source })
    // The position write-back and the message's outcome go with COMMIT: the batch holds its
    // positions for two round trips (lock and record, then write back and commit), not four.
    const applied = await recordEventBatch(tx, source, prepared, messageId, receivedAt, AT_COMMIT)
    await finishInboundMessage(
      tx,
      messageId,
      {
        source,
        status:
          applied.rejected.length === 0
            ? 'processed'
            : applied.accepted + applied.duplicates === 0
              ? 'rejected'
              : 'partially_rejected',
        accepted: applied.accepted,
        duplicates: applied.duplicates,
        rejected: applied.rejected.length,
      },
      { atCommit: true },
    )
    return { ...applied, inboundMessageId: messageId }
  })
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
  const r = await positionTransaction(db, (tx) =>
    recordEventBatch(tx, source, prepared, messageId, receivedAt, AT_COMMIT),
  )
  if (r.accepted > 0) emitStockChanged(prepared.skuCodes)
  return r
}

/**
 * Inside the caller's transaction: applies the prepared events and records every rejected one
 * (parse, catalogue and apply-time rejections) as a dead letter. Leaves `prepared` untouched, so a
 * transaction retried after a deadlock starts from the same input.
 */
async function recordEventBatch(
  tx: RawSql,
  source: string,
  prepared: PreparedEvents,
  messageId: string | null,
  receivedAt: Date,
  opts: ApplyBatchOptions,
): Promise<Omit<IngestResult, 'inboundMessageId'>> {
  const applied = await applyPreparedEvents(tx, source, prepared, messageId, receivedAt, opts)
  const rejected =
    applied.rejected.length === 0
      ? prepared.rejected
      : [...prepared.rejected, ...applied.rejected].sort((a, b) => a.index - b.index)
  await recordIngestDeadLetters(tx, messageId, source, rejected)
  return {
    accepted: applied.accepted,
    duplicates: applied.duplicates,
    rejected: rejected.map(({ index, code, message }) => ({ index, code, message })),
    ...(applied.shadowed ? { shadowed: applied.shadowed } : {}),
  }
}

export interface PreparedEvents {
  resolved: ResolvedEvent[]
  /** Sorted by index; each kept raw as a dead letter by the caller. */
  rejected: EventRejection[]
  skuCodes: string[]
}

/** Parses and maps (alias, location, unit) raw events; touches nothing. `indexOffset` numbers rows of a long file. */
export async function prepareEventBatch(
  db: Db,
  source: string,
  rawEvents: unknown[],
  indexOffset = 0,
): Promise<PreparedEvents> {
  const rejected: EventRejection[] = []
  const valid: ParsedEvent[] = []
  rawEvents.forEach((raw, i) => {
    const r = parseEvent(raw, indexOffset + i)
    if (r.ok) valid.push(r.event)
    else rejected.push(r.rejection)
  })

  const catalog = await resolveCatalog(
    db,
    source,
    valid.map((e) => e.sku),
    valid.flatMap((e) => (e.toLocation ? [e.location, e.toLocation] : [e.location])),
  )
  const resolved: ResolvedEvent[] = []
  for (const e of valid) {
    const r = resolveEvent(e, catalog, source, rejected)
    if (r) resolved.push(r)
  }
  rejected.sort((a, b) => a.index - b.index)
  return { resolved, rejected, skuCodes: resolved.map((e) => catalog.sku(e.sku)!.code) }
}

/**
 * One parsed event mapped to our SKU, locations and base unit; null when one of them is unknown
 * or the quantity out of range (its rejection pushed to `rejected`).
 */
function resolveEvent(
  e: ParsedEvent,
  catalog: Awaited<ReturnType<typeof resolveCatalog>>,
  source: string,
  rejected: EventRejection[],
): ResolvedEvent | null {
  const sku = catalog.sku(e.sku)
  if (!sku) return refuse(rejected, e, 'UNKNOWN_SKU', unknownForSource('SKU', e.sku, source))
  const locationId = catalog.location(e.location)
  if (!locationId) return refuse(rejected, e, 'UNKNOWN_LOCATION', unknownForSource('location', e.location, source))
  let toLocationId: string | null = null
  if (e.toLocation) {
    toLocationId = catalog.location(e.toLocation) ?? null
    if (!toLocationId)
      return refuse(rejected, e, 'UNKNOWN_LOCATION', `Unknown destination location ${quoted(e.toLocation)}.`)
  }
  const uom = (e.uom ?? sku.baseUom).toUpperCase()
  const factor = sku.factors.get(uom)
  if (!factor)
    return refuse(
      rejected,
      e,
      'UNKNOWN_UOM',
      `Unknown unit ${quoted(e.uom ?? sku.baseUom)} for SKU ${sku.code} (base unit ${sku.baseUom}): add a unit-of-measure conversion.`,
    )
  const baseQuantity = e.quantity * factor
  if (Math.abs(baseQuantity) > 1e9)
    return refuse(rejected, e, 'INVALID_QUANTITY', `${e.quantity} ${uom} is beyond ±1e9 base units.`)
  // A plain literal, not a spread: this runs per event on the hot path (spread costs ~20x).
  return {
    index: e.index,
    idempotencyKey: e.idempotencyKey,
    type: e.type,
    sku: e.sku,
    location: e.location,
    quantity: e.quantity,
    uom,
    occurredAt: e.occurredAt,
    sourceSeq: e.sourceSeq,
    reference: e.reference,
    toLocation: e.toLocation,
    raw: e.raw,
    skuId: sku.id,
    locationId,
    toLocationId,
    baseQuantity,
  }
}

/** An unknown SKU or location of a source: add it, or an alias of the source's name for it. */
const unknownForSource = (what: 'SKU' | 'location', name: string, source: string) =>
  `Unknown ${what} ${quoted(name)} for source ${quoted(source)}: add the ${what} or an alias.`

/** Rejects the event (pushed to `rejected`): null, for `return refuse(...)`. */
function refuse(rejected: EventRejection[], e: ParsedEvent, code: string, message: string): null {
  rejected.push(eventRejection(e, code, message))
  return null
}

function eventRejection(e: ParsedEvent, code: string, message: string): EventRejection {
  return { index: e.index, code, message, raw: e.raw, sku: e.sku }
}

/** Records and applies prepared events inside the caller's transaction (the file inbox applies a whole file in one). */
export async function applyPreparedEvents(
  tx: RawSql,
  source: string,
  prepared: PreparedEvents,
  messageId: string | null,
  receivedAt: Date,
  opts: ApplyBatchOptions = {},
): Promise<{ accepted: number; duplicates: number; rejected: EventRejection[]; shadowed?: number }> {
  if (prepared.resolved.length === 0) return { accepted: 0, duplicates: 0, rejected: [] }
  // Source of truth per location (server/ownership): only the owner's events are applied.
  const owned = await partitionByOwnership(tx, source, prepared.resolved, messageId, receivedAt)
  const r =
    owned.apply.length > 0
      ? await applyOwned(tx, source, owned.apply, messageId, receivedAt, opts)
      : { accepted: 0, duplicates: 0, rejected: [] }
  if (owned.refused.length === 0 && owned.shadowed === 0) return r
  return { ...r, rejected: [...owned.refused, ...r.rejected], shadowed: owned.shadowed }
}

/** The ledger and positions (server/positions); an event that would overflow a position is rejected alone. */
async function applyOwned(
  tx: RawSql,
  source: string,
  events: ResolvedEvent[],
  messageId: string | null,
  receivedAt: Date,
  opts: ApplyBatchOptions,
): Promise<{ accepted: number; duplicates: number; rejected: EventRejection[] }> {
  const r = await applyPositionBatch(tx, source, events, messageId, receivedAt, opts)
  const rejected = r.overflowed.map(({ event: e, message }) => ({
    index: e.index,
    code: 'INVALID_QUANTITY',
    message,
    raw: e.raw,
    sku: e.sku,
  }))
  return { accepted: r.accepted, duplicates: r.duplicates, rejected }
}
