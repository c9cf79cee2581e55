import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'

export interface RuleSetVersionView { id: string; number: number; rules: RuleSet; comment: string; authorLabel: string; createdAt: Date; effectiveFrom: Date }

/** The version in force now: the newest whose effective-from time has passed. */
export async function getCurrentRuleSet(db: Db, at: Date = new Date()): Promise<RuleSetVersionView> {
  const row = await db.ruleSetVersion.findFirst({ where: { effectiveFrom: { lte: at } }, orderBy: { number: 'desc' } })
  if (!row) throw new NotFoundError('No rule set has been saved yet.', 'NO_RULES')
  return { id: row.id, number: row.number, rules: RuleSetSchema.parse(row.rules), comment: row.comment, authorLabel: row.authorLabel, createdAt: row.createdAt, effectiveFrom: row.effectiveFrom }
}

export function ruleVersionId(n: number): string {
  return `rs-${String(n).padStart(4, '0')}`
}
