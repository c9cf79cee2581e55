// The one action chain for every mutation from the UI: signed-in user -> permission from the role
// table (deny by default) -> zod parse -> one server/ call -> `{ data } | { error }`. Errors never
// reach the client as exceptions: a typed AppError keeps its code and sentence, anything else
// becomes a generic message (logged with a reference).
import crypto from 'node:crypto'
import type { z } from 'zod'
import { currentUser, type SessionUser } from '@/app/_lib/auth'
import { PasswordChangeRequiredError } from '@/server/auth/auth-errors'
import { can, type Action } from '@/server/auth/permissions'
import { AppError, describeIssues } from '@/server/errors'
import type { Actor } from '@/server/audit/record-audit'

export type ActionResult<T> = { data: T } | { error: { code: string; message: string } }

/** Who did it, as audit records it: built here once for every action. */
type Run<S extends z.ZodType, T> = (input: z.infer<S>, user: SessionUser, actor: Actor) => Promise<T>
const actorOf = (u: SessionUser): Actor => ({ kind: 'user', id: u.id, label: u.email })

export function defineAction<S extends z.ZodType, T>(def: { action: Action; input: S; run: Run<S, T> }) {
  return async (raw: unknown): Promise<ActionResult<T>> => {
    // Who, then may they, then what: a caller who may not do this learns nothing about its input.
    const user = await currentUser()
    if (!user) return { error: { code: 'UNAUTHORIZED', message: 'Sign in again: your session has ended.' } }
    if (user.mustChangePassword) {
      const e = new PasswordChangeRequiredError()
      return { error: { code: e.code, message: e.message } }
    }
    if (!can(user.role, def.action))
      return { error: { code: 'FORBIDDEN', message: `Your role (${user.role}) may not do this.` } }
    return parseAndRun(def.action, def.input, raw, user, def.run)
  }
}

/**
 * The chain for what every signed-in user may do to their own account (change the password):
 * no permission from the role table, and allowed while a password change is pending (it is how
 * the pending change gets done). Same parse, same error mapping.
 */
export function defineAccountAction<S extends z.ZodType, T>(def: { name: string; input: S; run: Run<S, T> }) {
  return async (raw: unknown): Promise<ActionResult<T>> => {
    const user = await currentUser()
    if (!user) return { error: { code: 'UNAUTHORIZED', message: 'Sign in again: your session has ended.' } }
    return parseAndRun(def.name, def.input, raw, user, def.run)
  }
}

/** The chain's tail: zod parse, the one server/ call, and the error mapping. */
async function parseAndRun<S extends z.ZodType, T>(
  name: string,
  input: S,
  raw: unknown,
  user: SessionUser,
  run: Run<S, T>,
): Promise<ActionResult<T>> {
  const parsed = input.safeParse(raw)
  if (!parsed.success)
    return { error: { code: 'INVALID_INPUT', message: describeIssues(parsed.error.issues, { root: 'input' }) } }
  try {
    return { data: await run(parsed.data, user, actorOf(user)) }
  } catch (e) {
    if (e instanceof AppError) return { error: { code: e.code, message: e.message } }
    const ref = crypto.randomBytes(6).toString('hex')
    console.error(`[action ${name}] ref=${ref}`, e)
    return {
      error: {
        code: 'INTERNAL',
        message: `Something went wrong (ref ${ref}); nothing was changed if the action did not say otherwise.`,
      },
    }
  }
}
