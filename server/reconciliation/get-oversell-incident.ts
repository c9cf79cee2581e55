// One oversell incident, told as a story: the order and line, what each channel showed for the
// SKU and since when (as of the order), the publishes in flight around it, the ledger events that
// moved the SKU's stock before it, the rule version that produced the number the channel showed,
// and a cause sentence (attribute-oversell.ts). Reads indexed rows for one SKU only.
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { oversellView } from './list-oversells'

export interface OversellIncidentDetail {
  incident: {
    id: string
    kind: string
    channel: string
    sku: string
    orderId: string
    lineId: string
    orderedUnits: number
    oversoldUnits: number
    revenueAtRiskCents: number
    cause: string | null
    sentence: string
    details: Record<string, unknown>
    occurredAt: string
    detectedAt: string
  }
  /** Other incidents of the same order (other lines). */
  sameOrder: Array<{ id: string; lineId: string; sku: string; kind: string; oversoldUnits: number }>
  /** Per channel listing the SKU: what it showed at order time (the last quantity it applied or accepted before), and now. */
  channels: Array<{
    channel: string
    atOrder: { quantity: number | null; since: string | null; outcome: string | null; version: number | null }
    now: {
      desired: number | null
      desiredAt: string | null
      published: number | null
      publishedAt: string | null
      applied: number | null
      appliedAt: string | null
    }
  }>
  /** Publish attempts of the SKU from an hour before the order to ten minutes after; inFlight: sent before the order, not confirmed applied by then. */
  publishes: Array<{
    id: string
    channel: string
    version: number
    quantity: number
    outcome: string
    batchId: string | null
    startedAt: string
    finishedAt: string | null
    verifiedAt: string | null
    inFlight: boolean
  }>
  /** Ledger events of the SKU received in the two hours before the order was detected (newest first). */
  events: Array<{
    id: string
    type: string
    location: string
    quantity: number
    source: string
    reference: string | null
    occurredAt: string
    receivedAt: string
  }>
  /** The decision behind what the incident's channel showed: the last decision at or before the order. */
  decision: {
    id: string
    quantity: number
    decidedAt: string
    ruleVersions: Array<{ id: string; number: number; comment: string; effectiveFrom: string }>
    holdbacks: string[]
  } | null
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

export async function getOversellIncident(db: Db, id: string): Promise<OversellIncidentDetail> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError(`No oversell incident "${id}".`, 'UNKNOWN_INCIDENT')
  const x = await db.oversellIncident.findUnique({ where: { id } })
  if (!x) throw new NotFoundError(`No oversell incident "${id}".`, 'UNKNOWN_INCIDENT')
  const sku = await db.sku.findUnique({ where: { code: x.sku }, select: { id: true } })
  const at = x.occurredAt
  const listings = sku
    ? await db.channelListing.findMany({
        where: { skuId: sku.id },
        select: {
          id: true,
          channelId: true,
          desiredQuantity: true,
          decidedAt: true,
          publishedQuantity: true,
          publishedAt: true,
          appliedQuantity: true,
          appliedAt: true,
          channel: { select: { code: true } },
        },
        orderBy: { channel: { code: 'asc' } },
      })
    : []
  const listingIds = listings.map((l) => l.id)
  const from = new Date(at.getTime() - 3600_000)
  const until = new Date(at.getTime() + 600_000)
  const [sameOrder, attempts, lastShown, events, decision] = await Promise.all([
    db.oversellIncident.findMany({
      where: { channel: x.channel, orderId: x.orderId, id: { not: x.id } },
      orderBy: { lineId: 'asc' },
      select: { id: true, lineId: true, sku: true, kind: true, oversoldUnits: true },
    }),
    readAttempts(db, listingIds, from, until),
    readLastShown(db, listingIds, at),
    sku ? readEventsBefore(db, sku.id, x.detectedAt) : [],
    readDecisionAt(db, listings.find((y) => y.channel.code === x.channel)?.id, at),
  ])
  const codeOf = new Map(listings.map((l) => [l.id, l.channel.code]))
  return {
    incident: oversellView(x),
    sameOrder,
    channels: listings.map((l) =>
      channelAtOrder(
        l,
        lastShown.find((r) => r.listingId === l.id),
      ),
    ),
    publishes: attempts.map((a) => ({
      id: String(a.id),
      channel: codeOf.get(a.listingId) ?? '?',
      version: a.version,
      quantity: a.quantity,
      outcome: a.outcome,
      batchId: a.batchId,
      startedAt: a.startedAt.toISOString(),
      finishedAt: iso(a.finishedAt),
      verifiedAt: iso(a.verifiedAt),
      inFlight:
        a.startedAt <= at &&
        !(a.outcome === 'applied' && a.verifiedAt !== null && a.verifiedAt <= at) &&
        ['sent', 'accepted', 'applied'].includes(a.outcome),
    })),
    events: events.map((e) => ({
      id: String(e.id),
      type: e.type,
      location: e.location,
      quantity: e.quantity,
      source: e.source,
      reference: e.reference,
      occurredAt: e.occurredAt.toISOString(),
      receivedAt: e.receivedAt.toISOString(),
    })),
    decision,
  }
}

/** Publish attempts of the SKU's listings from an hour before the order to ten minutes after. */
function readAttempts(db: Db, listingIds: string[], from: Date, until: Date) {
  if (listingIds.length === 0) return Promise.resolve([])
  return db.$queryRawUnsafe<
    Array<{
      id: bigint
      listingId: string
      version: number
      quantity: number
      outcome: string
      batchId: string | null
      startedAt: Date
      finishedAt: Date | null
      verifiedAt: Date | null
    }>
  >(
    `SELECT a.id, a."listingId"::text AS "listingId", a.version, a.quantity, a.outcome, a."batchId", a."startedAt", a."finishedAt", a."verifiedAt"
 FROM "PublishAttempt" a WHERE a."listingId" = ANY($1::uuid[]) AND a."startedAt" BETWEEN $2::timestamptz AND $3::timestamptz
ORDER BY a."startedAt" DESC, a.id DESC LIMIT 100`,
    listingIds,
    from.toISOString(),
    until.toISOString(),
  )
}

/** What each channel showed at order time: its last applied (or, not verified yet, accepted) quantity before the order. */
function readLastShown(db: Db, listingIds: string[], at: Date) {
  if (listingIds.length === 0) return Promise.resolve([])
  return db.$queryRawUnsafe<Array<{ listingId: string; quantity: number; at: Date; outcome: string; version: number }>>(
    `SELECT DISTINCT ON (a."listingId") a."listingId"::text AS "listingId", a.quantity, COALESCE(a."verifiedAt", a."finishedAt", a."startedAt") AS at, a.outcome, a.version
 FROM "PublishAttempt" a WHERE a."listingId" = ANY($1::uuid[]) AND a.outcome IN ('applied', 'accepted')
  AND COALESCE(a."verifiedAt", a."finishedAt", a."startedAt") <= $2::timestamptz
ORDER BY a."listingId", a.version DESC, a.id DESC`,
    listingIds,
    at.toISOString(),
  )
}

/** The SKU's ledger events received in the two hours before the incident was detected. */
function readEventsBefore(db: Db, skuId: string, detectedAt: Date) {
  return db.$queryRawUnsafe<
    Array<{
      id: bigint
      type: string
      location: string
      quantity: number
      source: string
      reference: string | null
      occurredAt: Date
      receivedAt: Date
    }>
  >(
    `SELECT e.id, e.type, l.code AS location, e.quantity, e.source, e.reference, e."occurredAt", e."receivedAt"
   FROM "LedgerEvent" e JOIN "Location" l ON l.id = e."locationId"
  WHERE e."skuId" = $1::uuid AND e."receivedAt" BETWEEN $2::timestamptz AND $3::timestamptz
  ORDER BY e.id DESC LIMIT 50`,
    skuId,
    new Date(detectedAt.getTime() - 2 * 3600_000).toISOString(),
    detectedAt.toISOString(),
  )
}

/** The decision in force for the order's channel at order time, with its rule versions. */
async function readDecisionAt(
  db: Db,
  listingId: string | undefined,
  at: Date,
): Promise<OversellIncidentDetail['decision']> {
  if (!listingId) return null
  const d = await db.availabilityDecision.findFirst({
    where: { listingId, decidedAt: { lte: at } },
    orderBy: { decidedAt: 'desc' },
    select: { id: true, quantity: true, decidedAt: true, ruleVersionIds: true, holdbackIds: true },
  })
  if (!d) return null
  const versions = await db.ruleSetVersion.findMany({
    where: { id: { in: d.ruleVersionIds } },
    select: { id: true, number: true, comment: true, effectiveFrom: true },
    orderBy: { number: 'asc' },
  })
  return {
    id: String(d.id),
    quantity: d.quantity,
    decidedAt: d.decidedAt.toISOString(),
    ruleVersions: versions.map((v) => ({ ...v, effectiveFrom: v.effectiveFrom.toISOString() })),
    holdbacks: d.holdbackIds,
  }
}

/** A channel's listing: what it showed at order time beside where it stands now. */
function channelAtOrder(
  l: {
    desiredQuantity: number | null
    decidedAt: Date | null
    publishedQuantity: number | null
    publishedAt: Date | null
    appliedQuantity: number | null
    appliedAt: Date | null
    channel: { code: string }
  },
  s: { quantity: number; at: Date; outcome: string; version: number } | undefined,
): OversellIncidentDetail['channels'][number] {
  return {
    channel: l.channel.code,
    atOrder: {
      quantity: s?.quantity ?? null,
      since: iso(s?.at),
      outcome: s?.outcome ?? null,
      version: s?.version ?? null,
    },
    now: {
      desired: l.desiredQuantity,
      desiredAt: iso(l.decidedAt),
      published: l.publishedQuantity,
      publishedAt: iso(l.publishedAt),
      applied: l.appliedQuantity,
      appliedAt: iso(l.appliedAt),
    },
  }
}
