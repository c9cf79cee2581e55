// What the API keys and sources screen shows: never a key or a secret, only their identifiers
// (the key's prefix) and state.
import type { Db } from '../db'
import { SCOPES } from '../auth/permissions'
import { apiKeyRefusalsLastHour, apiKeyUsageThisMinute } from '../auth/api-key-rate-limit'

export interface ApiKeyView {
  id: string
  name: string
  prefix: string
  scopes: string[]
  boundSource: string | null
  rateLimitPerMinute: number | null
  /** Requests counted against the limit this minute, and requests refused (429) in the last hour. */
  usedThisMinute: number
  refusedLastHour: number
  createdBy: string | null
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface SourceView {
  code: string
  name: string
  kind: string
  createdAt: string
  secretSet: boolean
  lastRotatedAt: string | null
  /** The replaced secret still accepted until then (null: none). */
  previousValidUntil: string | null
}

export interface ApiKeysScreen {
  keys: ApiKeyView[]
  sources: SourceView[]
  scopes: string[]
  channels: string[]
}

export async function listApiKeys(db: Db, now = new Date()): Promise<ApiKeysScreen> {
  const [keys, sources, channels] = await Promise.all([
    db.apiKey.findMany({
      orderBy: [{ revokedAt: { sort: 'desc', nulls: 'first' } }, { createdAt: 'desc' }],
      take: 500,
      include: { createdBy: { select: { email: true } } },
    }),
    db.source.findMany({ orderBy: { code: 'asc' } }),
    db.channel.findMany({ orderBy: { code: 'asc' }, select: { code: true } }),
  ])
  const rotations =
    sources.length === 0
      ? []
      : await db.auditLog.findMany({
          where: {
            entity: 'source',
            action: { in: ['source.secret.rotate', 'source.create'] },
            entityId: { in: sources.map((s) => s.code) },
          },
          orderBy: { at: 'desc' },
          distinct: ['entityId'],
          select: { entityId: true, at: true },
        })
  const rotated = new Map(rotations.map((r) => [r.entityId, r.at]))
  const [used, refused] = await Promise.all([
    apiKeyUsageThisMinute(
      db,
      keys.filter((k) => k.rateLimitPerMinute && !k.revokedAt).map((k) => k.id),
      now,
    ),
    apiKeyRefusalsLastHour(db, now),
  ])
  return {
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      boundSource: k.boundSource,
      rateLimitPerMinute: k.rateLimitPerMinute,
      usedThisMinute: used.get(k.id) ?? 0,
      refusedLastHour: refused.get(k.name) ?? 0,
      createdBy: k.createdBy?.email ?? null,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    })),
    sources: sources.map((s) => ({
      code: s.code,
      name: s.name,
      kind: s.kind,
      createdAt: s.createdAt.toISOString(),
      secretSet: s.signingSecretEnc !== null,
      lastRotatedAt: rotated.get(s.code)?.toISOString() ?? null,
      previousValidUntil:
        s.previousSecretEnc && s.previousValidUntil && s.previousValidUntil > now
          ? s.previousValidUntil.toISOString()
          : null,
    })),
    scopes: [...SCOPES],
    channels: channels.map((c) => c.code),
  }
}
