// Holdbacks: suppress a SKU or a category on a channel (or every channel), or hold back N units or
// a percentage, with a reason, an owner and an optional expiry. Creating, removing and expiring one
// marks the SKUs it covers (and the kits built from them) for recompute; every change is audited.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import type { Db } from '../db'
import { transaction } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/record-audit'
import { enqueue, enqueueRecompute } from '../queue/enqueue'
import { markScopeDirty } from '../availability/recompute-outbox'

export const HoldbackInputSchema = z.object({
  sku: z.string().min(1).max(200).optional(),
  category: z.string().min(1).max(200).optional(),
  /** Absent: every channel. */
  channel: z.string().min(1).max(100).optional(),
  mode: z.enum(['suppress', 'units', 'percent']),
  value: z.number().int().min(0).max(1_000_000_000).default(0),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  owner: z.string().trim().max(200).optional(),
  expiresAt: z.coerce.date().optional(),
}).superRefine((h, ctx) => {
  if (!h.sku === !h.category) ctx.addIssue({ code: 'custom', path: ['sku'], message: 'give exactly one of "sku" or "category"' })
  if (h.mode === 'percent' && (h.value < 1 || h.value > 100)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'a percentage holdback is 1 to 100' })
  if (h.mode === 'units' && h.value < 1) ctx.addIssue({ code: 'custom', path: ['value'], message: 'hold back at least 1 unit' })
})
export type HoldbackInput = z.input<typeof HoldbackInputSchema>

export interface HoldbackView {
  id: string; sku: string | null; category: string | null; channel: string | null; mode: string; value: number
  reason: string; owner: string; createdBy: string; createdAt: string; expiresAt: string | null
  state: 'active' | 'expired' | 'removed'; removedAt: string | null; removedBy: string | null; removeReason: string | null
}

type Row = { id: string; skuCode: string | null; category: string | null; channel: string | null; mode: string; value: number; reason: string; ownerLabel: string; createdBy: string; createdAt: Date; expiresAt: Date | null; removedAt: Date | null; removedBy: string | null; removeReason: string | null }

export function holdbackView(r: Row, now = new Date()): HoldbackView {
  const state = r.removedAt ? 'removed' : r.expiresAt && r.expiresAt <= now ? 'expired' : 'active'
  return {
    id: r.id, sku: r.skuCode, category: r.category, channel: r.channel, mode: r.mode, value: r.value, reason: r.reason,
    owner: r.ownerLabel, createdBy: r.createdBy, createdAt: r.createdAt.toISOString(), expiresAt: r.expiresAt?.toISOString() ?? null,
    state, removedAt: r.removedAt?.toISOString() ?? null, removedBy: r.removedBy, removeReason: r.removeReason,
  }
}

/** Marks the SKUs a holdback covers, and kits built from them, for recompute. Returns how many. */
export async function markHoldbackSkusDirty(tx: Db, h: { skuCode: string | null; category: string | null }): Promise<number> {
  const n = await markScopeDirty(tx, { skuCodes: h.skuCode ? [h.skuCode] : [], categories: h.category ? [h.category] : [] }, new Date())
  await enqueueRecompute(tx)
  return n
}

export async function createHoldback(db: PrismaClient, actor: Actor, raw: unknown, now = new Date()): Promise<HoldbackView> {
  const parsed = HoldbackInputSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ValidationError(`The holdback is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'holdback'}: ${i.message}`).join('; ')}.`, parsed.error.issues, 'INVALID_HOLDBACK')
  }
  const h = parsed.data
  if (h.expiresAt && h.expiresAt <= now) throw new ValidationError('The expiry is in the past: a holdback must expire later than now.', undefined, 'INVALID_HOLDBACK')
  return transaction(db, (tx) => insertHoldback(tx, actor, h, now))
}

/** Creates a validated holdback inside the caller's transaction (audited, recomputed, expiry scheduled). */
export async function insertHoldback(tx: Db, actor: Actor, h: z.output<typeof HoldbackInputSchema>, now = new Date()): Promise<HoldbackView> {
  if (h.sku && !(await tx.sku.findUnique({ where: { code: h.sku }, select: { id: true } }))) throw new ValidationError(`Unknown SKU "${h.sku}".`, undefined, 'UNKNOWN_SKU')
  if (h.category && !(await tx.sku.findFirst({ where: { category: h.category }, select: { id: true } }))) throw new ValidationError(`No SKU has the category "${h.category}".`, undefined, 'UNKNOWN_CATEGORY')
  if (h.channel && !(await tx.channel.findUnique({ where: { code: h.channel }, select: { id: true } }))) throw new ValidationError(`Unknown channel "${h.channel}".`, undefined, 'UNKNOWN_CHANNEL')
  const row = await tx.holdback.create({
    data: {
      skuCode: h.sku ?? null, category: h.category ?? null, channel: h.channel ?? null, mode: h.mode, value: h.mode === 'suppress' ? 0 : h.value,
      reason: h.reason, ownerLabel: h.owner || actor.label, ownerId: actor.kind === 'user' && !h.owner ? actor.id : null,
      createdBy: actor.label, expiresAt: h.expiresAt ?? null,
    },
  })
  const view = holdbackView(row, now)
  await recordAudit(tx, actor, { action: 'holdback.create', entity: 'holdback', entityId: row.id, after: view })
  await markHoldbackSkusDirty(tx, row)
  // Recompute at the exact expiry (the per-minute sweep is the safety net).
  if (row.expiresAt) await enqueue(tx, 'expireHoldbacks', {}, { runAt: row.expiresAt, jobKey: `expire-holdback:${row.id}` })
  return view
}

export async function removeHoldback(db: PrismaClient, actor: Actor, id: string, reason: string): Promise<HoldbackView> {
  if (!reason || reason.trim().length < 3) throw new ValidationError('Say why the holdback is removed (at least 3 characters).', undefined, 'REASON_REQUIRED')
  return transaction(db, (tx) => removeHoldbackIn(tx, actor, id, reason))
}

/** Removes a holdback inside the caller's transaction (audited, its SKUs recomputed). */
export async function removeHoldbackIn(tx: Db, actor: Actor, id: string, reason: string): Promise<HoldbackView> {
  const row = await tx.holdback.findUnique({ where: { id } })
  if (!row) throw new NotFoundError(`No holdback ${id}.`, 'UNKNOWN_HOLDBACK')
  if (row.removedAt) return holdbackView(row)
  const updated = await tx.holdback.update({ where: { id }, data: { removedAt: new Date(), removedBy: actor.label, removeReason: reason.trim() } })
  await recordAudit(tx, actor, { action: 'holdback.remove', entity: 'holdback', entityId: id, before: holdbackView(row), after: holdbackView(updated) })
  await markHoldbackSkusDirty(tx, row)
  return holdbackView(updated)
}

export async function listHoldbacks(db: Db, filter: { state?: 'active' | 'expired' | 'removed' | 'all'; sku?: string; channel?: string; category?: string } = {}, now = new Date()): Promise<HoldbackView[]> {
  const state = filter.state ?? 'active'
  const rows = await db.holdback.findMany({
    where: {
      ...(filter.sku ? { skuCode: filter.sku } : {}),
      ...(filter.category ? { category: filter.category } : {}),
      ...(filter.channel ? { OR: [{ channel: filter.channel }, { channel: null }] } : {}),
      ...(state === 'active' ? { removedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } : {}),
      ...(state === 'removed' ? { removedAt: { not: null } } : {}),
      ...(state === 'expired' ? { removedAt: null, expiresAt: { lte: now } } : {}),
    },
    orderBy: { createdAt: 'desc' },
    take: 500,
  })
  return rows.map((r) => holdbackView(r, now))
}


/**
 * Expired holdbacks stop applying on their own: decisions read only unexpired ones, and this
 * (every minute, and at the exact expiry through a scheduled run) recomputes the SKUs they covered
 * once, so the channel gets its units back without anyone touching the SKU.
 */
export async function applyExpiredHoldbacks(db: PrismaClient, now = new Date()): Promise<{ expired: number; skus: number }> {
  return transaction(db, async (tx) => {
    const due = await tx.$queryRawUnsafe<Row[]>(
      `SELECT id::text AS id, "skuCode", category, channel, mode, value, reason, "ownerLabel", "createdBy", "createdAt", "expiresAt", "removedAt", "removedBy", "removeReason"
         FROM "Holdback" WHERE "removedAt" IS NULL AND "expiryAppliedAt" IS NULL AND "expiresAt" <= $1::timestamptz
        ORDER BY "expiresAt" FOR UPDATE SKIP LOCKED`, now.toISOString())
    let skus = 0
    for (const h of due) {
      skus += await markHoldbackSkusDirty(tx, h)
      await tx.holdback.update({ where: { id: h.id }, data: { expiryAppliedAt: now } })
      await recordAudit(tx, SYSTEM_ACTOR, { action: 'holdback.expire', entity: 'holdback', entityId: h.id, after: holdbackView(h, now) })
    }
    return { expired: due.length, skus }
  })
}

export interface HoldbackEffect { id: string; listings: number; unitsWithheld: number; byChannel: Record<string, { listings: number; unitsWithheld: number }> }

/**
 * What each active holdback does to channel quantities now, from the stored decisions: the listings
 * whose current decision applied it, and the units its step took off (the quantity before its step
 * minus the quantity after).
 */
export async function holdbackEffects(db: Db, ids: string[]): Promise<HoldbackEffect[]> {
  if (ids.length === 0) return []
  const rows = await db.$queryRawUnsafe<Array<{ channel: string; holdbackIds: string[]; steps: Array<{ step: string; quantity: number }> }>>(
    `SELECT c.code AS channel, d."holdbackIds", d.steps
       FROM "Holdback" h
       JOIN "Sku" s ON (h."skuCode" IS NOT NULL AND s.code = h."skuCode") OR (h.category IS NOT NULL AND s.category = h.category)
       JOIN "ChannelListing" cl ON cl."skuId" = s.id
       JOIN "Channel" c ON c.id = cl."channelId" AND (h.channel IS NULL OR h.channel = c.code)
       JOIN "AvailabilityDecision" d ON d.id = cl."decisionId"
      WHERE h.id = ANY($1::uuid[]) AND d."holdbackIds" && $2::text[]`, ids, ids)
  const out = new Map(ids.map((id) => [id, { id, listings: 0, unitsWithheld: 0, byChannel: {} } as HoldbackEffect]))
  const seen = new Set<string>()
  for (const r of rows) {
    // The decision's holdback steps come in the order of its holdbackIds.
    const hbSteps = r.steps.map((s, i) => ({ s, i })).filter((x) => x.s.step === 'holdback')
    r.holdbackIds.forEach((id, k) => {
      const e = out.get(id)
      const at = hbSteps[k]
      if (!e || !at) return
      const key = `${id}|${r.channel}|${JSON.stringify(r.steps)}`
      if (seen.has(key)) return
      seen.add(key)
      const withheld = Math.max(0, (r.steps[at.i - 1]?.quantity ?? 0) - at.s.quantity)
      e.listings++
      e.unitsWithheld += withheld
      const c = (e.byChannel[r.channel] ??= { listings: 0, unitsWithheld: 0 })
      c.listings++
      c.unitsWithheld += withheld
    })
  }
  return [...out.values()]
}
