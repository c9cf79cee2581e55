// API keys: `st_<prefix>_<secret>`; only the SHA-256 of the whole key is stored.
import crypto from 'node:crypto'
import type { Db } from '../db'
import { ForbiddenError, UnauthorizedError } from '../errors'
import { hasScope } from './permissions'
import { enforceApiKeyRateLimit } from './api-key-rate-limit'

export interface ApiPrincipal {
  kind: 'api_key'
  keyId: string
  name: string
  scopes: string[]
  boundSource: string | null
  rateLimitPerMinute: number | null
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex')
}

export function generateApiKey(): { key: string; prefix: string } {
  const prefix = crypto.randomBytes(4).toString('hex')
  return { key: `st_${prefix}_${crypto.randomBytes(24).toString('base64url')}`, prefix }
}

/** Stores a key. `key` may be given (the demo key from STOCKTOWER_DEMO_API_KEY); its prefix is derived. */
export async function createApiKey(
  db: Db,
  input: {
    name: string
    scopes: string[]
    key?: string
    boundSource?: string | null
    createdById?: string | null
    rateLimitPerMinute?: number | null
  },
): Promise<{ id: string; key: string }> {
  const generated = input.key ? { key: input.key, prefix: hashApiKey(input.key).slice(0, 12) } : generateApiKey()
  const row = await db.apiKey.create({
    data: {
      name: input.name,
      prefix: generated.prefix,
      secretHash: hashApiKey(generated.key),
      scopes: input.scopes,
      boundSource: input.boundSource ?? null,
      createdById: input.createdById ?? null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    },
  })
  return { id: row.id, key: generated.key }
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
