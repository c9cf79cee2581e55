// Saving a rule set creates a new immutable version (validated, audited). When it is in force
// (effective-from now or past) every SKU is marked for recompute at once; a future effective-from
// waits for activateDueRuleVersions. A dry run returns the impact preview and saves nothing.
// Rollback saves an earlier version's rules as a new version.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction, withDeadlockRetry } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'
import { ruleVersionId } from './rule-set.repository'
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/record-audit'
import { enqueue, enqueueRecompute } from '../queue/enqueue'
import { previewRuleImpact, type RuleImpact } from './preview-rule-impact'
import { scheduleAllocationBoundaries } from './allocation-windows'
import { markScopeDirty } from '../availability/recompute-outbox'


export function parseRuleSet(raw: unknown): RuleSet {
  const r = RuleSetSchema.safeParse(raw)
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`).join('; ')
    throw new ValidationError(`The rule set is not valid: ${problems}.`, r.error.issues, 'INVALID_RULES')
  }
  return r.data
}

export interface SaveRuleSetInput { rules: unknown; comment?: string; effectiveFrom?: Date; rolledBackFrom?: string }

export async function saveRuleSet(db: PrismaClient, actor: Actor, input: SaveRuleSetInput, now = new Date()): Promise<{ version: string; number: number; effectiveFrom: string; recomputeSkus: number }> {
  const rules = parseRuleSet(input.rules)
  const effectiveFrom = input.effectiveFrom ?? now
  if (effectiveFrom.getTime() < now.getTime() - 60_000) throw new ValidationError('The effective-from time is in the past: a version cannot change decisions already made.', undefined, 'INVALID_EFFECTIVE_FROM')
  // Marking every SKU for recompute meets the ingest, freshness and holdback writers on the same
  // outbox rows: rows go in id order (as ingest's do), and a deadlock victim runs again whole.
  return withDeadlockRetry(() => transaction(db, async (tx) => {
    // Serialise saves so version numbers never collide.
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:rule-set-save'))`)
    const last = await tx.ruleSetVersion.findFirst({ orderBy: { number: 'desc' }, select: { number: true, id: true } })
    const number = (last?.number ?? 0) + 1
    const id = ruleVersionId(number)
    await tx.ruleSetVersion.create({
      data: { id, number, rules, comment: input.comment ?? '', authorId: actor.kind === 'user' ? actor.id : null, authorLabel: actor.label, effectiveFrom, rolledBackFrom: input.rolledBackFrom ?? null },
    })
    await recordAudit(tx, actor, {
      action: input.rolledBackFrom ? 'rules.rollback' : 'rules.save', entity: 'rule_set', entityId: id,
      before: last ? { version: last.id } : null,
      after: { version: id, comment: input.comment ?? '', effectiveFrom: effectiveFrom.toISOString(), ...(input.rolledBackFrom ? { rolledBackTo: input.rolledBackFrom } : {}) },
    })
    let recomputeSkus = 0
    if (effectiveFrom <= now) recomputeSkus = await activateVersion(tx, id, now)
    else await enqueue(tx, 'activateRules', {}, { runAt: effectiveFrom, jobKey: `activate-rules:${id}` })
    return { version: id, number, effectiveFrom: effectiveFrom.toISOString(), recomputeSkus }
  }))
}

/** Marks every active SKU for recompute under the version now in force and records the size. */
async function activateVersion(tx: Db, id: string, now: Date): Promise<number> {
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
  if (rules.feeds?.length || rules.breakerOpenMinutes) await enqueue(tx, 'checkFreshness', {}, { jobKey: 'check-feed-freshness:now' })
  return Math.max(marked, total)
}

/** Versions whose effective-from time has passed start their recompute (scheduled run + every minute). */
export async function activateDueRuleVersions(db: PrismaClient, now = new Date()): Promise<string[]> {
  return withDeadlockRetry(() => transaction(db, async (tx) => {
    const due = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id FROM "RuleSetVersion" WHERE "activatedAt" IS NULL AND "effectiveFrom" <= $1::timestamptz ORDER BY number FOR UPDATE SKIP LOCKED`, now.toISOString())
    for (const v of due) {
      await activateVersion(tx, v.id, now)
      await recordAudit(tx, SYSTEM_ACTOR, { action: 'rules.activate', entity: 'rule_set', entityId: v.id, after: { version: v.id, activatedAt: now.toISOString() } })
    }
    return due.map((v) => v.id)
  }))
}

export async function rollbackRuleSet(db: PrismaClient, actor: Actor, toVersion: string, comment?: string, now = new Date()) {
  const target = await db.ruleSetVersion.findUnique({ where: { id: toVersion } })
  if (!target) throw new NotFoundError(`No rule set version "${toVersion}".`, 'UNKNOWN_RULE_VERSION')
  return saveRuleSet(db, actor, { rules: target.rules, comment: comment?.trim() || `Rollback to ${toVersion}`, rolledBackFrom: toVersion }, now)
}

export async function dryRunRuleSet(db: PrismaClient, raw: unknown): Promise<RuleImpact> {
  return previewRuleImpact(db, parseRuleSet(raw))
}
