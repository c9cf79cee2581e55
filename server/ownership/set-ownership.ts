// An operator names the system of record for a location (optionally one SKU category), optionally
// with a cutover shadow source, effective now or at a later time. Every change is audited with what
// it changes (the preview, preview-ownership.ts). Switching the owner never rewrites positions:
// from the effective time the new owner's events apply and everyone else's are refused (or shadowed).
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { recordAudit, type Actor } from '../audit/record-audit'
import { parseOwnershipInput, previewOwnership, type OwnershipPreview } from './preview-ownership'

export async function setOwnership(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  now = new Date(),
): Promise<OwnershipPreview & { id: string }> {
  const o = parseOwnershipInput(raw)
  return transaction(db, async (tx) => {
    // Serialised per location: two operators switching at once get one after the other.
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:ownership:' || $1))`, o.location)
    const preview = await previewOwnership(tx, raw, now)
    const location = await tx.location.findUniqueOrThrow({ where: { code: o.location }, select: { id: true } })
    const row = await tx.locationOwnership.create({
      data: {
        locationId: location.id,
        category: o.category ?? null,
        source: o.source,
        shadowSource: o.shadowSource ?? null,
        effectiveFrom: new Date(preview.effectiveFrom),
        reason: o.reason,
        createdBy: actor.label,
      },
    })
    await recordAudit(tx, actor, {
      action: preview.before && preview.before.source !== o.source ? 'ownership.switch' : 'ownership.set',
      entity: 'location',
      entityId: o.location,
      before: preview.before,
      after: {
        ...preview.after,
        reason: o.reason,
        changes: preview.changes,
        ...(preview.shadowDifferences
          ? { differing: preview.shadowDifferences.differing, absDifference: preview.shadowDifferences.absDifference }
          : {}),
      },
    })
    return { ...preview, id: row.id }
  })
}
