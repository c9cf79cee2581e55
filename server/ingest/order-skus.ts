// Which canonical SKU a channel's SKU names, for both order paths: the channel's listing map
// first, then aliases, then SKU codes; an order naming one the channel does not map is refused whole.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { type IngestRejection } from './dead-letters.repository'

/** Channel SKUs -> canonical SKU ids: the channel's listing map first, then aliases, then SKU codes. */
export async function resolveChannelSkus(
  db: Db | PrismaClient,
  channel: { id: string; code: string },
  channelSkus: string[],
): Promise<Map<string, string>> {
  const mapped = await db.$queryRawUnsafe<Array<{ input: string; id: string }>>(
    `SELECT input, id FROM (
       SELECT cl."externalSku" AS input, cl."skuId"::text AS id, 0 AS rank FROM "ChannelListing" cl WHERE cl."channelId" = $2::uuid AND cl."externalSku" = ANY($1::text[])
       UNION ALL SELECT a.alias, a."skuId"::text, 1 FROM "SkuAlias" a WHERE a.scope IN ($3, '*') AND a.alias = ANY($1::text[])
       UNION ALL SELECT s.code, s.id::text, 2 FROM "Sku" s WHERE s.code = ANY($1::text[])
     ) x ORDER BY input, rank`,
    [...new Set(channelSkus)],
    channel.id,
    `channel:${channel.code}`,
  )
  const skuIdByInput = new Map<string, string>()
  for (const m of mapped) if (!skuIdByInput.has(m.input)) skuIdByInput.set(m.input, m.id)
  return skuIdByInput
}

/**
 * Orders whose every line names a SKU the channel maps (resolveChannelSkus), and the map; an order
 * naming one it does not is refused whole (`unknownSku` words the rejection), so replaying it after
 * the listing map is fixed applies it whole.
 */
export async function keepOrdersWithKnownSkus<O extends { lines: Array<{ sku: string }> }>(
  db: Db | PrismaClient,
  channel: { id: string; code: string },
  valid: Array<{ index: number; order: O }>,
  unknownSku: (v: { index: number; order: O }, sku: string) => IngestRejection,
): Promise<{
  skuIdByInput: Map<string, string>
  accepted: Array<{ index: number; order: O }>
  rejected: IngestRejection[]
}> {
  const skuIdByInput = await resolveChannelSkus(
    db,
    channel,
    valid.flatMap((v) => v.order.lines.map((l) => l.sku)),
  )
  const accepted: Array<{ index: number; order: O }> = []
  const rejected: IngestRejection[] = []
  for (const v of valid) {
    const unknown = v.order.lines.find((l) => !skuIdByInput.has(l.sku))
    if (unknown) rejected.push(unknownSku(v, unknown.sku))
    else accepted.push(v)
  }
  return { skuIdByInput, accepted, rejected }
}
