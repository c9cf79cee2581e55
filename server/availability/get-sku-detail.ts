// The SKU page's read model: stock per location, and per channel the number we decided with the
// steps that produced it, what was published and what the channel shows, plus the latest ledger
// events and publish attempts. It answers "why does this channel show this number?" on one page.
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { getAvailability, type AvailabilityView } from './get-availability'

export interface DecisionStep { step: string; quantity: number; detail: string }

/** One ledger event with its provenance: when it happened, arrived and applied, and the raw message it came in. */
export interface SkuEvent {
  id: string; type: string; location: string; toLocation: string | null; quantity: number; rawQuantity: number; uom: string
  source: string; idempotencyKey: string; reference: string | null; outcome: string
  occurredAt: string; receivedAt: string; appliedAt: string; messageId: string | null
}

export interface SkuDetail extends AvailabilityView {
  explanations: Record<string, { result: number; decidedAt: string; ruleVersions: string[]; holdbacks: string[]; steps: DecisionStep[]; eventCount: number } | null>
  events: SkuEvent[]
  /** Pass as `before` to listSkuEvents for the next (older) page; null when there is none. */
  eventsBefore: string | null
  /** The marketplace's own id of each channel's listing (e.g. Shopify's inventory item), when it has one. */
  externalIds: Record<string, string | null>
  attempts: Array<{ id: string; channel: string; version: number; quantity: number; outcome: string; httpStatus: number | null; error: string | null; lagMs: number | null; startedAt: string }>
}

const EVENTS_SHOWN = 20
const ATTEMPTS_SHOWN = 20

export async function getSkuDetail(db: Db, skuCode: string): Promise<SkuDetail> {
  const availability = await getAvailability(db, skuCode)
  const sku = await db.sku.findUniqueOrThrow({ where: { code: skuCode }, select: { id: true } })
  const [listings, events, attempts] = await Promise.all([
    db.channelListing.findMany({ where: { skuId: sku.id, active: true }, select: { id: true, decisionId: true, externalId: true, channel: { select: { code: true } } } }),
    listSkuEvents(db, skuCode, { limit: EVENTS_SHOWN }),
    db.$queryRawUnsafe<Array<{ id: bigint; channel: string; version: number; quantity: number; outcome: string; httpStatus: number | null; error: string | null; lagMs: number | null; startedAt: Date }>>(
      `SELECT a.id, c.code AS channel, a.version, a.quantity, a.outcome, a."httpStatus", a.error, a."lagMs", a."startedAt"
         FROM "PublishAttempt" a JOIN "ChannelListing" l ON l.id = a."listingId" JOIN "Channel" c ON c.id = a."channelId"
        WHERE l."skuId" = $1::uuid ORDER BY a.id DESC LIMIT $2`, sku.id, ATTEMPTS_SHOWN),
  ])
  const decisionIds = listings.map((l) => l.decisionId).filter((id): id is bigint => id !== null)
  const decisions = await db.availabilityDecision.findMany({ where: { id: { in: decisionIds } } })
  return {
    ...availability,
    explanations: Object.fromEntries(
      listings.map((l) => {
        const d = decisions.find((x) => x.id === l.decisionId)
        return [
          l.channel.code,
          d ? { result: d.quantity, decidedAt: d.decidedAt.toISOString(), ruleVersions: d.ruleVersionIds, holdbacks: d.holdbackIds, steps: d.steps as unknown as DecisionStep[], eventCount: d.eventIds.length } : null,
        ]
      }),
    ),
    externalIds: Object.fromEntries(listings.map((l) => [l.channel.code, l.externalId])),
    events: events.items,
    eventsBefore: events.before,
    attempts: attempts.map((a) => ({
      id: a.id.toString(), channel: a.channel, version: a.version, quantity: a.quantity, outcome: a.outcome, httpStatus: a.httpStatus, error: a.error, lagMs: a.lagMs, startedAt: a.startedAt.toISOString(),
    })),
  }
}

/** The SKU's ledger, newest first, a page at a time (keyset on the event id). */
export async function listSkuEvents(db: Db, skuCode: string, opts: { before?: string | null; limit?: number } = {}): Promise<{ items: SkuEvent[]; before: string | null }> {
  const limit = Math.min(200, Math.max(1, opts.limit ?? 50))
  const sku = await db.sku.findUnique({ where: { code: skuCode }, select: { id: true } })
  if (!sku) throw new NotFoundError(`No SKU "${skuCode}".`, 'UNKNOWN_SKU')
  const before = opts.before && /^\d{1,19}$/.test(opts.before) ? BigInt(opts.before) : null
  const [rows, locations] = await Promise.all([
    db.ledgerEvent.findMany({ where: { skuId: sku.id, ...(before !== null ? { id: { lt: before } } : {}) }, orderBy: { id: 'desc' }, take: limit + 1 }),
    db.location.findMany({ select: { id: true, code: true } }),
  ])
  const code = new Map(locations.map((l) => [l.id, l.code]))
  const page = rows.slice(0, limit)
  return {
    items: page.map((e) => ({
      id: e.id.toString(), type: e.type, location: code.get(e.locationId) ?? '?', toLocation: e.toLocationId ? code.get(e.toLocationId) ?? '?' : null,
      quantity: e.quantity, rawQuantity: e.rawQuantity, uom: e.uom, source: e.source, idempotencyKey: e.idempotencyKey, reference: e.reference, outcome: e.outcome,
      occurredAt: e.occurredAt.toISOString(), receivedAt: e.receivedAt.toISOString(), appliedAt: e.appliedAt.toISOString(), messageId: e.inboundMessageId,
    })),
    before: rows.length > limit ? page[page.length - 1].id.toString() : null,
  }
}
