// Saving a rule set creates a new immutable version (validated, audited). When it is in force
// (effective-from now or past) every SKU is marked for recompute at once; a future effective-from
// waits for activateDueRuleVersions (activate-rule-versions.ts). A dry run (preview-rule-impact.ts)
// saves nothing; a rollback (rollback-rule-set.ts) saves an earlier version's rules as a new version.
import type { PrismaClient } from '@prisma/client'
import { transaction, withDeadlockRetry } from '../db'
import { ValidationError } from '../errors'
import { ruleVersionId } from './rule-set.repository'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueue } from '../queue/enqueue'
import { parseRuleSet } from './parse-rule-set'
import { activateVersion } from './activate-rule-versions'

export interface SaveRuleSetInput {
  rules: unknown
  comment?: string
  effectiveFrom?: Date
  rolledBackFrom?: string
}

export async function saveRuleSet(
  db: PrismaClient,
  actor: Actor,
  input: SaveRuleSetInput,
  now = new Date(),
): Promise<{ version: string; number: number; effectiveFrom: string; recomputeSkus: number }> {
  const rules = parseRuleSet(input.rules)
  const effectiveFrom = input.effectiveFrom ?? now
  if (effectiveFrom.getTime() < now.getTime() - 60_000)
    throw new ValidationError(
      'The effective-from time is in the past: a version cannot change decisions already made.',
      undefined,
      'INVALID_EFFECTIVE_FROM',
    )
  // Marking every SKU for recompute meets the ingest, freshness and holdback writers on the same
  // outbox rows: rows go in id order (as ingest's do), and a deadlock victim runs again whole.
  return withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      // Serialise saves so version numbers never collide.
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:rule-set-save'))`)
      const last = await tx.ruleSetVersion.findFirst({
        orderBy: { number: 'desc' },
        select: { number: true, id: true },
      })
      const number = (last?.number ?? 0) + 1
      const id = ruleVersionId(number)
      await tx.ruleSetVersion.create({
        data: {
          id,
          number,
          rules,
          comment: input.comment ?? '',
          authorId: actor.kind === 'user' ? actor.id : null,
          authorLabel: actor.label,
          effectiveFrom,
          rolledBackFrom: input.rolledBackFrom ?? null,
        },
      })
      await recordAudit(tx, actor, {
        action: input.rolledBackFrom ? 'rules.rollback' : 'rules.save',
        entity: 'rule_set',
        entityId: id,
        before: last ? { version: last.id } : null,
        after: {
          version: id,
          comment: input.comment ?? '',
          effectiveFrom: effectiveFrom.toISOString(),
          ...(input.rolledBackFrom ? { rolledBackTo: input.rolledBackFrom } : {}),
        },
      })
      let recomputeSkus = 0
      if (effectiveFrom <= now) recomputeSkus = await activateVersion(tx, id, now)
      else await enqueue(tx, 'activateRules', {}, { runAt: effectiveFrom, jobKey: `activate-rules:${id}` })
      return { version: id, number, effectiveFrom: effectiveFrom.toISOString(), recomputeSkus }
    }),
  )
}
