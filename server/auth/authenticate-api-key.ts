// A request's API key checked: present, known, not revoked, holding the scope, within its rate
// limit. The principal it yields is what route handlers and use cases see of the caller.
import type { Db } from '../db'
import { ForbiddenError, UnauthorizedError } from '../errors'
import { hasScope } from './permissions'
import { enforceApiKeyRateLimit } from './api-key-rate-limit'
import { hashApiKey } from './api-keys'

export interface ApiPrincipal {
  kind: 'api_key'
  keyId: string
  name: string
  scopes: string[]
  boundSource: string | null
  rateLimitPerMinute: number | null
}

export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim())
  return m ? m[1] : null
}

/** 401 when the key is missing, unknown or revoked; 403 when it lacks the scope; 429 beyond its rate limit. */
export async function authenticateApiKey(
  db: Db,
  authorization: string | null | undefined,
  scope: string,
  now = new Date(),
): Promise<ApiPrincipal> {
  const token = bearerToken(authorization)
  if (!token) throw new UnauthorizedError('Missing API key: send "Authorization: Bearer <api key>".')
  const row = await db.apiKey.findUnique({ where: { secretHash: hashApiKey(token) } })
  if (!row || row.revokedAt) throw new UnauthorizedError('Invalid or revoked API key.')
  if (!hasScope(row.scopes, scope)) throw new ForbiddenError(`This API key lacks the scope "${scope}".`)
  await enforceApiKeyRateLimit(db, row, now)
  // "Last used" for the keys screen, at most one write a minute per key (a hot ingest key is not a hot row).
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(Date.now() - 60_000) } }] },
      data: { lastUsedAt: new Date() },
    })
  }
  return {
    kind: 'api_key',
    keyId: row.id,
    name: row.name,
    scopes: row.scopes,
    boundSource: row.boundSource,
    rateLimitPerMinute: row.rateLimitPerMinute,
  }
}
