// Read model of the holdbacks screen and API: the holdbacks by state, and what each does to channel
// quantities now.
import type { Db } from '../db'
import { holdbackView, type HoldbackView } from './holdback.schema'

export async function listHoldbacks(
  db: Db,
  filter: { state?: 'active' | 'expired' | 'removed' | 'all'; sku?: string; channel?: string; category?: string } = {},
  now = new Date(),
): Promise<HoldbackView[]> {
  const state = filter.state ?? 'active'
  const rows = await db.holdback.findMany({
    where: {
      ...(filter.sku ? { skuCode: filter.sku } : {}),
      ...(filter.category ? { category: filter.category } : {}),
      ...(filter.channel ? { OR: [{ channel: filter.channel }, { channel: null }] } : {}),
      ...(state === 'active' ? { removedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } : {}),
      ...(state === 'removed' ? { removedAt: { not: null } } : {}),
      ...(state === 'expired' ? { removedAt: null, expiresAt: { lte: now } } : {}),
    },
    orderBy: { createdAt: 'desc' },
    take: 500,
  })
  return rows.map((r) => holdbackView(r, now))
}

export interface HoldbackEffect {
  id: string
  listings: number
  unitsWithheld: number
  byChannel: Record<string, { listings: number; unitsWithheld: number }>
}

/**
 * What each active holdback does to channel quantities now, from the stored decisions: the listings
 * whose current decision applied it, and the units its step took off (the quantity before its step
 * minus the quantity after).
 */
export async function holdbackEffects(db: Db, ids: string[]): Promise<HoldbackEffect[]> {
  if (ids.length === 0) return []
  const rows = await db.$queryRawUnsafe<
    Array<{ channel: string; holdbackIds: string[]; steps: Array<{ step: string; quantity: number }> }>
  >(
    `SELECT c.code AS channel, d."holdbackIds", d.steps
       FROM "Holdback" h
       JOIN "Sku" s ON (h."skuCode" IS NOT NULL AND s.code = h."skuCode") OR (h.category IS NOT NULL AND s.category = h.category)
       JOIN "ChannelListing" cl ON cl."skuId" = s.id
       JOIN "Channel" c ON c.id = cl."channelId" AND (h.channel IS NULL OR h.channel = c.code)
       JOIN "AvailabilityDecision" d ON d.id = cl."decisionId"
      WHERE h.id = ANY($1::uuid[]) AND d."holdbackIds" && $2::text[]`,
    ids,
    ids,
  )
  const out = new Map(ids.map((id) => [id, { id, listings: 0, unitsWithheld: 0, byChannel: {} } as HoldbackEffect]))
  const seen = new Set<string>()
  for (const r of rows) {
    // The decision's holdback steps come in the order of its holdbackIds.
    const hbSteps = r.steps.map((s, i) => ({ s, i })).filter((x) => x.s.step === 'holdback')
    r.holdbackIds.forEach((id, k) => {
      const e = out.get(id)
      const at = hbSteps[k]
      if (!e || !at) return
      const key = `${id}|${r.channel}|${JSON.stringify(r.steps)}`
      if (seen.has(key)) return
      seen.add(key)
      const withheld = Math.max(0, (r.steps[at.i - 1]?.quantity ?? 0) - at.s.quantity)
      e.listings++
      e.unitsWithheld += withheld
      const c = (e.byChannel[r.channel] ??= { listings: 0, unitsWithheld: 0 })
      c.listings++
      c.unitsWithheld += withheld
    })
  }
  return [...out.values()]
}
