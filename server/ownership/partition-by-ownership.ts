// Source of truth per location: which source is the system of record for a location's on hand
// (optionally per SKU category). Before a batch is applied, its events are split three ways:
// - the owner's (or any source's where no owner is set): applied as usual;
// - a cutover's shadow source: recorded in shadow (ShadowEvent, ShadowPosition), compared with the
//   owner's numbers on the cutover screen, never applied;
// - any other source: refused with NOT_SYSTEM_OF_RECORD and kept as a dead letter by the caller.
// Invariant (tested as a property): no event from a source other than the owner moves a position.
import type { RawSql } from '../db'
import type { EventRejection } from '../ingest/event.schema'
import { applyEvent, ZERO_POSITION, type EventType, type PositionState } from '../positions/apply-event'
import { minuteOf } from '../metrics/counters'

export const NOT_SYSTEM_OF_RECORD = 'NOT_SYSTEM_OF_RECORD'

export interface OwnershipRule {
  locationId: string
  category: string | null
  source: string
  shadowSource: string | null
  effectiveFrom: Date
}

/** What ownership needs of an event (ingest's resolved event has all of it). */
export interface OwnedEvent {
  index: number
  idempotencyKey: string
  type: EventType
  sku: string
  location: string
  skuId: string
  locationId: string
  /** A transfer's destination: owned like any other location (a transfer INTO it moves its stock). */
  toLocation?: string | null
  toLocationId?: string | null
  baseQuantity: number
  occurredAt: Date
  sourceSeq: bigint | null
  raw: unknown
}

/** The rule in force at `at` for a location and a SKU category: category rows win over location-wide ones; newest first. */
export function ownerFor(
  rules: OwnershipRule[],
  locationId: string,
  category: string | null,
  at: Date,
): OwnershipRule | undefined {
  let best: OwnershipRule | undefined
  for (const r of rules) {
    if (r.locationId !== locationId || r.effectiveFrom > at) continue
    if (r.category !== null && r.category !== category) continue
    if (!best) {
      best = r
      continue
    }
    const moreSpecific =
      (r.category !== null) !== (best.category !== null) ? r.category !== null : r.effectiveFrom > best.effectiveFrom
    if (moreSpecific) best = r
  }
  return best
}

export type OwnershipVerdict =
  { kind: 'apply' } | { kind: 'shadow'; owner: string } | { kind: 'refuse'; owner: string; since: Date }

/** Pure: what happens to one event of `source` at a location under the rules in force at `at`. */
export function ownershipVerdict(
  rules: OwnershipRule[],
  source: string,
  locationId: string,
  category: string | null,
  at: Date,
): OwnershipVerdict {
  const rule = ownerFor(rules, locationId, category, at)
  if (!rule || rule.source === source) return { kind: 'apply' }
  if (rule.shadowSource === source) return { kind: 'shadow', owner: rule.source }
  return { kind: 'refuse', owner: rule.source, since: rule.effectiveFrom }
}

/**
 * Pure: the verdict for an event that touches several locations (a transfer moves stock at its
 * origin and its destination): the strictest one wins (refuse, then shadow, then apply), so a
 * source may move a location's stock only where it may move it at every location it touches.
 */
export function strictestVerdict(
  verdicts: Array<OwnershipVerdict & { location?: string }>,
): OwnershipVerdict & { location?: string } {
  const rank = { apply: 0, shadow: 1, refuse: 2 } as const
  return verdicts.reduce((a, b) => (rank[b.kind] > rank[a.kind] ? b : a), { kind: 'apply' } as OwnershipVerdict & {
    location?: string
  })
}

export async function loadOwnershipRules(tx: RawSql, at: Date, locationIds?: string[]): Promise<OwnershipRule[]> {
  return tx.$queryRawUnsafe<OwnershipRule[]>(
    `SELECT "locationId"::text AS "locationId", category, source, "shadowSource", "effectiveFrom" FROM "LocationOwnership"
      WHERE "effectiveFrom" <= $1::timestamptz AND ($2::uuid[] IS NULL OR "locationId" = ANY($2::uuid[]))`,
    at.toISOString(),
    locationIds ?? null,
  )
}

/**
 * Splits a batch before it is applied (one query when no location has an owner). Shadow events
 * are recorded here, in the caller's transaction; refused ones are returned as rejections.
 */
export async function partitionByOwnership<E extends OwnedEvent>(
  tx: RawSql,
  source: string,
  events: E[],
  messageId: string | null,
  receivedAt: Date,
): Promise<{ apply: E[]; shadowed: number; refused: EventRejection[] }> {
  if (events.length === 0) return { apply: events, shadowed: 0, refused: [] }
  const locationIds = [
    ...new Set(events.flatMap((e) => (e.toLocationId ? [e.locationId, e.toLocationId] : [e.locationId]))),
  ]
  const rules = await loadOwnershipRules(tx, receivedAt, locationIds)
  if (rules.length === 0) return { apply: events, shadowed: 0, refused: [] }
  const categoryOf = new Map<string, string>()
  if (rules.some((r) => r.category !== null)) {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; category: string }>>(
      `SELECT id::text AS id, category FROM "Sku" WHERE id = ANY($1::uuid[])`,
      [...new Set(events.map((e) => e.skuId))],
    )
    for (const r of rows) categoryOf.set(r.id, r.category)
  }
  const locationCode = new Map<string, string>()
  const apply: E[] = []
  const shadow: E[] = []
  const refused: EventRejection[] = []
  for (const e of events) {
    locationCode.set(e.locationId, e.location)
    const category = categoryOf.get(e.skuId) ?? null
    const v = strictestVerdict([
      { ...ownershipVerdict(rules, source, e.locationId, category, receivedAt), location: e.location },
      ...(e.toLocationId
        ? [
            {
              ...ownershipVerdict(rules, source, e.toLocationId, category, receivedAt),
              location: e.toLocation ?? e.toLocationId,
            },
          ]
        : []),
    ])
    if (v.kind === 'apply') apply.push(e)
    else if (v.kind === 'shadow') shadow.push(e)
    else
      refused.push({
        index: e.index,
        code: NOT_SYSTEM_OF_RECORD,
        sku: e.sku,
        raw: e.raw,
        message: `Source "${source}" is not the system of record for ${v.location !== e.location ? 'destination ' : ''}location "${v.location ?? e.location}"${categoryOf.has(e.skuId) && rules.some((r) => r.category === categoryOf.get(e.skuId)) ? ` (category ${categoryOf.get(e.skuId)})` : ''}: "${v.owner}" is, since ${v.since.toISOString()}. The event was not applied.`,
      })
  }
  const shadowed = shadow.length > 0 ? await recordShadowEvents(tx, source, shadow, messageId, receivedAt) : 0
  return { apply, shadowed, refused }
}

/**
 * Records a shadow source's events (idempotent per source and key), applies them to its shadow
 * positions with the ledger's arithmetic, and samples the difference with the owner per location.
 */
async function recordShadowEvents(
  tx: RawSql,
  source: string,
  events: OwnedEvent[],
  messageId: string | null,
  receivedAt: Date,
): Promise<number> {
  const fresh = await insertShadowEvents(tx, source, events, messageId, receivedAt)
  const toApply = events.filter((e) => fresh.has(e.index))
  if (toApply.length === 0) return 0
  const state = await lockShadowPositions(tx, source, toApply)
  for (const e of toApply) {
    const key = `${e.skuId}|${e.locationId}`
    const before = state.get(key) ?? ZERO_POSITION
    state.set(
      key,
      applyEvent(before, { type: e.type, quantity: e.baseQuantity, occurredAt: e.occurredAt, sourceSeq: e.sourceSeq })
        .next,
    )
  }
  await writeShadowPositions(tx, source, state, receivedAt)
  await sampleCutover(tx, source, [...new Set(toApply.map((e) => e.locationId))], receivedAt)
  return toApply.length
}

/** Stores the events (idempotent per source and key); the indexes of those not seen before. */
async function insertShadowEvents(
  tx: RawSql,
  source: string,
  events: OwnedEvent[],
  messageId: string | null,
  receivedAt: Date,
): Promise<Set<number>> {
  const inserted = await tx.$queryRawUnsafe<Array<{ i: number }>>(
    `INSERT INTO "ShadowEvent"(source, "idempotencyKey", "skuId", "locationId", type, quantity, "occurredAt", "receivedAt", "messageId", raw)
     SELECT $1, x.k, x.s, x.l, x.t, x.q, x.o, $2::timestamptz, $3::uuid, x.r
       FROM json_to_recordset($4::json) AS x(i int, k text, s uuid, l uuid, t text, q int, o timestamptz, r jsonb)
     ON CONFLICT (source, "idempotencyKey") DO NOTHING
     RETURNING (SELECT y.i FROM json_to_recordset($4::json) AS y(i int, k text) WHERE y.k = "ShadowEvent"."idempotencyKey" LIMIT 1) AS i`,
    source,
    receivedAt.toISOString(),
    messageId,
    JSON.stringify(
      events.map((e) => ({
        i: e.index,
        k: e.idempotencyKey,
        s: e.skuId,
        l: e.locationId,
        t: e.type,
        q: e.baseQuantity,
        o: e.occurredAt.toISOString(),
        r: e.raw ?? null,
      })),
    ),
  )
  return new Set(inserted.map((r) => r.i))
}

/** The shadow positions the events touch, locked in (location, SKU) order. */
async function lockShadowPositions(
  tx: RawSql,
  source: string,
  events: OwnedEvent[],
): Promise<Map<string, PositionState>> {
  type Row = {
    skuId: string
    locationId: string
    onHand: number
    quarantined: number
    damaged: number
    allocated: number
    inTransit: number
    lastCountSeq: string | null
    lastCountAt: Date | null
  }
  const pairs = [...new Set(events.map((e) => `${e.skuId}|${e.locationId}`))].sort()
  const existing = await tx.$queryRawUnsafe<Row[]>(
    `SELECT "skuId"::text AS "skuId", "locationId"::text AS "locationId", "onHand", quarantined, damaged, allocated, "inTransit", "lastCountSeq"::text AS "lastCountSeq", "lastCountAt"
       FROM "ShadowPosition" WHERE source = $1 AND ("skuId"::text || '|' || "locationId"::text) = ANY($2::text[])
      ORDER BY "locationId", "skuId" FOR UPDATE`,
    source,
    pairs,
  )
  const state = new Map<string, PositionState>()
  for (const r of existing)
    state.set(`${r.skuId}|${r.locationId}`, {
      onHand: r.onHand,
      reserved: 0,
      allocated: r.allocated,
      inTransit: r.inTransit,
      quarantined: r.quarantined,
      damaged: r.damaged,
      lastCountSeq: r.lastCountSeq === null ? null : BigInt(r.lastCountSeq),
      lastCountAt: r.lastCountAt,
    })
  return state
}

async function writeShadowPositions(
  tx: RawSql,
  source: string,
  state: Map<string, PositionState>,
  receivedAt: Date,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "ShadowPosition"(source, "skuId", "locationId", "onHand", quarantined, damaged, allocated, "inTransit", "lastCountSeq", "lastCountAt", "updatedAt")
     SELECT $1, x.s, x.l, x.oh, x.qu, x.da, x.al, x.it, x.cs, x.ca, $2::timestamptz
       FROM json_to_recordset($3::json) AS x(s uuid, l uuid, oh int, qu int, da int, al int, it int, cs bigint, ca timestamptz)
     ON CONFLICT (source, "locationId", "skuId") DO UPDATE SET "onHand" = EXCLUDED."onHand", quarantined = EXCLUDED.quarantined, damaged = EXCLUDED.damaged,
       allocated = EXCLUDED.allocated, "inTransit" = EXCLUDED."inTransit", "lastCountSeq" = EXCLUDED."lastCountSeq", "lastCountAt" = EXCLUDED."lastCountAt", "updatedAt" = EXCLUDED."updatedAt"`,
    source,
    receivedAt.toISOString(),
    JSON.stringify(
      [...state].map(([key, p]) => {
        const [s, l] = key.split('|')
        return {
          s,
          l,
          oh: p.onHand,
          qu: p.quarantined,
          da: p.damaged,
          al: p.allocated,
          it: p.inTransit,
          cs: p.lastCountSeq?.toString() ?? null,
          ca: p.lastCountAt?.toISOString() ?? null,
        }
      }),
    ),
  )
}

/** One trend point per minute per (shadow source, location): SKUs compared, differing, total |difference| of on hand. */
export async function sampleCutover(tx: RawSql, source: string, locationIds: string[], at: Date): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "CutoverSample"(source, "locationId", minute, skus, "skusDiffering", "absDifference")
     SELECT $1, sp."locationId", $3::timestamptz, count(*)::int,
            count(*) FILTER (WHERE sp."onHand" <> COALESCE(p."onHand", 0))::int,
            COALESCE(sum(abs(sp."onHand" - COALESCE(p."onHand", 0))), 0)::int
       FROM "ShadowPosition" sp LEFT JOIN "Position" p ON p."skuId" = sp."skuId" AND p."locationId" = sp."locationId"
      WHERE sp.source = $1 AND sp."locationId" = ANY($2::uuid[])
      GROUP BY sp."locationId"
     ON CONFLICT (source, "locationId", minute) DO UPDATE SET skus = EXCLUDED.skus, "skusDiffering" = EXCLUDED."skusDiffering", "absDifference" = EXCLUDED."absDifference"`,
    source,
    locationIds,
    minuteOf(at).toISOString(),
  )
}
