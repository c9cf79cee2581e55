// Channel orders applied, for both paths (POST /api/v1/channels/{channel}/orders and the
// marketplaces' own messages): orders a channel took reserve stock at once. created reserves each line at the location the channel's fulfilment order picks (the first
// eligible location, in the channel's location priority, with enough sellable units; else the
// first eligible location); cancelled releases listed lines by listed quantities; shipped turns a
// line's reservation into a shipment. Kit lines reserve their components. Oversells are recorded
// as incidents of two kinds (channel_oversell, shortage). Every quantity move is a ledger event.
import type { Db } from '../db'
import { transaction } from '../db'
import { ValidationError } from '../errors'
import {
  attributeOversell,
  oneIncidentPerLine,
  type LineIncident as Incident,
  type ListingAtOrderTime,
} from './attribute-oversell'
import { markSkusDirty } from '../availability/recompute-outbox'
import { enqueueRecompute } from '../queue/enqueue'
import { bumpCounters } from '../metrics/counters'
import { recordOrderLag } from '../metrics/lag'
import { getCurrentRuleSet } from '../rules/rule-set.repository'
import { eligibleLocations } from '../availability/compute-availability'
import { positionExceptions, sellable, type PositionQuantities } from '../positions/apply-event'
import { orderIdempotencyKey, type Order } from './channel-order.schema'

export interface ChannelInfo {
  id: string
  code: string
  settings: unknown
}
interface Pos extends PositionQuantities {
  skuId: string
  locationId: string
  location: string
  changed: boolean
  lastEventId: bigint | null
}
interface SkuInfo {
  id: string
  code: string
  isKit: boolean
  priceCents: number
  components: Array<{ skuId: string; quantity: number }>
}

export type OrderItem = { index: number; order: Order }
type Location = { id: string; code: string }
type LedgerRow = {
  key: string
  type: string
  skuId: string
  locationId: string
  quantity: number
  reference: string
  occurredAt: string
  index: number
}
type NewReservation = {
  orderId: string
  lineId: string
  skuId: string
  locationId: string
  kitSkuId: string | null
  quantity: number
}
type OpenReservation = NewReservation & { id: string; handedOverQuantity: number; status: string }
type Offered = { skuId: string; published: number | null; publishedAt: Date | null; reservedSince: number } & Omit<
  ListingAtOrderTime,
  'sharedPoolWithoutBuffer'
>

/** What the orders touch, read and locked before any quantity moves. */
interface OrderContext {
  skus: Map<string, SkuInfo>
  lineSkuIds: string[]
  physicalSkuIds: string[]
  /** The channel's eligible locations in fulfilment order. */
  eligible: Location[]
  pos: Map<string, Pos>
  reservations: OpenReservation[]
  offeredBySku: Map<string, Offered>
  attribute: (
    kind: 'channel_oversell' | 'shortage',
    skuId: string,
    occurredAt: string,
  ) => { cause: string; detail: string }
}

/** Every quantity move the orders make, decided in memory, written set-based afterwards. */
interface OrderPlan {
  ledger: LedgerRow[]
  newReservations: NewReservation[]
  reservationUpdates: Map<string, { quantity: number; status: string }>
  incidents: Incident[]
  counters: Map<string, number>
}

/**
 * The order use case inside the caller's transaction: order-level idempotency (ChannelOrderEvent),
 * reservations, positions, incidents, follow-ups. Every line's SKU must be in `skuIdByInput`.
 * Also called by native order intake (server/orders/native-orders.ts) with its own events.
 */
export async function applyOrders(
  tx: Db,
  channel: ChannelInfo,
  orders: OrderItem[],
  skuIdByInput: Map<string, string>,
  messageId: string,
  receivedAt: Date,
) {
  const source = `channel:${channel.code}`
  const { todo, duplicates } = await recordOrderEvents(tx, channel, orders, messageId, receivedAt)
  if (todo.length === 0) return { accepted: 0, duplicates, incidents: 0 }
  // Order intake lag (marketplace order time to the reservation made in this transaction).
  await recordOrderLag(
    tx,
    channel.id,
    todo
      .filter((o) => o.order.status === 'created')
      .map((o) => receivedAt.getTime() - new Date(o.order.occurredAt).getTime()),
    receivedAt,
  )

  const ctx = await loadOrderContext(tx, channel, todo, skuIdByInput)
  const plan = planOrders(channel, source, todo, skuIdByInput, ctx)

  // Write: ledger events (for explanations), reservations, positions, incidents, follow-ups.
  await writeLedger(tx, source, plan.ledger, ctx.pos, messageId, receivedAt)
  await writeNewReservations(tx, channel, plan, receivedAt)
  await recordSales(tx, channel, todo, skuIdByInput, ctx.skus)
  await writeReservationUpdates(tx, plan.reservationUpdates, receivedAt)
  await writePositions(tx, ctx.pos)
  const incidents = oneIncidentPerLine(plan.incidents)
  if (incidents.length > 0) {
    await tx.oversellIncident.createMany({
      data: incidents.map((i) => ({
        kind: i.kind,
        channel: channel.code,
        sku: i.sku,
        orderId: i.orderId,
        lineId: i.lineId,
        orderedUnits: i.ordered,
        oversoldUnits: i.oversold,
        revenueAtRiskCents: i.revenue,
        occurredAt: new Date(i.occurredAt),
        cause: i.cause,
        details: i.details,
      })),
    })
  }
  await protectAfterOversell(tx, channel, incidents, receivedAt)
  await markSkusDirty(tx, ctx.physicalSkuIds, receivedAt)
  await enqueueRecompute(tx)
  await bumpCounters(tx, 'stocktower_events_total', plan.counters, receivedAt)
  await recordOrderUnits(tx, channel, todo, incidents, receivedAt)
  return { accepted: todo.length, duplicates, incidents: incidents.length }
}

/** Order-level idempotency: one row per order event; a repeat inserts nothing and is not applied again. */
async function recordOrderEvents(
  tx: Db,
  channel: ChannelInfo,
  orders: OrderItem[],
  messageId: string,
  receivedAt: Date,
): Promise<{ todo: OrderItem[]; duplicates: number }> {
  const keys = orders.map((o) => orderIdempotencyKey(o.order))
  const fresh = await tx.$queryRawUnsafe<Array<{ k: string }>>(
    `INSERT INTO "ChannelOrderEvent"("channelId", "idempotencyKey", "orderId", status, lines, "occurredAt", "receivedAt", "inboundMessageId")
     SELECT $1::uuid, k, o, st, l, oa, $2::timestamptz, $3::uuid FROM unnest($4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[]) AS x(k, o, st, l, oa)
     ON CONFLICT ("channelId", "idempotencyKey") DO NOTHING RETURNING "idempotencyKey" AS k`,
    channel.id,
    receivedAt.toISOString(),
    messageId,
    keys,
    orders.map((o) => o.order.orderId),
    orders.map((o) => o.order.status),
    orders.map((o) => JSON.stringify(o.order.lines)),
    orders.map((o) => o.order.occurredAt),
  )
  const freshKeys = new Set(fresh.map((f) => f.k))
  const seen = new Set<string>()
  const todo = orders.filter((o, i) => {
    const k = keys[i]
    if (!freshKeys.has(k) || seen.has(k)) return false
    seen.add(k)
    return true
  })
  return { todo, duplicates: orders.length - todo.length }
}

/** The units of physical SKUs a line moves: a kit line moves its components. */
function lineParts(lineSku: SkuInfo, quantity: number): Array<{ skuId: string; quantity: number }> {
  return lineSku.isKit
    ? lineSku.components.map((c) => ({ skuId: c.skuId, quantity: c.quantity * quantity }))
    : [{ skuId: lineSku.id, quantity }]
}

/**
 * Catalogue facts (SKUs, kit components, the channel's eligible locations in fulfilment order),
 * every position these orders can touch (locked in a stable order), their open reservations
 * (locked), and what the channel was last offered per SKU (for channel_oversell).
 */
async function loadOrderContext(
  tx: Db,
  channel: ChannelInfo,
  todo: OrderItem[],
  skuIdByInput: Map<string, string>,
): Promise<OrderContext> {
  const lineSkuIds = [...new Set(todo.flatMap((o) => o.order.lines.map((l) => skuIdByInput.get(l.sku)!)))]
  const skuRows = await tx.$queryRawUnsafe<
    Array<{
      id: string
      code: string
      isKit: boolean
      priceCents: number
      components: Array<{ skuId: string; quantity: number }> | null
    }>
  >(
    `SELECT s.id::text AS id, s.code, s."isKit", s."priceCents",
            (SELECT json_agg(json_build_object('skuId', k."componentSkuId", 'quantity', k.quantity)) FROM "KitComponent" k WHERE k."kitSkuId" = s.id) AS components
       FROM "Sku" s WHERE s.id = ANY($1::uuid[])`,
    lineSkuIds,
  )
  const skus = new Map<string, SkuInfo>(skuRows.map((s) => [s.id, { ...s, components: s.components ?? [] }]))
  const physicalSkuIds = [...new Set(skuRows.flatMap((s) => (s.isKit ? s.components!.map((c) => c.skuId) : [s.id])))]
  const codes = await tx.$queryRawUnsafe<Array<{ id: string; code: string }>>(
    `SELECT id::text AS id, code FROM "Sku" WHERE id = ANY($1::uuid[])`,
    physicalSkuIds,
  )
  for (const c of codes)
    if (!skus.has(c.id)) skus.set(c.id, { id: c.id, code: c.code, isKit: false, priceCents: 0, components: [] })
  const locations = await tx.$queryRawUnsafe<Location[]>(
    `SELECT id::text AS id, code FROM "Location" WHERE active ORDER BY code`,
  )
  const rules = await getCurrentRuleSet(tx).catch(() => null)
  const eligibleCodes = eligibleLocations(
    rules?.rules.channels[channel.code],
    locations.map((l) => l.code),
  )
  const eligible = eligibleCodes.map((c) => locations.find((l) => l.code === c)!).filter(Boolean)
  if (eligible.length === 0)
    throw new ValidationError(
      `Channel ${channel.code} has no eligible locations to reserve at.`,
      undefined,
      'NO_ELIGIBLE_LOCATION',
    )

  const pos = await lockPositions(tx, physicalSkuIds, eligible, locations)
  const orderIds = [...new Set(todo.map((o) => o.order.orderId))]
  const reservations = await tx.$queryRawUnsafe<OpenReservation[]>(
    `SELECT id::text AS id, "orderId", "lineId", "skuId"::text AS "skuId", "locationId"::text AS "locationId", "kitSkuId"::text AS "kitSkuId", quantity, "handedOverQuantity", status
       FROM "Reservation" WHERE "channelId" = $1::uuid AND "orderId" = ANY($2::text[]) ORDER BY "createdAt" FOR UPDATE`,
    channel.id,
    orderIds,
  )
  const offered = await loadOffered(tx, channel, lineSkuIds)
  const channelRules = rules?.rules.channels[channel.code] as
    { share?: { type?: string }; inFlightBuffer?: unknown } | undefined
  const sharedPoolWithoutBuffer = (channelRules?.share?.type ?? 'shared') === 'shared' && !channelRules?.inFlightBuffer
  const attribute = (kind: 'channel_oversell' | 'shortage', skuId: string, occurredAt: string) => {
    const l = offered.find((o) => o.skuId === skuId)
    return attributeOversell(kind, l ? { ...l, sharedPoolWithoutBuffer } : null, new Date(occurredAt))
  }
  const offeredBySku = new Map(offered.map((o) => [o.skuId, { ...o }]))
  return { skus, lineSkuIds, physicalSkuIds, eligible, pos, reservations, offeredBySku, attribute }
}

/** Locks every position these orders can touch (created if missing), in a stable order. */
async function lockPositions(
  tx: Db,
  physicalSkuIds: string[],
  eligible: Location[],
  locations: Location[],
): Promise<Map<string, Pos>> {
  const pairs: Array<[string, string]> = []
  for (const s of physicalSkuIds) for (const l of eligible) pairs.push([s, l.id])
  pairs.sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1))
  await tx.$executeRawUnsafe(
    `INSERT INTO "Position"("skuId","locationId") SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  )
  const rows = await tx.$queryRawUnsafe<Array<Omit<Pos, 'location' | 'changed' | 'lastEventId'>>>(
    `SELECT p."skuId"::text AS "skuId", p."locationId"::text AS "locationId", p."onHand", p.reserved, p.allocated, p.quarantined, p.damaged, p."inTransit"
       FROM "Position" p JOIN unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(s, l, ord) ON p."skuId" = k.s AND p."locationId" = k.l
      ORDER BY k.ord FOR UPDATE OF p`,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  )
  return new Map<string, Pos>(
    rows.map((r) => [
      `${r.skuId}|${r.locationId}`,
      { ...r, location: locations.find((l) => l.id === r.locationId)!.code, changed: false, lastEventId: null },
    ]),
  )
}

/** What the channel was last offered, per SKU, and what it reserved since (for channel_oversell). */
async function loadOffered(tx: Db, channel: ChannelInfo, lineSkuIds: string[]): Promise<Offered[]> {
  return tx.$queryRawUnsafe<Offered[]>(
    `SELECT cl."skuId"::text AS "skuId", cl."publishedQuantity" AS published, cl."publishedAt",
            COALESCE((SELECT sum(r.quantity + 0) FROM "Reservation" r WHERE r."channelId" = cl."channelId" AND r."skuId" = cl."skuId" AND r."kitSkuId" IS NULL
                       AND r."createdAt" >= COALESCE(cl."publishedAt", 'epoch'::timestamptz)), 0)::int AS "reservedSince",
            cl."desiredQuantity" AS desired, cl."appliedQuantity" AS applied, cl."desiredVersion", cl."publishedVersion", cl."acceptedVersion", cl."appliedVersion", cl."pendingSince",
            EXISTS (SELECT 1 FROM "Finding" f JOIN "Sku" s ON s.code = f.sku WHERE s.id = cl."skuId" AND f.channel = $3 AND f.kind = 'drift' AND f.status IN ('open', 'healing')) AS "driftOpen",
            EXISTS (SELECT 1 FROM "AvailabilityDirty" d WHERE d."skuId" = cl."skuId") AS "inputsChangedSinceDecision"
       FROM "ChannelListing" cl WHERE cl."channelId" = $1::uuid AND cl."skuId" = ANY($2::uuid[])`,
    channel.id,
    lineSkuIds,
    channel.code,
  )
}

/** Decides every order's quantity moves in arrival order, on the locked positions held in memory. */
function planOrders(
  channel: ChannelInfo,
  source: string,
  todo: OrderItem[],
  skuIdByInput: Map<string, string>,
  ctx: OrderContext,
): OrderPlan {
  const plan: OrderPlan = {
    ledger: [],
    newReservations: [],
    reservationUpdates: new Map(),
    incidents: [],
    counters: new Map(),
  }
  for (const { order, index } of todo) {
    const counterKey = `source=${source},type=order_${order.status}`
    plan.counters.set(counterKey, (plan.counters.get(counterKey) ?? 0) + 1)
    for (const line of order.lines) {
      const lineSku = ctx.skus.get(skuIdByInput.get(line.sku)!)!
      const planned: LineInPlan = { channel, order, index, line, lineSku, ctx, plan }
      if (order.status === 'created') planCreatedLine(planned)
      else planReleasedLine(planned)
    }
  }
  return plan
}

type OrderLine = Order['lines'][number]
/** One order line being planned: its channel, order (and its index in the batch), SKU, the context and the plan so far. */
interface LineInPlan {
  channel: ChannelInfo
  order: Order
  index: number
  line: OrderLine
  lineSku: SkuInfo
  ctx: OrderContext
  plan: OrderPlan
}
const positionAt = (ctx: OrderContext, skuId: string, locationId: string) => ctx.pos.get(`${skuId}|${locationId}`)!

/**
 * A created line: a channel_oversell incident if it takes more than the channel was offered, then
 * a reservation of each part at the first eligible location that covers it (a shortage incident
 * if none does).
 */
function planCreatedLine(planned: LineInPlan): void {
  const { channel, order, index, line, lineSku, ctx, plan } = planned
  planChannelOversell(planned)
  const key = orderIdempotencyKey(order)
  for (const part of lineParts(lineSku, line.quantity)) {
    const candidates = ctx.eligible.map((l) => positionAt(ctx, part.skuId, l.id))
    const chosen = candidates.find((p) => sellable(p) >= part.quantity) ?? candidates[0]
    if (sellable(chosen) < part.quantity)
      plan.incidents.push(shortageIncident(order, line, lineSku, part, candidates, chosen, ctx))
    chosen.reserved += part.quantity
    chosen.changed = true
    plan.newReservations.push({
      orderId: order.orderId,
      lineId: line.lineId,
      skuId: part.skuId,
      locationId: chosen.locationId,
      kitSkuId: lineSku.isKit ? lineSku.id : null,
      quantity: part.quantity,
    })
    plan.ledger.push({
      key: `${key}:${line.lineId}:${part.skuId}`,
      type: 'reserve',
      skuId: part.skuId,
      locationId: chosen.locationId,
      quantity: part.quantity,
      reference: `${channel.code}:${order.orderId}`,
      occurredAt: order.occurredAt,
      index,
    })
  }
}

/** A channel_oversell incident when the line takes more than the channel was offered since its last publish. */
function planChannelOversell({ order, line, lineSku, ctx, plan }: LineInPlan): void {
  const o = ctx.offeredBySku.get(lineSku.id)
  if (o && o.published !== null) {
    const left = o.published - o.reservedSince
    if (line.quantity > left) {
      const why = ctx.attribute('channel_oversell', lineSku.id, order.occurredAt)
      plan.incidents.push({
        kind: 'channel_oversell',
        sku: lineSku.code,
        orderId: order.orderId,
        lineId: line.lineId,
        ordered: line.quantity,
        oversold: line.quantity - Math.max(0, left),
        revenue: (line.quantity - Math.max(0, left)) * lineSku.priceCents,
        occurredAt: order.occurredAt,
        cause: why.cause,
        details: {
          published: o.published,
          publishedAt: o.publishedAt,
          reservedSincePublish: o.reservedSince,
          why: why.detail,
        },
      })
    }
    o.reservedSince += line.quantity
  }
}

/**
 * Shortage: no single eligible location covers the part. Units short are measured against the
 * channel's whole eligible pool (0 means it needs a split shipment).
 */
function shortageIncident(
  order: Order,
  line: OrderLine,
  lineSku: SkuInfo,
  part: { skuId: string; quantity: number },
  candidates: Pos[],
  chosen: Pos,
  ctx: OrderContext,
): Incident {
  const pool = candidates.reduce((sum, p) => sum + sellable(p), 0)
  const short = part.quantity - Math.min(part.quantity, pool)
  const code = ctx.skus.get(part.skuId)!.code
  const price = lineSku.isKit ? 0 : lineSku.priceCents
  const why = ctx.attribute('shortage', lineSku.id, order.occurredAt)
  return {
    kind: 'shortage',
    sku: code,
    orderId: order.orderId,
    lineId: line.lineId,
    ordered: part.quantity,
    oversold: short,
    revenue: short * price,
    occurredAt: order.occurredAt,
    cause: why.cause,
    details: {
      eligiblePoolSellable: pool,
      bestLocationSellable: Math.max(...candidates.map(sellable)),
      reservedAt: chosen.location,
      kit: lineSku.isKit ? lineSku.code : null,
      why: why.detail,
    },
  }
}

/**
 * A cancelled or shipped line: releases (or ships) its open reservations, oldest first; a
 * shipment beyond them is covered by what the ERP took over, else shipped unreserved.
 */
function planReleasedLine({ channel, order, index, line, lineSku, ctx, plan }: LineInPlan): void {
  const key = orderIdempotencyKey(order)
  const shipped = order.status === 'shipped'
  for (const part of lineParts(lineSku, line.quantity)) {
    let remaining = part.quantity
    const open = [
      ...ctx.reservations,
      ...plan.newReservations.map((r, i) => ({ ...r, id: `new-${i}`, status: 'open', handedOverQuantity: 0 })),
    ].filter(
      (r) =>
        r.orderId === order.orderId &&
        r.lineId === line.lineId &&
        r.skuId === part.skuId &&
        (plan.reservationUpdates.get(r.id)?.status ?? r.status) !== 'released',
    )
    for (const r of open) {
      if (remaining === 0) break
      const current = plan.reservationUpdates.get(r.id) ?? { quantity: r.quantity, status: r.status }
      if (current.status !== 'open' || current.quantity === 0) continue
      const q = Math.min(remaining, current.quantity)
      const p = positionAt(ctx, part.skuId, r.locationId)
      p.reserved -= q
      if (shipped) p.onHand -= q
      p.changed = true
      remaining -= q
      const left = current.quantity - q
      plan.reservationUpdates.set(r.id, {
        quantity: left,
        status: left > 0 ? 'open' : shipped ? 'shipped' : 'released',
      })
      plan.ledger.push({
        key: `${key}:${line.lineId}:${part.skuId}:${r.locationId}`,
        type: shipped ? 'ship_reserved' : 'release',
        skuId: part.skuId,
        locationId: r.locationId,
        quantity: q,
        reference: `${channel.code}:${order.orderId}`,
        occurredAt: order.occurredAt,
        index,
      })
    }
    if (remaining > 0 && shipped) {
      // Units the ERP took over with an allocation: its own ship moves them, not this status.
      const handed = open.reduce((sum, r) => sum + r.handedOverQuantity, 0)
      remaining = Math.max(0, remaining - handed)
    }
    if (remaining > 0 && shipped) {
      // Shipped with nothing reserved (the creation never reached us): the units still left.
      const p = positionAt(ctx, part.skuId, ctx.eligible[0].id)
      p.onHand -= remaining
      p.changed = true
      plan.ledger.push({
        key: `${key}:${line.lineId}:${part.skuId}:unreserved`,
        type: 'ship_unreserved',
        skuId: part.skuId,
        locationId: ctx.eligible[0].id,
        quantity: remaining,
        reference: `${channel.code}:${order.orderId}`,
        occurredAt: order.occurredAt,
        index,
      })
    }
  }
}

/** Ledger events (for explanations); each position remembers the last event that moved it. */
async function writeLedger(
  tx: Db,
  source: string,
  ledger: LedgerRow[],
  pos: Map<string, Pos>,
  messageId: string,
  receivedAt: Date,
): Promise<void> {
  if (ledger.length === 0) return
  const ids = await tx.$queryRawUnsafe<Array<{ id: bigint; skuId: string; locationId: string }>>(
    `INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, reference, "occurredAt", "receivedAt", "inboundMessageId", "batchIndex")
     SELECT $1, k, t, s, l, q, q, 'EA', r, oa, $2::timestamptz, $3::uuid, bi
       FROM unnest($4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::int[], $9::text[], $10::timestamptz[], $11::int[]) AS x(k, t, s, l, q, r, oa, bi)
     ON CONFLICT (source, "idempotencyKey") DO NOTHING RETURNING id, "skuId"::text AS "skuId", "locationId"::text AS "locationId"`,
    source,
    receivedAt.toISOString(),
    messageId,
    ledger.map((e) => e.key),
    ledger.map((e) => e.type),
    ledger.map((e) => e.skuId),
    ledger.map((e) => e.locationId),
    ledger.map((e) => e.quantity),
    ledger.map((e) => e.reference),
    ledger.map((e) => e.occurredAt),
    ledger.map((e) => e.index),
  )
  for (const r of ids) {
    const p = pos.get(`${r.skuId}|${r.locationId}`)
    if (p) p.lastEventId = BigInt(r.id)
  }
}

/**
 * Reservations this batch made, as the batch leaves them: a line created and cancelled (or shipped)
 * in the same batch (an order a poll first sees already cancelled, e.g. after an orders API outage)
 * is written released (or shipped) with what is left, as a later batch would have left it; its
 * position was already moved by both. Written open with its full quantity, it held units no
 * position reserved, for the ERP's allocation to take over and the aged-reservation check to flag.
 */
async function writeNewReservations(
  tx: Db,
  channel: ChannelInfo,
  plan: Pick<OrderPlan, 'newReservations' | 'reservationUpdates'>,
  receivedAt: Date,
): Promise<void> {
  const rows = plan.newReservations.map((r, i) => ({
    ...r,
    ...(plan.reservationUpdates.get(`new-${i}`) ?? { quantity: r.quantity, status: 'open' }),
  }))
  if (rows.length === 0) return
  await tx.$executeRawUnsafe(
    `INSERT INTO "Reservation"(id, "channelId", "orderId", "lineId", "skuId", "locationId", "kitSkuId", quantity, status, "createdAt", "updatedAt")
     SELECT gen_random_uuid(), $1::uuid, o, li, s, l, k, q, st, $2::timestamptz, $2::timestamptz
       FROM unnest($3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::uuid[], $8::int[], $9::text[]) AS x(o, li, s, l, k, q, st)
     ON CONFLICT ("channelId", "orderId", "lineId", "skuId") DO UPDATE SET quantity = "Reservation".quantity + EXCLUDED.quantity,
       status = CASE WHEN EXCLUDED.quantity > 0 THEN 'open' ELSE "Reservation".status END, "updatedAt" = EXCLUDED."updatedAt"`,
    channel.id,
    receivedAt.toISOString(),
    rows.map((r) => r.orderId),
    rows.map((r) => r.lineId),
    rows.map((r) => r.skuId),
    rows.map((r) => r.locationId),
    rows.map((r) => r.kitSkuId),
    rows.map((r) => r.quantity),
    rows.map((r) => r.status),
  )
}

/**
 * Sales rate (days-of-cover safety stock, in-flight buffer): units of each physical SKU the
 * channel's new orders take, per day of the order (kit lines count their components).
 */
async function recordSales(
  tx: Db,
  channel: ChannelInfo,
  todo: OrderItem[],
  skuIdByInput: Map<string, string>,
  skus: Map<string, SkuInfo>,
): Promise<void> {
  const sales = new Map<string, { skuId: string; day: string; units: number }>()
  for (const { order } of todo) {
    if (order.status !== 'created') continue
    const day = new Date(order.occurredAt).toISOString().slice(0, 10)
    for (const line of order.lines) {
      for (const p of lineParts(skus.get(skuIdByInput.get(line.sku)!)!, line.quantity)) {
        const k = `${p.skuId}|${day}`
        const cur = sales.get(k) ?? { skuId: p.skuId, day, units: 0 }
        cur.units += p.quantity
        sales.set(k, cur)
      }
    }
  }
  if (sales.size === 0) return
  const rows = [...sales.values()]
  await tx.$executeRawUnsafe(
    `INSERT INTO "SalesDaily"("skuId", "channelId", day, units)
     SELECT s, $1::uuid, d, u FROM unnest($2::uuid[], $3::date[], $4::int[]) AS x(s, d, u)
     ON CONFLICT ("skuId", "channelId", day) DO UPDATE SET units = "SalesDaily".units + EXCLUDED.units`,
    channel.id,
    rows.map((r) => r.skuId),
    rows.map((r) => r.day),
    rows.map((r) => r.units),
  )
}

/** Reservations that existed before this batch, released or shipped (new ones were inserted with their final quantity). */
async function writeReservationUpdates(
  tx: Db,
  reservationUpdates: Map<string, { quantity: number; status: string }>,
  receivedAt: Date,
): Promise<void> {
  const persisted = [...reservationUpdates.entries()].filter(([id]) => !id.startsWith('new-'))
  if (persisted.length === 0) return
  await tx.$executeRawUnsafe(
    `UPDATE "Reservation" r SET quantity = u.q, status = u.st, "updatedAt" = $4::timestamptz FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u(id, q, st) WHERE r.id = u.id`,
    persisted.map(([id]) => id),
    persisted.map(([, u]) => u.quantity),
    persisted.map(([, u]) => u.status),
    receivedAt.toISOString(),
  )
}

/** Changed positions, and an exception finding for each one left impossible (e.g. reserved above on hand). */
async function writePositions(tx: Db, pos: Map<string, Pos>): Promise<void> {
  const changed = [...pos.values()].filter((p) => p.changed)
  if (changed.length === 0) return
  await tx.$executeRawUnsafe(
    `UPDATE "Position" p SET "onHand" = u.oh, reserved = u.rs, version = p.version + 1, "lastEventId" = COALESCE(u.le, p."lastEventId"), "updatedAt" = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::bigint[]) AS u(s, l, oh, rs, le) WHERE p."skuId" = u.s AND p."locationId" = u.l`,
    changed.map((p) => p.skuId),
    changed.map((p) => p.locationId),
    changed.map((p) => p.onHand),
    changed.map((p) => p.reserved),
    changed.map((p) => (p.lastEventId === null ? null : p.lastEventId.toString())),
  )
  const exceptions = changed.flatMap((p) => positionExceptions(p).map((x) => ({ ...x, p })))
  if (exceptions.length === 0) return
  await tx.$executeRawUnsafe(
    `INSERT INTO "Finding"(id, kind, sku, location, cause, field, details, "dedupeKey")
     SELECT gen_random_uuid(), 'exception', s.code, f.loc, f.msg, f.field, '{}'::jsonb, 'exception:' || s.code || ':' || f.loc || ':' || f.field
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS f(sku, loc, field, msg) JOIN "Sku" s ON s.id = f.sku
      WHERE NOT EXISTS (SELECT 1 FROM "Finding" x WHERE x."dedupeKey" = 'exception:' || s.code || ':' || f.loc || ':' || f.field AND x.status = 'open')`,
    exceptions.map((x) => x.p.skuId),
    exceptions.map((x) => x.p.location),
    exceptions.map((x) => x.field),
    exceptions.map((x) => x.message),
  )
}

/**
 * KPI rollups (per minute, per channel): units ordered, oversold and at risk, cancelled and
 * cancelled for stock, so the KPI views never scan orders or incidents.
 */
async function recordOrderUnits(
  tx: Db,
  channel: ChannelInfo,
  todo: OrderItem[],
  incidents: Incident[],
  receivedAt: Date,
): Promise<void> {
  const units = new Map<string, number>()
  const add = (label: string, n: number) => {
    if (n !== 0) units.set(label, (units.get(label) ?? 0) + n)
  }
  for (const { order } of todo)
    if (order.status === 'created')
      add(
        `channel=${channel.code},measure=ordered`,
        order.lines.reduce((sum, l) => sum + l.quantity, 0),
      )
  for (const i of incidents) {
    add(`channel=${channel.code},measure=oversold_${i.kind}`, i.oversold)
    add(`channel=${channel.code},measure=revenue_at_risk_cents`, i.revenue)
  }
  // Cancellations, and those due to stock: a cancelled line that had oversold units (the channel or
  // we could not fill it) counts up to those units as cancelled for stock.
  const cancelled = todo.filter(({ order }) => order.status === 'cancelled')
  if (cancelled.length) {
    const oversoldLines = await tx.$queryRawUnsafe<Array<{ orderId: string; lineId: string; oversold: number }>>(
      `SELECT "orderId", "lineId", max("oversoldUnits")::int AS oversold FROM "OversellIncident"
        WHERE channel = $1 AND "orderId" = ANY($2::text[]) AND "oversoldUnits" > 0 GROUP BY 1, 2`,
      channel.code,
      [...new Set(cancelled.map(({ order }) => order.orderId))],
    )
    const short = new Map(oversoldLines.map((r) => [`${r.orderId}|${r.lineId}`, r.oversold]))
    for (const { order } of cancelled) {
      for (const l of order.lines) {
        add(`channel=${channel.code},measure=cancelled`, l.quantity)
        const left = short.get(`${order.orderId}|${l.lineId}`) ?? 0
        const forStock = Math.min(left, l.quantity)
        if (forStock > 0) {
          add(`channel=${channel.code},measure=cancelled_stock`, forStock)
          short.set(`${order.orderId}|${l.lineId}`, left - forStock)
        }
      }
    }
  }
  await bumpCounters(tx, 'stocktower_order_units_total', units, receivedAt)
}

/**
 * Optional protection (channel setting `oversellProtection`): after an oversell on this channel,
 * hold the SKU back on the OTHER channels at once, so the units that are not there stop selling
 * twice while people look. `zero_others` suppresses it; `reduce_others` holds back the oversold
 * units. Holdbacks expire after `oversellProtectionMinutes` (default 60) and are attributed.
 */
async function protectAfterOversell(
  tx: Db,
  channel: { id: string; code: string; settings: unknown },
  incidents: Array<{ sku: string; orderId: string; oversold: number }>,
  at: Date,
): Promise<void> {
  const s = (channel.settings ?? {}) as { oversellProtection?: string; oversellProtectionMinutes?: number }
  if (s.oversellProtection !== 'zero_others' && s.oversellProtection !== 'reduce_others') return
  const hit = incidents.filter((i) => i.oversold > 0)
  if (hit.length === 0) return
  const others = await tx.channel.findMany({ where: { id: { not: channel.id } }, select: { code: true } })
  const expiresAt = new Date(at.getTime() + (s.oversellProtectionMinutes ?? 60) * 60_000)
  await tx.holdback.createMany({
    data: hit.flatMap((i) =>
      others.map((o) => ({
        channel: o.code,
        skuCode: i.sku,
        mode: s.oversellProtection === 'zero_others' ? 'suppress' : 'units',
        value: s.oversellProtection === 'zero_others' ? 0 : i.oversold,
        reason: `oversell protection: ${channel.code} order ${i.orderId} oversold ${i.oversold}`,
        expiresAt,
      })),
    ),
  })
}
