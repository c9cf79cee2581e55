// Rollback saves an earlier version's rules as a new version (audited as rules.rollback).
import type { PrismaClient } from '@prisma/client'
import { NotFoundError } from '../errors'
import type { Actor } from '../audit/record-audit'
import { saveRuleSet } from './save-rule-set'

export async function rollbackRuleSet(
  db: PrismaClient,
  actor: Actor,
  toVersion: string,
  comment?: string,
  now = new Date(),
) {
  const target = await db.ruleSetVersion.findUnique({ where: { id: toVersion } })
  if (!target) throw new NotFoundError(`No rule set version "${toVersion}".`, 'UNKNOWN_RULE_VERSION')
  return saveRuleSet(
    db,
    actor,
    { rules: target.rules, comment: comment?.trim() || `Rollback to ${toVersion}`, rolledBackFrom: toVersion },
    now,
  )
}
