// GET /api/v1/availability/{sku}/explain?channel=: the stored decision behind a channel's number.
// Decisions are stored, so an explanation can also be asked for a past moment (`at`).
import type { Db } from '../db'
import { NotFoundError } from '../errors'

export interface ExplainView {
  sku: string
  channel: string
  result: number
  decidedAt: string
  ruleVersions: string[]
  holdbacks: string[]
  steps: Array<{ step: string; quantity: number; detail: string }>
  events: string[]
  inputs: unknown
  desiredVersion: number
  /**
   * When the channel's own number last accounted for its orders (a sale is not drift): what it
   * showed, the orders that explained it, and that ours went out over it. Current view only.
   */
  channelOrders?: { note: string; at: string } | null
}

export async function explainAvailability(
  db: Db,
  skuCode: string,
  channelCode: string,
  at?: Date,
): Promise<ExplainView> {
  const listing = await db.channelListing.findFirst({
    where: { sku: { code: skuCode }, channel: { code: channelCode } },
    select: {
      id: true,
      decisionId: true,
      desiredQuantity: true,
      desiredVersion: true,
      ordersNote: true,
      ordersNoteAt: true,
    },
  })
  if (!listing) {
    const sku = await db.sku.findUnique({ where: { code: skuCode }, select: { id: true } })
    if (!sku) throw new NotFoundError(`Unknown SKU "${skuCode}".`, 'UNKNOWN_SKU')
    throw new NotFoundError(`SKU "${skuCode}" is not listed on channel "${channelCode}".`, 'NOT_LISTED')
  }
  const decision = at
    ? await db.availabilityDecision.findFirst({
        where: { listingId: listing.id, decidedAt: { lte: at } },
        orderBy: { decidedAt: 'desc' },
      })
    : listing.decisionId !== null
      ? await db.availabilityDecision.findUnique({ where: { id: listing.decisionId } })
      : null
  if (!decision)
    throw new NotFoundError(
      `No decision yet for "${skuCode}" on "${channelCode}"${at ? ` before ${at.toISOString()}` : ''}.`,
      'NO_DECISION',
    )
  return {
    sku: skuCode,
    channel: channelCode,
    result: decision.quantity,
    decidedAt: decision.decidedAt.toISOString(),
    ruleVersions: decision.ruleVersionIds,
    holdbacks: decision.holdbackIds,
    steps: decision.steps as ExplainView['steps'],
    events: decision.eventIds.map((e) => e.toString()),
    inputs: decision.inputs,
    desiredVersion: decision.listingVersion,
    ...(at
      ? {}
      : {
          channelOrders:
            listing.ordersNote && listing.ordersNoteAt
              ? { note: listing.ordersNote, at: listing.ordersNoteAt.toISOString() }
              : null,
        }),
  }
}
