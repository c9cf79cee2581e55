// The batched position write: record a batch of mapped events in the ledger (idempotent per source
// and key) and apply them to positions in arrival order, inside the caller's transaction, in two
// statements (apply-batch.sql.ts) and in-memory work between them:
//   1. plan: every position the batch touches, sorted (the lock order of every writer of positions);
//   2. lock and record: positions locked in that order, then the ledger rows inserted, so for one
//      SKU x location ledger ids grow in apply order (arrival order is `ORDER BY id`);
//   3. apply in memory (apply-event.ts, the arithmetic), channel reservations handed over;
//   4. write back: positions, reservations, stale outcomes, the recompute outbox and its job,
//      the events counter and exception findings.
// Writers run it in `positionTransaction`, which runs the whole transaction again when PostgreSQL
// picks it as a deadlock victim (decided by SQLSTATE, server/db.ts).
import type { PrismaClient } from '@prisma/client'
import type { RawSql } from '../db'
import { rawTransaction, withDeadlockRetry } from '../db'
import { JOB_CATALOG } from '../queue/job-catalog'
import { RECOMPUTE_JOB } from '../queue/enqueue'
import { minuteOf } from '../metrics/counters'
import { applyEvent, positionExceptions, type EventType, type PositionState } from './apply-event'
import { LOCK_AND_RECORD_SQL, WRITE_BACK_SQL } from './apply-batch.sql'

/** One event mapped to the catalogue (ids, base units), as the ledger records it. */
export interface PositionBatchEvent {
  /** Its index in the inbound batch (or file): the ledger's `batchIndex`. */
  index: number
  idempotencyKey: string
  type: EventType
  skuId: string
  locationId: string
  toLocationId: string | null
  /** Base units. */
  baseQuantity: number
  /** As sent, in `uom`. */
  quantity: number
  uom: string | null
  reference: string | null
  sourceSeq: bigint | null
  occurredAt: Date
}

export interface PositionBatchResult<E> {
  accepted: number
  duplicates: number
  /** Recorded, then removed: applying them would take a position beyond what it can hold. */
  overflowed: Array<{ event: E; message: string }>
}

/**
 * One transaction of a writer of positions: `fn` runs in a plain `pg` transaction (rawTransaction),
 * all of it again when it was chosen as a deadlock victim or could not be serialised.
 */
export function positionTransaction<T>(db: PrismaClient, fn: (tx: RawSql) => Promise<T>): Promise<T> {
  return withDeadlockRetry(() => rawTransaction(db, fn))
}

type PositionRow = PositionState & { skuId: string; locationId: string; version: bigint }

interface HandoverReservation {
  id: string
  ref: string
  skuId: string
  locationId: string
  quantity: number
  handedOver: number
  changed: boolean
}

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
    if (i === undefined) {
      i = this.ids.length
      this.ids.push(id)
      this.index.set(id, i)
    }
    return i
  }
}

// The batch's critical section runs from the lock statement to COMMIT: every concurrent batch that
// shares a position waits for it. It is two statements and in-memory work; parsing, the catalog
// lookup and the raw message are outside it.
const INT4_MAX = 2_147_483_647
const fitsPosition = (p: PositionState) =>
  [p.onHand, p.reserved, p.allocated, p.inTransit, p.quarantined, p.damaged].every(
    (v) => v <= INT4_MAX && v >= -INT4_MAX,
  )

/** Step 1: the batch's ids numbered, its positions in lock order, its ledger rows as compact JSON. */
interface BatchPlan {
  skus: IdIndex
  locs: IdIndex
  pairOf: Map<string, [number, number]>
  /** Position keys `skuId|locationId`, sorted: the lock order. */
  sortedKeys: string[]
  /** Per event, its position key. */
  keyOf: string[]
  rows: unknown[]
  handoverCandidates: Array<{ ch: string; o: string; s: string; l: string }>
}

function planBatch(events: PositionBatchEvent[]): BatchPlan {
  // Every position the batch touches (transfer destinations included), in a stable order:
  // by skuId, then locationId (uuid text, as every writer of positions sorts).
  const skus = new IdIndex()
  const locs = new IdIndex()
  const pairOf = new Map<string, [number, number]>()
  const keyOf: string[] = new Array(events.length)
  const rows: unknown[] = new Array(events.length)
  const handoverCandidates: BatchPlan['handoverCandidates'] = []
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
    rows[i] = [
      wellFormed(e.idempotencyKey),
      e.type,
      si,
      li,
      e.baseQuantity,
      e.quantity,
      wellFormed(e.uom),
      ti,
      wellFormed(e.reference),
      e.sourceSeq === null ? null : e.sourceSeq.toString(),
      e.occurredAt.toISOString(),
      e.index,
    ]
    if ((e.type === 'allocate' || e.type === 'ship') && e.reference && e.reference.indexOf(':') > 0) {
      const ref = wellFormed(e.reference)!
      const c = ref.indexOf(':')
      handoverCandidates.push({ ch: ref.slice(0, c), o: ref.slice(c + 1), s: e.skuId, l: e.locationId })
    }
  }
  return { skus, locs, pairOf, sortedKeys: [...pairOf.keys()].sort(), keyOf, rows, handoverCandidates }
}

/** Step 2's answer: the locked positions, the inserted events' ids by batch index, the reservations a handover may release. */
interface Recorded {
  positions: Map<string, PositionRow>
  idByIndex: Map<number, string>
  handover: HandoverReservation[]
}

async function lockAndRecord(
  tx: RawSql,
  plan: BatchPlan,
  source: string,
  messageId: string | null,
  receivedAt: Date,
): Promise<Recorded> {
  const { skus, locs, pairOf, sortedKeys } = plan
  const pairs: number[] = []
  for (const k of sortedKeys) {
    const [si, li] = pairOf.get(k)!
    pairs.push(si, li)
  }
  // More passes happen only when positions are missing (see LOCK_AND_RECORD_SQL).
  let r: { locked: number; positions: string | null; inserted: string | null; reservations: string | null } | undefined
  const args = [
    arrayLiteral(skus.ids),
    arrayLiteral(locs.ids),
    arrayLiteral(pairs),
    sortedKeys.length,
    source,
    receivedAt.toISOString(),
    messageId,
    JSON.stringify(plan.rows),
    JSON.stringify(plan.handoverCandidates),
  ]
  for (let pass = 1; ; pass++) {
    ;[r] = await tx.$queryRawUnsafe<Array<NonNullable<typeof r>>>(LOCK_AND_RECORD_SQL, ...args, pass > 1)
    if (r.locked === sortedKeys.length) break
    if (pass >= 4) throw new Error(`could not lock ${sortedKeys.length - r.locked} of ${sortedKeys.length} positions`)
  }
  const positions = new Map<string, PositionRow>()
  type LockedRow = [number, number, number, number, number, number, number, string | null, string | null, string]
  for (const [ord, onHand, reserved, allocated, inTransit, quarantined, damaged, lcs, lca, v] of JSON.parse(
    r.positions ?? '[]',
  ) as LockedRow[]) {
    const key = sortedKeys[ord]
    const [si, li] = pairOf.get(key)!
    positions.set(key, {
      skuId: skus.ids[si],
      locationId: locs.ids[li],
      onHand,
      reserved,
      allocated,
      inTransit,
      quarantined,
      damaged,
      lastCountSeq: lcs === null ? null : BigInt(lcs),
      lastCountAt: lca === null ? null : new Date(lca),
      version: BigInt(v),
    })
  }
  const idByIndex = new Map<number, string>()
  for (const [id, batchIndex] of JSON.parse(r.inserted ?? '[]') as Array<[string, number]>)
    idByIndex.set(batchIndex, id)
  // Handover from channel reservation to ERP allocation: an allocate or ship whose reference is
  // `<channel>:<orderId>` first releases that order's reservation of the same SKU at that location,
  // so the same units are never held twice.
  const handover: HandoverReservation[] = (
    JSON.parse(r.reservations ?? '[]') as Array<{
      id: string
      channel: string
      orderId: string
      skuId: string
      locationId: string
      quantity: number
      handedOverQuantity: number
    }>
  ).map((h) => ({
    id: h.id,
    ref: `${h.channel}:${h.orderId}`,
    skuId: h.skuId,
    locationId: h.locationId,
    quantity: h.quantity,
    handedOver: h.handedOverQuantity,
    changed: false,
  }))
  return { positions, idByIndex, handover }
}

/** Step 3's outcome, what step 4 writes. */
interface Applied<E> {
  touched: Map<string, { row: PositionRow; lastEventId: string }>
  staleIds: string[]
  countsByType: Map<string, number>
  dirtySkus: Set<number>
  overflow: Array<{ id: string; e: E }>
}

/** Applies the recorded (not duplicate) events in arrival order (array order) in memory. */
function applyInMemory<E extends PositionBatchEvent>(events: E[], plan: BatchPlan, recorded: Recorded): Applied<E> {
  const { positions, idByIndex, handover } = recorded
  const touched = new Map<string, { row: PositionRow; lastEventId: string }>()
  const staleIds: string[] = []
  const countsByType = new Map<string, number>()
  const dirtySkus = new Set<number>()
  // Valid quantities can still sum beyond what a position holds (2^31 - 1): that event alone is
  // rejected (its ledger row removed in step 4), the rest of the batch applies.
  const overflow: Array<{ id: string; e: E }> = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    const id = idByIndex.get(e.index)
    if (id === undefined) continue
    const key = plan.keyOf[i]
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
    const { next, outcome } = applyEvent(row, {
      type: e.type,
      quantity: e.baseQuantity,
      occurredAt: e.occurredAt,
      sourceSeq: e.sourceSeq,
    })
    const destRow = e.type === 'transfer_out' && e.toLocationId ? positions.get(`${e.skuId}|${e.toLocationId}`)! : null
    if (
      !fitsPosition({ ...row, ...next }) ||
      (destRow && !fitsPosition({ ...destRow, inTransit: destRow.inTransit + e.baseQuantity }))
    ) {
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
    dirtySkus.add(plan.skus.of(e.skuId))
  }
  return { touched, staleIds, countsByType, dirtySkus, overflow }
}

/**
 * Step 4: write back, and wake the recompute worker, in one statement (see WRITE_BACK_SQL). With
 * `atCommit` (and a transaction that can) it is sent with COMMIT instead: one round trip fewer
 * while the batch holds its position locks.
 */
async function writeBack<E>(
  tx: RawSql,
  plan: BatchPlan,
  recorded: Recorded,
  applied: Applied<E>,
  source: string,
  receivedAt: Date,
  atCommit: boolean,
): Promise<void> {
  const written: unknown[] = []
  const found: unknown[] = []
  const stillExceptional: unknown[] = []
  for (const [key, { row: p, lastEventId }] of applied.touched) {
    const [si, li] = plan.pairOf.get(key)!
    written.push([
      si,
      li,
      p.onHand,
      p.reserved,
      p.allocated,
      p.inTransit,
      p.quarantined,
      p.damaged,
      p.lastCountSeq === null ? null : p.lastCountSeq.toString(),
      p.lastCountAt ? p.lastCountAt.toISOString() : null,
      p.version.toString(),
      lastEventId,
    ])
    const xs = positionExceptions(p)
    for (const x of xs) found.push([si, li, x.field, x.message])
    stillExceptional.push([si, li, lastEventId, xs.map((x) => x.field)])
  }
  const run =
    atCommit && tx.$executeAtCommit
      ? async (sql: string, ...values: unknown[]) => {
          tx.$executeAtCommit!(sql, ...values)
        }
      : async (sql: string, ...values: unknown[]) => {
          await tx.$queryRawUnsafe(sql, ...values)
        }
  await run(
    WRITE_BACK_SQL,
    arrayLiteral(plan.skus.ids),
    arrayLiteral(plan.locs.ids),
    JSON.stringify(written),
    JSON.stringify(
      recorded.handover.filter((h) => h.changed).map((h) => ({ id: h.id, q: h.quantity, h: h.handedOver })),
    ),
    arrayLiteral(applied.staleIds),
    arrayLiteral(applied.dirtySkus),
    receivedAt.toISOString(),
    minuteOf(receivedAt).toISOString(),
    JSON.stringify([...applied.countsByType].map(([type, n]) => [`source=${source},type=${type}`, n])),
    JSON.stringify(found),
    JOB_CATALOG.recomputeAvailability.task,
    new Date().toISOString(),
    JSON.stringify(stillExceptional),
    JOB_CATALOG.recomputeAvailability.maxAttempts,
    JOB_CATALOG.recomputeAvailability.priority,
    RECOMPUTE_JOB.queueName,
    RECOMPUTE_JOB.jobKey,
  )
  if (applied.overflow.length > 0)
    await run(`DELETE FROM "LedgerEvent" WHERE id = ANY($1::bigint[])`, arrayLiteral(applied.overflow.map((o) => o.id)))
}

export interface ApplyBatchOptions {
  /**
   * Send the write-back with the transaction's COMMIT (`RawSql.$executeAtCommit`, rawTransaction
   * only): the caller reads nothing the batch writes before committing. Shortens the time the
   * batch holds its positions by a round trip.
   */
  writeBackAtCommit?: boolean
}

/**
 * Records `events` (mapped, owned by `source`) in the ledger and applies the new ones to positions,
 * inside the caller's transaction. A repeated idempotency key is a duplicate and changes nothing.
 */
export async function applyPositionBatch<E extends PositionBatchEvent>(
  tx: RawSql,
  source: string,
  events: E[],
  messageId: string | null,
  receivedAt: Date,
  opts: ApplyBatchOptions = {},
): Promise<PositionBatchResult<E>> {
  const plan = planBatch(events)
  const recorded = await lockAndRecord(tx, plan, source, messageId, receivedAt)
  const duplicates = events.length - recorded.idByIndex.size
  if (recorded.idByIndex.size === 0) return { accepted: 0, duplicates, overflowed: [] }
  const applied = applyInMemory(events, plan, recorded)
  await writeBack(tx, plan, recorded, applied, source, receivedAt, opts.writeBackAtCommit === true)
  return {
    accepted: recorded.idByIndex.size - applied.overflow.length,
    duplicates,
    overflowed: applied.overflow.map(({ e }) => ({
      event: e,
      message: `Applying ${e.baseQuantity} would take the position beyond ${INT4_MAX.toLocaleString('en-US')} units; this event was not applied.`,
    })),
  }
}
