// The impact of a replay before anyone asks for it: what it would move, computed from current state.
import type { Db } from '../db'
import { ValidationError } from '../errors'
import { MAX_REPLAY_SELECTION, whereOf, type ReplaySelection } from './replay-selection'

export interface ReplayImpact {
  deadLetters: number
  byKind: { ingest: number; publish: number }
  /** Distinct listings the replay moves: publish dead letters' listings plus the listings of the SKUs the events move. */
  listings: number
  /** Units the replayed events move (sum of |quantity|), their SKUs known now, and SKUs still unknown (they will be rejected again until fixed). */
  units: number
  skus: number
  unresolvedSkus: number
  /** Listings whose channel shows 0 and would get a positive quantity, and the reverse. */
  zeroToPositive: number
  positiveToZero: number
  sample: Array<{
    id: string
    kind: string
    code: string
    sku: string | null
    channel: string | null
    current: number | null
    next: number | null
  }>
}

/** What a replay of this selection would do, computed from current state. Changes nothing. */
export async function previewReplay(db: Db, sel: ReplaySelection): Promise<ReplayImpact & { ids: string[] }> {
  const letters = await db.deadLetter.findMany({
    where: whereOf(sel),
    orderBy: [{ riskScore: 'desc' }, { lastSeenAt: 'desc' }],
    take: MAX_REPLAY_SELECTION + 1,
    select: {
      id: true,
      kind: true,
      code: true,
      sku: true,
      channel: true,
      listingId: true,
      source: true,
      payload: true,
    },
  })
  if (letters.length > MAX_REPLAY_SELECTION)
    throw new ValidationError(
      `The filter matches more than ${MAX_REPLAY_SELECTION} dead letters; narrow it.`,
      undefined,
      'SELECTION_TOO_LARGE',
    )
  const listingIds = [...new Set(letters.filter((l) => l.kind === 'publish' && l.listingId).map((l) => l.listingId!))]
  const listings =
    listingIds.length === 0
      ? []
      : await db.channelListing.findMany({
          where: { id: { in: listingIds } },
          select: { id: true, desiredQuantity: true, appliedQuantity: true },
        })
  const { units, resolved, unresolvedSkus } = await eventImpact(db, letters)
  const eventListings =
    resolved.size === 0
      ? []
      : await db.channelListing.findMany({
          where: { skuId: { in: [...resolved] }, active: true },
          select: { id: true },
        })
  const listingCount = new Set([...listings.map((l) => l.id), ...eventListings.map((l) => l.id)]).size
  const byId = new Map(listings.map((l) => [l.id, l]))
  let zeroToPositive = 0,
    positiveToZero = 0
  for (const l of listings) {
    const current = l.appliedQuantity ?? 0
    const next = l.desiredQuantity ?? 0
    if (current === 0 && next > 0) zeroToPositive++
    if (current > 0 && next === 0) positiveToZero++
  }
  return {
    ids: letters.map((l) => l.id),
    deadLetters: letters.length,
    byKind: {
      ingest: letters.filter((l) => l.kind === 'ingest').length,
      publish: letters.filter((l) => l.kind === 'publish').length,
    },
    listings: listingCount,
    units,
    skus: resolved.size,
    unresolvedSkus,
    zeroToPositive,
    positiveToZero,
    sample: letters.slice(0, 20).map((l) => {
      const listing = l.listingId ? byId.get(l.listingId) : undefined
      return {
        id: l.id,
        kind: l.kind,
        code: l.code,
        sku: l.sku,
        channel: l.channel,
        current: listing?.appliedQuantity ?? null,
        next: listing?.desiredQuantity ?? null,
      }
    }),
  }
}

/**
 * Events: the units they move and the SKUs they touch (by code, or by an alias in the event's
 * source scope or '*'), whose listings recompute and republish once the events apply.
 */
async function eventImpact(
  db: Db,
  letters: Array<{ kind: string; sku: string | null; source: string | null; payload: unknown }>,
): Promise<{ units: number; resolved: Set<string>; unresolvedSkus: number }> {
  let units = 0
  const eventSkus = new Map<string, string | null>()
  for (const l of letters) {
    if (l.kind !== 'ingest') continue
    const e = ((l.payload ?? {}) as { event?: { sku?: unknown; quantity?: unknown } }).event ?? {}
    if (typeof e.quantity === 'number' && Number.isFinite(e.quantity)) units += Math.abs(e.quantity)
    const code = typeof e.sku === 'string' ? e.sku : l.sku
    if (code) eventSkus.set(`${l.source ?? '*'}\u0000${code}`, code)
  }
  const codes = [...new Set([...eventSkus.values()].filter((c): c is string => c !== null))]
  const [byCode, byAlias] =
    codes.length === 0
      ? [[], []]
      : await Promise.all([
          db.sku.findMany({ where: { code: { in: codes } }, select: { id: true, code: true } }),
          db.skuAlias.findMany({ where: { alias: { in: codes } }, select: { scope: true, alias: true, skuId: true } }),
        ])
  const resolved = new Set<string>()
  let unresolvedSkus = 0
  for (const [key, code] of eventSkus) {
    if (!code) continue
    const scope = key.split('\u0000')[0]
    const id =
      byCode.find((s) => s.code === code)?.id ??
      byAlias.find((a) => a.alias === code && (a.scope === scope || a.scope === '*'))?.skuId
    if (id) resolved.add(id)
    else unresolvedSkus++
  }
  return { units, resolved, unresolvedSkus }
}
