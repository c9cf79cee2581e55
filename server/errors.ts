// Typed domain errors. Expected ones reach the caller as a clear message with their code;
// anything else is logged with a correlation id and shown as "something went wrong (ref ...)".
import crypto from 'node:crypto'

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = new.target.name
  }
}
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'VALIDATION_FAILED') {
    super(code, message, 400, details)
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid credentials.') {
    super('UNAUTHORIZED', message, 401)
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super('FORBIDDEN', message, 403)
  }
}
export class NotFoundError extends AppError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(code, message, 404)
  }
}
export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT') {
    super(code, message, 409)
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message, 413)
  }
}
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message, 429)
  }
}

export function newRef(): string {
  return crypto.randomBytes(6).toString('hex')
}

export interface ErrorBody {
  error: { code: string; message: string; ref: string }
}

/** Maps any thrown value to the error body (docs/api.md "Errors"); unknown errors never leak their message. */
export function toErrorResponse(
  err: unknown,
  ref = newRef(),
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof AppError) {
    const headers: Record<string, string> = {}
    if (err instanceof RateLimitedError) headers['Retry-After'] = String(err.retryAfterSeconds)
    return { status: err.status, body: { error: { code: err.code, message: err.message, ref } }, headers }
  }
  console.error(`[error ref=${ref}]`, err)
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: `Something went wrong (ref ${ref}).`, ref } },
    headers: {},
  }
}

/**
 * A validation's issues as one sentence, "path: message; path: message" (zod's or any alike): the
 * one wording every refusal uses. `root` names an issue about the whole value, `limit` keeps the first few.
 */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  opts: { root?: string; limit?: number; sep?: string } = {},
): string {
  const { root = '', limit = issues.length, sep = ': ' } = opts
  return issues
    .slice(0, limit)
    .map((i) => `${i.path.map(String).join('.') || root}${sep}${i.message}`)
    .join('; ')
}
