// API keys: `st_<prefix>_<secret>`; only the SHA-256 of the whole key is stored. Issuing one is
// here; checking one on a request is authenticate-api-key.ts.
import crypto from 'node:crypto'
import type { Db } from '../db'

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
