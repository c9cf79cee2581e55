// Replays and discards of dead letters, with four eyes: a person asks (seeing the impact first), a
// second person with the approve permission (never the requester) approves, and only then does
// anything run. Replays recompute from current state instead of resending a stale payload: an
// ingest dead letter runs its original event again (original key, so never twice); a publish dead
// letter releases its listing to publish the listing's CURRENT desired quantity. All audited.
import type { Prisma, PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { markSkusDirty } from '../availability/recompute-outbox'
import { enqueuePublish, enqueueRecompute } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { replayIngestDeadLetters, type ReplayIngestResult } from './replay-ingest'

export const MAX_REPLAY_SELECTION = 10_000

export interface ReplaySelection {
  ids?: string[]
  kind?: 'ingest' | 'publish'
  channel?: string
  code?: string
  sku?: string
  /** Only dead letters last seen in [from, to). */
  from?: Date
  to?: Date
}

export interface ReplayImpact {
  deadLetters: number
  byKind: { ingest: number; publish: number }
  /** Distinct listings the replay moves: publish dead letters' listings plus the listings of the SKUs the events move. */
  listings: number
  /** Units the replayed events move (sum of |quantity|), their SKUs known now, and SKUs still unknown (they will be rejected again until fixed). */
  units: number
  skus: number
  unresolvedSkus: number
  /** Listings whose channel shows 0 and would get a positive quantity, and the reverse. */
  zeroToPositive: number
  positiveToZero: number
  sample: Array<{ id: string; kind: string; code: string; sku: string | null; channel: string | null; current: number | null; next: number | null }>
}

export interface ReplayUser { id: string; email: string; role: string }

function actorOf(u: ReplayUser): Actor { return { kind: 'user', id: u.id, label: u.email } }

function whereOf(sel: ReplaySelection): Prisma.DeadLetterWhereInput {
  if (sel.ids && sel.ids.length > MAX_REPLAY_SELECTION) throw new ValidationError(`Select at most ${MAX_REPLAY_SELECTION} dead letters at once.`, undefined, 'SELECTION_TOO_LARGE')
  const hasFilter = Boolean(sel.ids?.length || sel.kind || sel.channel || sel.code || sel.sku || sel.from || sel.to)
  if (!hasFilter) throw new ValidationError('Choose dead letters by id or by a filter (kind, channel, code, SKU, time).', undefined, 'EMPTY_SELECTION')
  return {
    status: 'open',
    ...(sel.ids?.length ? { id: { in: sel.ids } } : {}),
    ...(sel.kind ? { kind: sel.kind } : {}),
    ...(sel.channel ? { channel: sel.channel } : {}),
    ...(sel.code ? { code: sel.code } : {}),
    ...(sel.sku ? { sku: sel.sku } : {}),
    ...(sel.from || sel.to ? { lastSeenAt: { ...(sel.from ? { gte: sel.from } : {}), ...(sel.to ? { lt: sel.to } : {}) } } : {}),
  }
}

/** What a replay of this selection would do, computed from current state. Changes nothing. */
export async function previewReplay(db: Db, sel: ReplaySelection): Promise<ReplayImpact & { ids: string[] }> {
  const letters = await db.deadLetter.findMany({ where: whereOf(sel), orderBy: [{ riskScore: 'desc' }, { lastSeenAt: 'desc' }], take: MAX_REPLAY_SELECTION + 1, select: { id: true, kind: true, code: true, sku: true, channel: true, listingId: true, source: true, payload: true } })
  if (letters.length > MAX_REPLAY_SELECTION) throw new ValidationError(`The filter matches more than ${MAX_REPLAY_SELECTION} dead letters; narrow it.`, undefined, 'SELECTION_TOO_LARGE')
  const listingIds = [...new Set(letters.filter((l) => l.kind === 'publish' && l.listingId).map((l) => l.listingId!))]
  const listings = listingIds.length === 0 ? [] : await db.channelListing.findMany({ where: { id: { in: listingIds } }, select: { id: true, desiredQuantity: true, appliedQuantity: true } })
  // Events: the units they move and the listings of their SKUs (by code, or by an alias in the
  // event's source scope or '*'), which recompute and republish once the events apply.
  let units = 0
  const eventSkus = new Map<string, string | null>()
  for (const l of letters) {
    if (l.kind !== 'ingest') continue
    const e = ((l.payload ?? {}) as { event?: { sku?: unknown; quantity?: unknown } }).event ?? {}
    if (typeof e.quantity === 'number' && Number.isFinite(e.quantity)) units += Math.abs(e.quantity)
    const code = typeof e.sku === 'string' ? e.sku : l.sku
    if (code) eventSkus.set(`${l.source ?? '*'}\u0000${code}`, code)
  }
  const codes = [...new Set([...eventSkus.values()].filter((c): c is string => c !== null))]
  const [byCode, byAlias] = codes.length === 0 ? [[], []] : await Promise.all([
    db.sku.findMany({ where: { code: { in: codes } }, select: { id: true, code: true } }),
    db.skuAlias.findMany({ where: { alias: { in: codes } }, select: { scope: true, alias: true, skuId: true } }),
  ])
  const resolved = new Set<string>()
  let unresolvedSkus = 0
  for (const [key, code] of eventSkus) {
    if (!code) continue
    const scope = key.split('\u0000')[0]
    const id = byCode.find((s) => s.code === code)?.id ?? byAlias.find((a) => a.alias === code && (a.scope === scope || a.scope === '*'))?.skuId
    if (id) resolved.add(id); else unresolvedSkus++
  }
  const eventListings = resolved.size === 0 ? [] : await db.channelListing.findMany({ where: { skuId: { in: [...resolved] }, active: true }, select: { id: true } })
  const listingCount = new Set([...listings.map((l) => l.id), ...eventListings.map((l) => l.id)]).size
  const byId = new Map(listings.map((l) => [l.id, l]))
  let zeroToPositive = 0, positiveToZero = 0
  for (const l of listings) {
    const current = l.appliedQuantity ?? 0
    const next = l.desiredQuantity ?? 0
    if (current === 0 && next > 0) zeroToPositive++
    if (current > 0 && next === 0) positiveToZero++
  }
  return {
    ids: letters.map((l) => l.id),
    deadLetters: letters.length,
    byKind: { ingest: letters.filter((l) => l.kind === 'ingest').length, publish: letters.filter((l) => l.kind === 'publish').length },
    listings: listingCount,
    units,
    skus: resolved.size,
    unresolvedSkus,
    zeroToPositive,
    positiveToZero,
    sample: letters.slice(0, 20).map((l) => {
      const listing = l.listingId ? byId.get(l.listingId) : undefined
      return { id: l.id, kind: l.kind, code: l.code, sku: l.sku, channel: l.channel, current: listing?.appliedQuantity ?? null, next: listing?.desiredQuantity ?? null }
    }),
  }
}

export async function requestReplay(db: PrismaClient, user: ReplayUser, sel: ReplaySelection, note?: string) {
  if (!can(user.role, 'replays:request')) throw new ForbiddenError(`Your role (${user.role}) may not request replays.`)
  return transaction(db, async (tx) => {
    const impact = await previewReplay(tx, sel)
    if (impact.deadLetters === 0) throw new ValidationError('No open dead letters match this selection.', undefined, 'EMPTY_SELECTION')
    const { ids, ...summary } = impact
    const request = await tx.replayRequest.create({
      data: { filter: JSON.parse(JSON.stringify({ ...sel, ids: sel.ids?.length ? sel.ids : undefined })), impact: JSON.parse(JSON.stringify(summary)), deadLetterIds: ids, requestedById: user.id, note: note ?? null },
    })
    await tx.deadLetter.updateMany({ where: { id: { in: ids }, status: 'open' }, data: { status: 'replay_requested' } })
    await recordAudit(tx, actorOf(user), { action: 'replay.request', entity: 'ReplayRequest', entityId: request.id, after: { deadLetters: ids.length, filter: sel, impact: summary, note } })
    emitRealtime([ROOMS.deadLetters], 'dead-letters.changed', { kind: 'publish' })
    return { id: request.id, status: request.status, impact: summary }
  })
}

export interface ApproveResult {
  id: string
  status: 'executed'
  ingest: ReplayIngestResult | null
  publish: { released: number; channels: string[] }
}

/** Four eyes: the approver holds replays:approve and is not the requester. Then the replay runs. */
export async function approveReplay(db: PrismaClient, approver: ReplayUser, requestId: string, note?: string): Promise<ApproveResult> {
  if (!can(approver.role, 'replays:approve')) throw new ForbiddenError(`Your role (${approver.role}) may not approve replays; ask a support lead.`)
  const request = await db.replayRequest.findUnique({ where: { id: requestId } })
  if (!request) throw new NotFoundError(`No replay request ${requestId}.`)
  if (request.status !== 'pending') throw new ConflictError(`This replay request is already ${request.status}.`)
  if (request.requestedById === approver.id) throw new ForbiddenError('You asked for this replay; a second person must approve it (four eyes).')
  // Claim the request first so two approvers cannot both run it.
  const claimed = await db.replayRequest.updateMany({ where: { id: requestId, status: 'pending' }, data: { status: 'approved', approvedById: approver.id, decidedAt: new Date() } })
  if (claimed.count === 0) throw new ConflictError('Someone else decided this replay request a moment ago.')

  const letters = await db.deadLetter.findMany({ where: { id: { in: request.deadLetterIds }, status: 'replay_requested' }, select: { id: true, kind: true, listingId: true, channel: true } })
  // Ingest: re-run the kept events (they need to be open for the use case).
  const ingestIds = letters.filter((l) => l.kind === 'ingest').map((l) => l.id)
  let ingest: ReplayIngestResult | null = null
  if (ingestIds.length > 0) {
    await db.deadLetter.updateMany({ where: { id: { in: ingestIds } }, data: { status: 'open' } })
    ingest = await replayIngestDeadLetters(db, ingestIds, actorOf(approver))
  }
  // Publish: release each listing so the next publish sends its CURRENT desired quantity.
  const publish = letters.filter((l) => l.kind === 'publish' && l.listingId)
  const channels = await transaction(db, async (tx) => {
    const listingIds = [...new Set(publish.map((l) => l.listingId!))]
    if (listingIds.length === 0) return [] as string[]
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = NULL, "failedAttempts" = 0, "lastError" = NULL,
              "pendingSince" = COALESCE("pendingSince", now())
        WHERE id = ANY($1::uuid[])`, listingIds)
    const rows = await tx.channelListing.findMany({ where: { id: { in: listingIds } }, select: { skuId: true, channelId: true } })
    // Recompute first: the desired quantity reflects today's stock and rules, not the failed payload.
    await markSkusDirty(tx, [...new Set(rows.map((r) => r.skuId))], new Date())
    // Job keys in the order every path takes them (publish keys sorted, then recompute): no deadlock with a running recompute.
    const channelIds = [...new Set(rows.map((r) => r.channelId))].sort()
    for (const c of channelIds) await enqueuePublish(tx, c)
    await enqueueRecompute(tx)
    await tx.deadLetter.updateMany({ where: { id: { in: publish.map((l) => l.id) } }, data: { status: 'replayed', resolvedAt: new Date(), resolution: `replayed (approved by ${approver.email})` } })
    return channelIds
  })
  await db.replayRequest.update({ where: { id: requestId }, data: { status: 'executed', note: note ? `${request.note ?? ''}${request.note ? ' | ' : ''}approver: ${note}` : request.note } })
  await recordAudit(db, actorOf(approver), { action: 'replay.approve', entity: 'ReplayRequest', entityId: requestId, after: { ingest: ingest ? { replayed: ingest.replayed.length, stillRejected: ingest.stillRejected.length } : null, publish: publish.length, note } })
  emitRealtime([ROOMS.deadLetters, ROOMS.dashboard], 'dead-letters.changed', { kind: 'publish' })
  return { id: requestId, status: 'executed', ingest, publish: { released: publish.length, channels } }
}

export async function rejectReplay(db: PrismaClient, approver: ReplayUser, requestId: string, reason: string) {
  if (!can(approver.role, 'replays:approve')) throw new ForbiddenError(`Your role (${approver.role}) may not decide replays.`)
  if (!reason?.trim()) throw new ValidationError('Say why the replay is rejected.', undefined, 'REASON_REQUIRED')
  return transaction(db, async (tx) => {
    const r = await tx.replayRequest.updateMany({ where: { id: requestId, status: 'pending' }, data: { status: 'rejected', approvedById: approver.id, decidedAt: new Date(), note: reason } })
    if (r.count === 0) throw new ConflictError('This replay request is not pending.')
    const request = await tx.replayRequest.findUniqueOrThrow({ where: { id: requestId } })
    await tx.deadLetter.updateMany({ where: { id: { in: request.deadLetterIds }, status: 'replay_requested' }, data: { status: 'open' } })
    await recordAudit(tx, actorOf(approver), { action: 'replay.reject', entity: 'ReplayRequest', entityId: requestId, after: { reason } })
    return { id: requestId, status: 'rejected' as const }
  })
}

/** Discard (won't fix): needs a reason, audited; the dead letter stays for the record. */
export async function discardDeadLetters(db: PrismaClient, user: ReplayUser, ids: string[], reason: string) {
  if (!can(user.role, 'dead-letters:discard')) throw new ForbiddenError(`Your role (${user.role}) may not discard dead letters.`)
  if (!reason?.trim()) throw new ValidationError('A discard needs a reason.', undefined, 'REASON_REQUIRED')
  if (ids.length === 0 || ids.length > MAX_REPLAY_SELECTION) throw new ValidationError(`Select 1 to ${MAX_REPLAY_SELECTION} dead letters.`, undefined, 'INVALID_SELECTION')
  return transaction(db, async (tx) => {
    const r = await tx.deadLetter.updateMany({ where: { id: { in: ids }, status: 'open' }, data: { status: 'discarded', resolvedAt: new Date(), resolution: `discarded by ${user.email}: ${reason}` } })
    await recordAudit(tx, actorOf(user), { action: 'dead_letter.discard', entity: 'DeadLetter', entityId: ids.length === 1 ? ids[0] : null, after: { ids, reason } })
    return { discarded: r.count }
  })
}
