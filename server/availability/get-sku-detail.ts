// The SKU page's read model: stock per location, and per channel the number we decided with the
// steps that produced it, what was published and what the channel shows, plus the latest ledger
// events and publish attempts. It answers "why does this channel show this number?" on one page.
import type { Db } from '../db'
import { getAvailability, type AvailabilityView } from './get-availability'

export interface DecisionStep { step: string; quantity: number; detail: string }

export interface SkuDetail extends AvailabilityView {
  explanations: Record<string, { result: number; decidedAt: string; ruleVersions: string[]; holdbacks: string[]; steps: DecisionStep[]; eventCount: number } | null>
  events: Array<{ id: string; type: string; location: string; quantity: number; source: string; reference: string | null; outcome: string; occurredAt: string; receivedAt: string }>
  attempts: Array<{ id: string; channel: string; version: number; quantity: number; outcome: string; httpStatus: number | null; error: string | null; lagMs: number | null; startedAt: string }>
}

const EVENTS_SHOWN = 20
const ATTEMPTS_SHOWN = 20

export async function getSkuDetail(db: Db, skuCode: string): Promise<SkuDetail> {
  const availability = await getAvailability(db, skuCode)
  const sku = await db.sku.findUniqueOrThrow({ where: { code: skuCode }, select: { id: true } })
  const [listings, events, attempts] = await Promise.all([
    db.channelListing.findMany({ where: { skuId: sku.id, active: true }, select: { id: true, decisionId: true, channel: { select: { code: true } } } }),
    db.ledgerEvent.findMany({ where: { skuId: sku.id }, orderBy: { id: 'desc' }, take: EVENTS_SHOWN }),
    db.$queryRawUnsafe<Array<{ id: bigint; channel: string; version: number; quantity: number; outcome: string; httpStatus: number | null; error: string | null; lagMs: number | null; startedAt: Date }>>(
      `SELECT a.id, c.code AS channel, a.version, a.quantity, a.outcome, a."httpStatus", a.error, a."lagMs", a."startedAt"
         FROM "PublishAttempt" a JOIN "ChannelListing" l ON l.id = a."listingId" JOIN "Channel" c ON c.id = a."channelId"
        WHERE l."skuId" = $1::uuid ORDER BY a.id DESC LIMIT $2`, sku.id, ATTEMPTS_SHOWN),
  ])
  const decisionIds = listings.map((l) => l.decisionId).filter((id): id is bigint => id !== null)
  const [decisions, locations] = await Promise.all([
    db.availabilityDecision.findMany({ where: { id: { in: decisionIds } } }),
    db.location.findMany({ select: { id: true, code: true } }),
  ])
  const locationCode = new Map(locations.map((l) => [l.id, l.code]))
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
    events: events.map((e) => ({
      id: e.id.toString(), type: e.type, location: locationCode.get(e.locationId) ?? '?', quantity: e.quantity, source: e.source, reference: e.reference,
      outcome: e.outcome, occurredAt: e.occurredAt.toISOString(), receivedAt: e.receivedAt.toISOString(),
    })),
    attempts: attempts.map((a) => ({
      id: a.id.toString(), channel: a.channel, version: a.version, quantity: a.quantity, outcome: a.outcome, httpStatus: a.httpStatus, error: a.error, lagMs: a.lagMs, startedAt: a.startedAt.toISOString(),
    })),
  }
}
