// Creating a holdback marks the SKUs it covers (and the kits built from them) for recompute,
// schedules a recompute at its expiry, and is audited.
import type { PrismaClient } from '@prisma/client'
import type { z } from 'zod'
import type { Db } from '../db'
import { transaction } from '../db'
import { ValidationError, describeIssues } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueue } from '../queue/enqueue'
import { holdbackView, HoldbackInputSchema, type HoldbackView } from './holdback.schema'
import { markHoldbackSkusDirty } from './holdback.repository'

export async function createHoldback(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  now = new Date(),
): Promise<HoldbackView> {
  const parsed = HoldbackInputSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ValidationError(
      `The holdback is not valid: ${describeIssues(parsed.error.issues, { root: 'holdback' })}.`,
      parsed.error.issues,
      'INVALID_HOLDBACK',
    )
  }
  const h = parsed.data
  if (h.expiresAt && h.expiresAt <= now)
    throw new ValidationError(
      'The expiry is in the past: a holdback must expire later than now.',
      undefined,
      'INVALID_HOLDBACK',
    )
  return transaction(db, (tx) => insertHoldback(tx, actor, h, now))
}

/** Creates a validated holdback inside the caller's transaction (audited, recomputed, expiry scheduled). */
export async function insertHoldback(
  tx: Db,
  actor: Actor,
  h: z.output<typeof HoldbackInputSchema>,
  now = new Date(),
): Promise<HoldbackView> {
  if (h.sku && !(await tx.sku.findUnique({ where: { code: h.sku }, select: { id: true } })))
    throw new ValidationError(`Unknown SKU "${h.sku}".`, undefined, 'UNKNOWN_SKU')
  if (h.category && !(await tx.sku.findFirst({ where: { category: h.category }, select: { id: true } })))
    throw new ValidationError(`No SKU has the category "${h.category}".`, undefined, 'UNKNOWN_CATEGORY')
  if (h.channel && !(await tx.channel.findUnique({ where: { code: h.channel }, select: { id: true } })))
    throw new ValidationError(`Unknown channel "${h.channel}".`, undefined, 'UNKNOWN_CHANNEL')
  const row = await tx.holdback.create({
    data: {
      skuCode: h.sku ?? null,
      category: h.category ?? null,
      channel: h.channel ?? null,
      mode: h.mode,
      value: h.mode === 'suppress' ? 0 : h.value,
      reason: h.reason,
      ownerLabel: h.owner || actor.label,
      ownerId: actor.kind === 'user' && !h.owner ? actor.id : null,
      createdBy: actor.label,
      expiresAt: h.expiresAt ?? null,
    },
  })
  const view = holdbackView(row, now)
  await recordAudit(tx, actor, { action: 'holdback.create', entity: 'holdback', entityId: row.id, after: view })
  await markHoldbackSkusDirty(tx, row)
  // Recompute at the exact expiry (the per-minute sweep is the safety net).
  if (row.expiresAt)
    await enqueue(tx, 'expireHoldbacks', {}, { runAt: row.expiresAt, jobKey: `expire-holdback:${row.id}` })
  return view
}
