// Global search: one box for SKU codes, SKU aliases, channel listing ids (seller SKU or the
// marketplace's own id) and channel order ids. Prefix match, case-insensitive: each table is read
// by a range scan of an index on its lower-cased text in the "C" collation, so the cost follows
// the hits, not the catalogue, whatever the database's collation.
import type { Db } from '../db'

export interface SearchHit {
  kind: 'sku' | 'alias' | 'listing' | 'order'
  label: string
  detail: string
  href: string
}

const PER_KIND = 6

/** `col` lower-cased in the "C" collation: the expression the prefix indexes are built on. */
const key = (col: string) => `(lower(${col}) COLLATE "C")`
/** Rows whose `col` starts with $1 (a lower-cased LIKE prefix pattern), in index order, at most PER_KIND. */
const prefixOf = (col: string) => `${key(col)} LIKE $1 ORDER BY ${key(col)} LIMIT ${PER_KIND}`

/**
 * The four statements, each a range scan of one prefix index (migration
 * 20261204100000_prefix_search_indexes); $1 is the pattern. Exported for the test of their plans.
 */
export const GLOBAL_SEARCH_SQL = {
  skus: `SELECT code, name FROM "Sku" WHERE ${prefixOf('code')}`,
  aliases: `SELECT a.alias, a.scope, s.code FROM "SkuAlias" a JOIN "Sku" s ON s.id = a."skuId" WHERE ${prefixOf('a.alias')}`,
  // A listing matches by its seller SKU or by the marketplace's own id: one ordered scan of each
  // index (an OR of the two could use neither index's order), merged.
  listings: `WITH m AS ((SELECT id, ${key('"externalSku"')} AS k FROM "ChannelListing" WHERE ${prefixOf('"externalSku"')})
      UNION ALL (SELECT id, ${key('"externalId"')} FROM "ChannelListing" WHERE ${prefixOf('"externalId"')}))
    SELECT l."externalSku", l."externalId", c.code AS channel, s.code
      FROM (SELECT id, min(k) AS k FROM m GROUP BY id) m JOIN "ChannelListing" l ON l.id = m.id
      JOIN "Channel" c ON c.id = l."channelId" JOIN "Sku" s ON s.id = l."skuId"
     ORDER BY m.k, l."externalSku" LIMIT ${PER_KIND}`,
  // An order has one event per status change: the ids are taken distinct from a longer scan.
  orders: `SELECT x."orderId", x.channel, (SELECT i.id::text FROM "OversellIncident" i WHERE i.channel = x.channel AND i."orderId" = x."orderId" ORDER BY i."lineId" LIMIT 1) AS incident
      FROM (SELECT DISTINCT o."orderId", c.code AS channel FROM
              (SELECT "orderId", "channelId" FROM "ChannelOrderEvent" WHERE ${key('"orderId"')} LIKE $1 ORDER BY ${key('"orderId"')} LIMIT ${PER_KIND * 20}) o
              JOIN "Channel" c ON c.id = o."channelId" ORDER BY 1 LIMIT ${PER_KIND}) x`,
}

export async function globalSearch(db: Db, raw: string): Promise<SearchHit[]> {
  const q = raw.trim().slice(0, 100)
  if (q.length === 0) return []
  const like = `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const [skus, aliases, listings, orders] = await Promise.all([
    db.$queryRawUnsafe<Array<{ code: string; name: string }>>(GLOBAL_SEARCH_SQL.skus, like),
    db.$queryRawUnsafe<Array<{ alias: string; scope: string; code: string }>>(GLOBAL_SEARCH_SQL.aliases, like),
    db.$queryRawUnsafe<Array<{ externalSku: string; externalId: string | null; channel: string; code: string }>>(
      GLOBAL_SEARCH_SQL.listings,
      like,
    ),
    db.$queryRawUnsafe<Array<{ orderId: string; channel: string; incident: string | null }>>(
      GLOBAL_SEARCH_SQL.orders,
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
