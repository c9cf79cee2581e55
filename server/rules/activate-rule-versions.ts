// A rule set version comes into force: every SKU marked for recompute, its allocation-window
// boundaries scheduled, feed cadences checked at once. Saving a version in force now does this in
// its own transaction; a future one is activated by the scheduled job when its time comes.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction, withDeadlockRetry } from '../db'
import { RuleSetSchema } from './rules.schema'
import { recordAudit, SYSTEM_ACTOR } from '../audit/record-audit'
import { enqueue, enqueueRecompute } from '../queue/enqueue'
import { scheduleAllocationBoundaries } from './allocation-windows'
import { markScopeDirty } from '../availability/recompute-outbox'

/** Marks every active SKU for recompute under the version now in force and records the size. */
export async function activateVersion(tx: Db, id: string, now: Date): Promise<number> {
  // Every SKU may be affected: the recompute outbox coalesces (one row per SKU) and batches them.
  const marked = await markScopeDirty(tx, { everySku: true }, now)
  const total = await tx.sku.count({ where: { active: true } })
  await tx.ruleSetVersion.update({ where: { id }, data: { activatedAt: now, recomputeSkus: total } })
  await enqueueRecompute(tx)
  // Allocation windows start and end on time: a recompute at each future boundary.
  const version = await tx.ruleSetVersion.findUniqueOrThrow({ where: { id }, select: { rules: true } })
  const rules = RuleSetSchema.parse(version.rules)
  await scheduleAllocationBoundaries(tx, rules, now)
  // Feed cadences in force at once (not at the next minute's sweep).
  if (rules.feeds?.length || rules.breakerOpenMinutes)
    await enqueue(tx, 'checkFreshness', {}, { jobKey: 'check-feed-freshness:now' })
  return Math.max(marked, total)
}

/** Versions whose effective-from time has passed start their recompute (scheduled run + every minute). */
export async function activateDueRuleVersions(db: PrismaClient, now = new Date()): Promise<string[]> {
  return withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      const due = await tx.$queryRawUnsafe<Array<{ id: string }>>(
        `SELECT id FROM "RuleSetVersion" WHERE "activatedAt" IS NULL AND "effectiveFrom" <= $1::timestamptz ORDER BY number FOR UPDATE SKIP LOCKED`,
        now.toISOString(),
      )
      for (const v of due) {
        await activateVersion(tx, v.id, now)
        await recordAudit(tx, SYSTEM_ACTOR, {
          action: 'rules.activate',
          entity: 'rule_set',
          entityId: v.id,
          after: { version: v.id, activatedAt: now.toISOString() },
        })
      }
      return due.map((v) => v.id)
    }),
  )
}
