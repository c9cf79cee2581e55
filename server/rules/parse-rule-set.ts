// A rule set as sent (the API, the rules screen, a rollback's stored version) parsed into its schema,
// or a 400 naming every problem. Kept apart from rules.schema.ts, which the browser bundles.
import { ValidationError, describeIssues } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'

export function parseRuleSet(raw: unknown): RuleSet {
  const r = RuleSetSchema.safeParse(raw)
  if (!r.success) {
    const problems = describeIssues(r.error.issues, { root: 'rules' })
    throw new ValidationError(`The rule set is not valid: ${problems}.`, r.error.issues, 'INVALID_RULES')
  }
  return r.data
}
