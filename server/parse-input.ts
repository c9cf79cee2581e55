// Use cases parse their own input (they are called from actions, scripts and tests), and a bad
// input is an expected error with the fields named, never an unexplained 500.
import type { z } from 'zod'
import { ValidationError, describeIssues } from './errors'

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw)
  if (r.success) return r.data
  throw new ValidationError(describeIssues(r.error.issues, { root: 'input' }), undefined, 'INVALID_INPUT')
}
