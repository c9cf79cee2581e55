// What the channel settings screen shows. Never the credentials: only whether they are set and
// when they last changed (the latest `channel.credentials.set` audit row).
import type { Db } from '../db'
import type { ConnectorFormField } from '../channels/connector-schemas'
import { channelIdentity, type ChannelIdentity } from './channel-identity'
import { SECRET_KEY, channelFormFor, credentialFieldsFor } from './configure-channel'

export interface ChannelSettingsView extends ChannelIdentity<'shadow' | 'live', 'active' | 'paused'> {
  baseUrl: string
  /** Non-secret settings other than baseUrl. */
  settings: Record<string, unknown>
  ratePerSecond: number
  rateBurst: number
  credentials: { set: boolean; lastChangedAt: string | null; lastChangedBy: string | null; fields: string[] }
  /** The form generated from the connector's settings and credentials schemas (what the marketplace issues). */
  form: { settings: ConnectorFormField[]; credentials: ConnectorFormField[] }
  listings: number
  updatedAt: string
}

export async function listChannelSettings(db: Db): Promise<{ items: ChannelSettingsView[] }> {
  const channels = await db.channel.findMany({
    orderBy: { code: 'asc' },
    select: {
      id: true,
      code: true,
      name: true,
      kind: true,
      mode: true,
      status: true,
      settings: true,
      ratePerSecond: true,
      rateBurst: true,
      updatedAt: true,
      credentialsEnc: true,
      _count: { select: { listings: true } },
    },
  })
  const changes =
    channels.length === 0
      ? []
      : await db.auditLog.findMany({
          where: { entity: 'channel', action: 'channel.credentials.set', entityId: { in: channels.map((c) => c.id) } },
          orderBy: { at: 'desc' },
          distinct: ['entityId'],
          select: { entityId: true, at: true, actorLabel: true },
        })
  const lastChange = new Map(changes.map((c) => [c.entityId, c]))
  return {
    items: channels.map((c) => {
      const { baseUrl, ...stored } = (c.settings ?? {}) as Record<string, unknown>
      // Settings written before validation existed (a script, the database) may hold a secret under
      // a telling name: never send it to a browser. Saving the form then asks to move it to credentials.
      const settings = Object.fromEntries(
        Object.entries(stored).map(([k, v]) => [k, SECRET_KEY.test(k) ? '(hidden: move to credentials)' : v]),
      )
      const change = lastChange.get(c.id)
      return {
        ...channelIdentity(c),
        baseUrl: typeof baseUrl === 'string' ? baseUrl : '',
        settings,
        ratePerSecond: c.ratePerSecond,
        rateBurst: c.rateBurst,
        credentials: {
          set: c.credentialsEnc !== null,
          lastChangedAt: change?.at.toISOString() ?? null,
          lastChangedBy: change?.actorLabel ?? null,
          fields: credentialFieldsFor(c.kind),
        },
        form: channelFormFor(c.kind),
        listings: c._count.listings,
        updatedAt: c.updatedAt.toISOString(),
      }
    }),
  }
}
