// Removing a holdback (with a reason) gives its SKUs their units back at once; audited.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { holdbackView, type HoldbackView } from './holdback.schema'
import { markHoldbackSkusDirty } from './holdback.repository'

export async function removeHoldback(
  db: PrismaClient,
  actor: Actor,
  id: string,
  reason: string,
): Promise<HoldbackView> {
  if (!reason || reason.trim().length < 3)
    throw new ValidationError('Say why the holdback is removed (at least 3 characters).', undefined, 'REASON_REQUIRED')
  return transaction(db, (tx) => removeHoldbackIn(tx, actor, id, reason))
}

/** Removes a holdback inside the caller's transaction (audited, its SKUs recomputed). */
export async function removeHoldbackIn(tx: Db, actor: Actor, id: string, reason: string): Promise<HoldbackView> {
  const row = await tx.holdback.findUnique({ where: { id } })
  if (!row) throw new NotFoundError(`No holdback ${id}.`, 'UNKNOWN_HOLDBACK')
  if (row.removedAt) return holdbackView(row)
  const updated = await tx.holdback.update({
    where: { id },
    data: { removedAt: new Date(), removedBy: actor.label, removeReason: reason.trim() },
  })
  await recordAudit(tx, actor, {
    action: 'holdback.remove',
    entity: 'holdback',
    entityId: id,
    before: holdbackView(row),
    after: holdbackView(updated),
  })
  await markHoldbackSkusDirty(tx, row)
  return holdbackView(updated)
}
