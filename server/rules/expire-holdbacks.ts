import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { recordAudit, SYSTEM_ACTOR } from '../audit/record-audit'
import { holdbackView, type HoldbackRow } from './holdback.schema'
import { markHoldbackSkusDirty } from './holdback.repository'

/**
 * Expired holdbacks stop applying on their own: decisions read only unexpired ones, and this
 * (every minute, and at the exact expiry through a scheduled run) recomputes the SKUs they covered
 * once, so the channel gets its units back without anyone touching the SKU.
 */
export async function applyExpiredHoldbacks(
  db: PrismaClient,
  now = new Date(),
): Promise<{ expired: number; skus: number }> {
  return transaction(db, async (tx) => {
    const due = await tx.$queryRawUnsafe<HoldbackRow[]>(
      `SELECT id::text AS id, "skuCode", category, channel, mode, value, reason, "ownerLabel", "createdBy", "createdAt", "expiresAt", "removedAt", "removedBy", "removeReason"
         FROM "Holdback" WHERE "removedAt" IS NULL AND "expiryAppliedAt" IS NULL AND "expiresAt" <= $1::timestamptz
        ORDER BY "expiresAt" FOR UPDATE SKIP LOCKED`,
      now.toISOString(),
    )
    let skus = 0
    for (const h of due) {
      skus += await markHoldbackSkusDirty(tx, h)
      await tx.holdback.update({ where: { id: h.id }, data: { expiryAppliedAt: now } })
      await recordAudit(tx, SYSTEM_ACTOR, {
        action: 'holdback.expire',
        entity: 'holdback',
        entityId: h.id,
        after: holdbackView(h, now),
      })
    }
    return { expired: due.length, skus }
  })
}
