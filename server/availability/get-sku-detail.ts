// The SKU page's read model: stock per location, and per channel the number we decided with the
// steps that produced it, what was published and what the channel shows, plus the latest ledger
// events and publish attempts. It answers "why does this channel show this number?" on one page.
import type { AvailabilityDecision } from '@prisma/client'
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { getAvailability, type AvailabilityView } from './get-availability'
import { WAITING_SINCE_SQL } from '../metrics/channel-health'
import { describeOversell } from '../ingest/attribute-oversell'

/**
 * A listing's sync story: each step from our decision to the channel applying it, with its time,
 * and what it waits for now (a sentence). Steps not reached are null.
 */
export interface SyncStory {
  desired: { quantity: number | null; version: number; at: string | null }
  /** Since when the channel has not shown what we decided (null: in sync). */
  waitingSince: string | null
  sent: {
    attemptId: string
    version: number
    quantity: number
    attemptNo: number
    outcome: string
    batchId: string | null
    httpStatus: number | null
    error: string | null
    at: string
    finishedAt: string | null
  } | null
  accepted: { version: number; at: string | null } | null
  applied: { version: number; quantity: number | null; at: string | null } | null
  waitsFor: {
    state:
      | 'in_sync'
      | 'held'
      | 'orders_in_flight'
      | 'paused'
      | 'shadow'
      | 'breaker'
      | 'retry'
      | 'in_flight'
      | 'queued'
      | 'accept'
      | 'apply'
    message: string
    until?: string | null
  }
  /** The last time the channel's number accounted for its orders (a sale is not drift), if ever. */
  orders?: { note: string; at: string } | null
}

export interface DecisionStep {
  step: string
  quantity: number
  detail: string
}

/** One ledger event with its provenance: when it happened, arrived and applied, and the raw message it came in. */
export interface SkuEvent {
  id: string
  type: string
  location: string
  toLocation: string | null
  quantity: number
  rawQuantity: number
  uom: string
  source: string
  idempotencyKey: string
  reference: string | null
  outcome: string
  occurredAt: string
  receivedAt: string
  appliedAt: string
  messageId: string | null
}

export interface SkuDetail extends AvailabilityView {
  explanations: Record<
    string,
    {
      result: number
      decidedAt: string
      ruleVersions: string[]
      holdbacks: string[]
      steps: DecisionStep[]
      eventCount: number
    } | null
  >
  events: SkuEvent[]
  /** Pass as `before` to listSkuEvents for the next (older) page; null when there is none. */
  eventsBefore: string | null
  /** The marketplace's own id of each channel's listing (e.g. Shopify's inventory item), when it has one. */
  externalIds: Record<string, string | null>
  attempts: Array<{
    id: string
    channel: string
    version: number
    quantity: number
    outcome: string
    httpStatus: number | null
    error: string | null
    lagMs: number | null
    startedAt: string
  }>
  /** Per channel: the listing's sync story. */
  sync: Record<string, SyncStory>
  /** The SKU's latest oversell incidents (newest first). */
  incidents: Array<{
    id: string
    channel: string
    orderId: string
    lineId: string
    kind: string
    oversoldUnits: number
    occurredAt: string
    sentence: string
  }>
}

type ListingRow = {
  channel: string
  mode: string
  status: string
  breakerState: string
  desiredQuantity: number | null
  desiredVersion: number
  decidedAt: Date | null
  publishedVersion: number
  acceptedVersion: number
  acceptedAt: Date | null
  appliedVersion: number
  appliedQuantity: number | null
  appliedAt: Date | null
  inFlightVersion: number | null
  nextAttemptAt: Date | null
  lastError: string | null
  waitingSince: Date | null
  ordersNote?: string | null
  ordersNoteAt?: Date | null
  aId: bigint | null
  aVersion: number | null
  aQuantity: number | null
  aNo: number | null
  aOutcome: string | null
  aBatch: string | null
  aHttp: number | null
  aError: string | null
  aStarted: Date | null
  aFinished: Date | null
}

const isoOf = (d: Date | null) => (d ? d.toISOString() : null)

/** What a listing waits for now, from its state (pure). */
export function syncStory(r: ListingRow): SyncStory {
  const sent =
    r.aId !== null
      ? {
          attemptId: String(r.aId),
          version: r.aVersion!,
          quantity: r.aQuantity!,
          attemptNo: r.aNo!,
          outcome: r.aOutcome!,
          batchId: r.aBatch,
          httpStatus: r.aHttp,
          error: r.aError,
          at: r.aStarted!.toISOString(),
          finishedAt: isoOf(r.aFinished),
        }
      : null
  const via = sent?.batchId ? ` (request ${sent.batchId})` : sent ? ` (attempt ${sent.attemptId})` : ''
  let waitsFor: SyncStory['waitsFor']
  if (r.desiredVersion > 0 && r.appliedVersion >= r.desiredVersion)
    waitsFor = { state: 'in_sync', message: 'Nothing: the channel shows what we decided.' }
  else if (r.lastError?.startsWith('held:'))
    waitsFor = { state: 'held', message: `A person: the update is held (${r.lastError.slice(5).trim()}).` }
  else if (r.lastError?.startsWith('orders in flight:') && r.desiredVersion > r.publishedVersion)
    waitsFor = {
      state: 'orders_in_flight',
      message: `The channel's orders: ${r.lastError.slice('orders in flight:'.length).trim()}.`,
      until: isoOf(r.nextAttemptAt),
    }
  else if (r.mode === 'shadow')
    waitsFor = { state: 'shadow', message: 'Go-live: the channel is in shadow mode and is never written.' }
  else if (r.status === 'paused') waitsFor = { state: 'paused', message: 'The channel to be resumed: it is paused.' }
  else if (r.breakerState === 'open')
    waitsFor = { state: 'breaker', message: 'The circuit breaker to close: the channel failed repeatedly.' }
  else if (r.desiredVersion > r.publishedVersion && r.inFlightVersion !== null)
    waitsFor = {
      state: 'in_flight',
      message: `The channel to answer the request in flight (version ${r.inFlightVersion})${via}.`,
    }
  else if (r.desiredVersion > r.publishedVersion && r.nextAttemptAt)
    waitsFor = {
      state: 'retry',
      message: `A retry after a failure${r.lastError ? ` (${r.lastError})` : ''}.`,
      until: r.nextAttemptAt.toISOString(),
    }
  else if (r.desiredVersion > r.publishedVersion)
    waitsFor = {
      state: 'queued',
      message: `Its turn to be sent: version ${r.desiredVersion} is queued within the channel's rate budget.`,
    }
  else if (r.publishedVersion > r.acceptedVersion)
    waitsFor = { state: 'accept', message: `The channel to accept version ${r.publishedVersion}${via}.` }
  else
    waitsFor = {
      state: 'apply',
      message: `The channel to apply version ${r.acceptedVersion}, accepted${via}; confirmed by reading it back.`,
    }
  return {
    desired: { quantity: r.desiredQuantity, version: r.desiredVersion, at: isoOf(r.decidedAt) },
    waitingSince: isoOf(r.waitingSince),
    sent,
    accepted: r.acceptedVersion > 0 ? { version: r.acceptedVersion, at: isoOf(r.acceptedAt) } : null,
    applied:
      r.appliedVersion > 0 ? { version: r.appliedVersion, quantity: r.appliedQuantity, at: isoOf(r.appliedAt) } : null,
    waitsFor,
    orders: r.ordersNote && r.ordersNoteAt ? { note: r.ordersNote, at: r.ordersNoteAt.toISOString() } : null,
  }
}

const EVENTS_SHOWN = 20
const ATTEMPTS_SHOWN = 20

export async function getSkuDetail(db: Db, skuCode: string): Promise<SkuDetail> {
  const availability = await getAvailability(db, skuCode)
  const sku = await db.sku.findUniqueOrThrow({ where: { code: skuCode }, select: { id: true } })
  const [listings, events, attempts, story, incidents] = await Promise.all([
    db.channelListing.findMany({
      where: { skuId: sku.id, active: true },
      select: { id: true, decisionId: true, externalId: true, channel: { select: { code: true } } },
    }),
    listSkuEvents(db, skuCode, { limit: EVENTS_SHOWN }),
    recentAttempts(db, sku.id),
    listingStories(db, sku.id),
    db.oversellIncident.findMany({ where: { sku: skuCode }, orderBy: { detectedAt: 'desc' }, take: 10 }),
  ])
  const decisionIds = listings.map((l) => l.decisionId).filter((id): id is bigint => id !== null)
  const decisions = await db.availabilityDecision.findMany({ where: { id: { in: decisionIds } } })
  return {
    ...availability,
    explanations: explanationsOf(listings, decisions),
    externalIds: Object.fromEntries(listings.map((l) => [l.channel.code, l.externalId])),
    events: events.items,
    eventsBefore: events.before,
    sync: Object.fromEntries(story.map((r) => [r.channel, syncStory(r)])),
    incidents: incidents.map((x) => ({
      id: x.id,
      channel: x.channel,
      orderId: x.orderId,
      lineId: x.lineId,
      kind: x.kind,
      oversoldUnits: x.oversoldUnits,
      occurredAt: x.occurredAt.toISOString(),
      sentence: describeOversell(x),
    })),
    attempts: attempts.map((a) => ({
      id: a.id.toString(),
      channel: a.channel,
      version: a.version,
      quantity: a.quantity,
      outcome: a.outcome,
      httpStatus: a.httpStatus,
      error: a.error,
      lagMs: a.lagMs,
      startedAt: a.startedAt.toISOString(),
    })),
  }
}

/** A shown attempt as the database returns it (the view's id and time as text). */
type AttemptRow = Omit<SkuDetail['attempts'][number], 'id' | 'startedAt'> & { id: bigint; startedAt: Date }

/** The SKU's latest publish attempts on every channel, newest first. */
function recentAttempts(db: Db, skuId: string) {
  return db.$queryRawUnsafe<Array<AttemptRow>>(
    `SELECT a.id, c.code AS channel, a.version, a.quantity, a.outcome, a."httpStatus", a.error, a."lagMs", a."startedAt"
       FROM "PublishAttempt" a JOIN "ChannelListing" l ON l.id = a."listingId" JOIN "Channel" c ON c.id = a."channelId"
      WHERE l."skuId" = $1::uuid ORDER BY a.id DESC LIMIT $2`,
    skuId,
    ATTEMPTS_SHOWN,
  )
}

/** Each active listing's channel, versions and latest attempt: what syncStory tells. */
function listingStories(db: Db, skuId: string) {
  return db.$queryRawUnsafe<ListingRow[]>(
    `SELECT c.code AS channel, c.mode::text AS mode, c.status::text AS status, c."breakerState"::text AS "breakerState",
            cl."desiredQuantity", cl."desiredVersion", cl."decidedAt", cl."publishedVersion", cl."acceptedVersion", cl."acceptedAt",
            cl."appliedVersion", cl."appliedQuantity", cl."appliedAt", cl."inFlightVersion", cl."nextAttemptAt", cl."lastError", cl."ordersNote", cl."ordersNoteAt",
            ${WAITING_SINCE_SQL} AS "waitingSince",
            a.id AS "aId", a.version AS "aVersion", a.quantity AS "aQuantity", a."attemptNo" AS "aNo", a.outcome AS "aOutcome", a."batchId" AS "aBatch",
            a."httpStatus" AS "aHttp", a.error AS "aError", a."startedAt" AS "aStarted", a."finishedAt" AS "aFinished"
       FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId"
       LEFT JOIN LATERAL (SELECT * FROM "PublishAttempt" x WHERE x."listingId" = cl.id ORDER BY x.version DESC, x.id DESC LIMIT 1) a ON true
      WHERE cl."skuId" = $1::uuid AND cl.active ORDER BY c.code`,
    skuId,
  )
}

/** Per channel, how its listing's quantity was decided (null before the first decision). */
function explanationsOf(
  listings: Array<{ decisionId: bigint | null; channel: { code: string } }>,
  decisions: AvailabilityDecision[],
) {
  return Object.fromEntries(
    listings.map((l) => {
      const d = decisions.find((x) => x.id === l.decisionId)
      return [
        l.channel.code,
        d
          ? {
              result: d.quantity,
              decidedAt: d.decidedAt.toISOString(),
              ruleVersions: d.ruleVersionIds,
              holdbacks: d.holdbackIds,
              steps: d.steps as unknown as DecisionStep[],
              eventCount: d.eventIds.length,
            }
          : null,
      ]
    }),
  )
}

/** The SKU's ledger, newest first, a page at a time (keyset on the event id). */
export async function listSkuEvents(
  db: Db,
  skuCode: string,
  opts: { before?: string | null; limit?: number } = {},
): Promise<{ items: SkuEvent[]; before: string | null }> {
  const limit = Math.min(200, Math.max(1, opts.limit ?? 50))
  const sku = await db.sku.findUnique({ where: { code: skuCode }, select: { id: true } })
  if (!sku) throw new NotFoundError(`No SKU "${skuCode}".`, 'UNKNOWN_SKU')
  const before = opts.before && /^\d{1,19}$/.test(opts.before) ? BigInt(opts.before) : null
  const [rows, locations] = await Promise.all([
    db.ledgerEvent.findMany({
      where: { skuId: sku.id, ...(before !== null ? { id: { lt: before } } : {}) },
      orderBy: { id: 'desc' },
      take: limit + 1,
    }),
    db.location.findMany({ select: { id: true, code: true } }),
  ])
  const code = new Map(locations.map((l) => [l.id, l.code]))
  const page = rows.slice(0, limit)
  return {
    items: page.map((e) => ({
      id: e.id.toString(),
      type: e.type,
      location: code.get(e.locationId) ?? '?',
      toLocation: e.toLocationId ? (code.get(e.toLocationId) ?? '?') : null,
      quantity: e.quantity,
      rawQuantity: e.rawQuantity,
      uom: e.uom,
      source: e.source,
      idempotencyKey: e.idempotencyKey,
      reference: e.reference,
      outcome: e.outcome,
      occurredAt: e.occurredAt.toISOString(),
      receivedAt: e.receivedAt.toISOString(),
      appliedAt: e.appliedAt.toISOString(),
      messageId: e.inboundMessageId,
    })),
    before: rows.length > limit ? page[page.length - 1].id.toString() : null,
  }
}
