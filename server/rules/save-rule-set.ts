// Saving a rule set creates a new immutable version (validated, audited) and recomputes every SKU
// in the background. A dry run returns the impact preview and saves nothing.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ValidationError } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'
import { ruleVersionId } from './rule-set.repository'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueueRecompute } from '../queue/enqueue'
import { previewRuleImpact, type RuleImpact } from './preview-rule-impact'

export function parseRuleSet(raw: unknown): RuleSet {
  const r = RuleSetSchema.safeParse(raw)
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`).join('; ')
    throw new ValidationError(`The rule set is not valid: ${problems}.`, r.error.issues, 'INVALID_RULES')
  }
  return r.data
}

export async function saveRuleSet(db: PrismaClient, actor: Actor, input: { rules: unknown; comment?: string; effectiveFrom?: Date; rolledBackFrom?: string }): Promise<{ version: string; number: number }> {
  const rules = parseRuleSet(input.rules)
  return transaction(db, async (tx) => {
    // Serialise saves so version numbers never collide.
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:rule-set-save'))`)
    const last = await tx.ruleSetVersion.findFirst({ orderBy: { number: 'desc' }, select: { number: true, id: true } })
    const number = (last?.number ?? 0) + 1
    const id = ruleVersionId(number)
    await tx.ruleSetVersion.create({
      data: { id, number, rules, comment: input.comment ?? '', authorId: actor.kind === 'user' ? actor.id : null, authorLabel: actor.label, effectiveFrom: input.effectiveFrom ?? new Date(), rolledBackFrom: input.rolledBackFrom ?? null },
    })
    await recordAudit(tx, actor, { action: input.rolledBackFrom ? 'rules.rollback' : 'rules.save', entity: 'rule_set', entityId: id, before: last ? { version: last.id } : null, after: { version: id, comment: input.comment ?? '' } })
    // Every SKU may be affected: the recompute outbox coalesces and batches them.
    await tx.$executeRawUnsafe(`INSERT INTO "AvailabilityDirty"("skuId", since) SELECT id, now() FROM "Sku" WHERE active ON CONFLICT ("skuId") DO NOTHING`)
    await enqueueRecompute(tx)
    return { version: id, number }
  })
}

export async function dryRunRuleSet(db: PrismaClient, raw: unknown): Promise<RuleImpact> {
  return previewRuleImpact(db, parseRuleSet(raw))
}
