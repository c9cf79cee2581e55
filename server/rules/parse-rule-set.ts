// A rule set as sent (the API, the rules screen, a rollback's stored version) parsed into its schema,
// or a 400 naming every problem. Kept apart from rules.schema.ts, which the browser bundles.
import { ValidationError } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'

export function parseRuleSet(raw: unknown): RuleSet {
  const r = RuleSetSchema.safeParse(raw)
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`).join('; ')
    throw new ValidationError(`The rule set is not valid: ${problems}.`, r.error.issues, 'INVALID_RULES')
  }
  return r.data
}
