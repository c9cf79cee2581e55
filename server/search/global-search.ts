// Global search: one box for SKU codes, SKU aliases, channel listing ids (seller SKU or the
// marketplace's own id) and channel order ids. Prefix match, case-insensitive: each table is read
// by range scans on its index for the text as typed, upper-cased and lower-cased (codes are
// consistently cased in practice), then filtered with ILIKE so only true prefixes come back.
import type { Db } from '../db'

export interface SearchHit {
  kind: 'sku' | 'alias' | 'listing' | 'order'
  label: string
  detail: string
  href: string
}

const PER_KIND = 6

function variants(q: string): string[] {
  return [...new Set([q, q.toUpperCase(), q.toLowerCase()])]
}

/** `col` range-scanned for each variant; $1.. are [v1, v1 upper bound, v2, ...]. */
function prefixWhere(col: string, n: number, offset = 0): string {
  return `(${Array.from({ length: n }, (_, i) => `(${col} COLLATE "C" >= $${offset + 2 * i + 1} AND ${col} COLLATE "C" < $${offset + 2 * i + 2})`).join(' OR ')})`
}

export async function globalSearch(db: Db, raw: string): Promise<SearchHit[]> {
  const q = raw.trim().slice(0, 100)
  if (q.length === 0) return []
  const vs = variants(q)
  const params = vs.flatMap((v) => [v, `${v}\u{10FFFF}`])
  const like = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const n = vs.length
  const L = params.length + 1
  const [skus, aliases, listings, orders] = await Promise.all([
    db.$queryRawUnsafe<Array<{ code: string; name: string }>>(
      `SELECT code, name FROM "Sku" WHERE ${prefixWhere('code', n)} AND code ILIKE $${L} ORDER BY code LIMIT ${PER_KIND}`,
      ...params,
      like,
    ),
    db.$queryRawUnsafe<Array<{ alias: string; scope: string; code: string }>>(
      `SELECT a.alias, a.scope, s.code FROM "SkuAlias" a JOIN "Sku" s ON s.id = a."skuId" WHERE ${prefixWhere('a.alias', n)} AND a.alias ILIKE $${L} ORDER BY a.alias LIMIT ${PER_KIND}`,
      ...params,
      like,
    ),
    db.$queryRawUnsafe<Array<{ externalSku: string; externalId: string | null; channel: string; code: string }>>(
      `SELECT l."externalSku", l."externalId", c.code AS channel, s.code FROM "ChannelListing" l JOIN "Channel" c ON c.id = l."channelId" JOIN "Sku" s ON s.id = l."skuId"
        WHERE (${prefixWhere('l."externalSku"', n)} AND l."externalSku" ILIKE $${L}) OR (${prefixWhere('l."externalId"', n)} AND l."externalId" ILIKE $${L})
        ORDER BY l."externalSku" LIMIT ${PER_KIND}`,
      ...params,
      like,
    ),
    db.$queryRawUnsafe<Array<{ orderId: string; channel: string; incident: string | null }>>(
      `SELECT x."orderId", x.channel, (SELECT i.id::text FROM "OversellIncident" i WHERE i.channel = x.channel AND i."orderId" = x."orderId" ORDER BY i."lineId" LIMIT 1) AS incident
         FROM (SELECT DISTINCT o."orderId", c.code AS channel FROM "ChannelOrderEvent" o JOIN "Channel" c ON c.id = o."channelId"
                WHERE ${prefixWhere('o."orderId"', n)} AND o."orderId" ILIKE $${L} ORDER BY 1 LIMIT ${PER_KIND}) x`,
      ...params,
      like,
    ),
  ])
  const sku = (code: string) => `/skus/${encodeURIComponent(code)}`
  return [
    ...skus.map((s) => ({ kind: 'sku' as const, label: s.code, detail: s.name, href: sku(s.code) })),
    ...aliases.map((a) => ({
      kind: 'alias' as const,
      label: a.alias,
      detail: `alias of ${a.code} (${a.scope})`,
      href: sku(a.code),
    })),
    ...listings.map((l) => ({
      kind: 'listing' as const,
      label: l.externalId && l.externalId.toLowerCase().startsWith(q.toLowerCase()) ? l.externalId : l.externalSku,
      detail: `${l.channel} listing of ${l.code}`,
      href: sku(l.code),
    })),
    // An order opens its oversell incident when it has one, else its channel.
    ...orders.map((o) => ({
      kind: 'order' as const,
      label: o.orderId,
      detail: o.incident ? `${o.channel} order, oversold` : `${o.channel} order`,
      href: o.incident ? `/findings/oversells/${o.incident}` : `/channels/${encodeURIComponent(o.channel)}`,
    })),
  ]
}
