// GET /api/v1/channels (docs/api.md "Sources and channels"): what a script needs to know about each
// channel. Connector credentials and other settings stay out.
import type { Db } from '../db'

export interface ChannelSummary {
  code: string
  name: string
  kind: string
  mode: 'shadow' | 'live'
  paused: boolean
  baseUrl: string
}

export async function listChannels(db: Db): Promise<{ items: ChannelSummary[] }> {
  const rows = await db.channel.findMany({
    orderBy: { code: 'asc' },
    select: { code: true, name: true, kind: true, mode: true, status: true, settings: true },
  })
  return {
    items: rows.map((c) => {
      const baseUrl = (c.settings as Record<string, unknown> | null)?.baseUrl
      return {
        code: c.code,
        name: c.name,
        kind: c.kind,
        mode: c.mode,
        paused: c.status === 'paused',
        baseUrl: typeof baseUrl === 'string' ? baseUrl : '',
      }
    }),
  }
}
