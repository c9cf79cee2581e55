// The impact of a candidate rule set before saving: per channel, how many listings go up, down,
// to zero and from zero, with a sample. Decides in chunks with the same code the recompute uses.
import type { PrismaClient } from '@prisma/client'
import type { RuleSet } from './rules.schema'
import { decideSkus } from '../availability/recompute-availability'
import { parseRuleSet } from './parse-rule-set'
import { noListingMoves, type ListingMoves } from '../channels/listing-moves'

export interface ChannelImpact extends ListingMoves {
  channel: string
}
export interface RuleImpact {
  channels: ChannelImpact[]
  sample: Array<{ sku: string; channel: string; from: number | null; to: number }>
  skus: number
  ms: number
}

export async function previewRuleImpact(
  db: PrismaClient,
  rules: RuleSet,
  opts: { chunk?: number; sampleSize?: number } = {},
): Promise<RuleImpact> {
  const started = Date.now()
  const chunk = opts.chunk ?? 2000
  const sampleSize = opts.sampleSize ?? 20
  const byChannel = new Map<string, ChannelImpact>()
  const sample: RuleImpact['sample'] = []
  const now = new Date()
  let after = '00000000-0000-0000-0000-000000000000'
  let skus = 0
  for (;;) {
    const ids = await db.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id::text AS id FROM "Sku" WHERE active AND id > $1::uuid ORDER BY id LIMIT $2`,
      after,
      chunk,
    )
    if (ids.length === 0) break
    after = ids[ids.length - 1].id
    skus += ids.length
    const d = await decideSkus(
      db,
      ids.map((r) => r.id),
      { id: 'preview', rules },
      now,
      { lock: false },
    )
    for (const l of d.listings) {
      const decision = d.decisionsBySku.get(l.skuId)?.find((x) => x.channel === l.channel)
      if (!decision) continue
      const c = byChannel.get(l.channel) ?? { channel: l.channel, ...noListingMoves() }
      byChannel.set(l.channel, c)
      c.listings++
      const from = l.desiredQuantity
      const to = decision.quantity
      if (from === to) {
        c.unchanged++
        continue
      }
      if (from === null || to > from) c.up++
      else c.down++
      if (to === 0) c.toZero++
      if ((from ?? 0) === 0 && to > 0) c.fromZero++
      if (sample.length < sampleSize)
        sample.push({ sku: d.skuById.get(l.skuId)?.code ?? '?', channel: l.channel, from, to })
    }
  }
  return {
    channels: [...byChannel.values()].sort((a, b) => a.channel.localeCompare(b.channel)),
    sample,
    skus,
    ms: Date.now() - started,
  }
}

/** The impact of a rule set as sent (parsed first: an invalid one is a 400). Saves nothing. */
export async function dryRunRuleSet(db: PrismaClient, raw: unknown): Promise<RuleImpact> {
  return previewRuleImpact(db, parseRuleSet(raw))
}
