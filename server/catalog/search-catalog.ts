// Catalogue reads for the settings screen: the API's keyset-paged lists (server-side search and
// paging), and one SKU with its kit structure both ways (its components, the kits it is part of).
import { z } from 'zod'
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { listCatalog, type Page } from '../catalog/list-catalog'
import { CATALOG_ENTITY_NAMES } from './catalog-entities'

export const CatalogSearchSchema = z.object({
  entity: z.enum(CATALOG_ENTITY_NAMES).default('skus'),
  q: z.string().trim().max(100).optional(),
  kind: z.enum(['kit', 'item']).optional(),
  channel: z.string().max(100).optional(),
  scope: z.string().max(100).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})
export type CatalogSearch = z.infer<typeof CatalogSearchSchema>

export function searchCatalog(db: Db, s: CatalogSearch): Promise<Page<object>> {
  return listCatalog(db, s.entity, {
    q: s.q || undefined,
    kind: s.kind,
    channel: s.channel || undefined,
    scope: s.scope || undefined,
    cursor: s.cursor,
    limit: s.limit,
  })
}

export interface CatalogSkuView {
  code: string
  name: string
  category: string
  baseUom: string
  active: boolean
  isKit: boolean
  updatedAt: string
  components: Array<{ sku: string; name: string; quantity: number; active: boolean }>
  usedInKits: Array<{ sku: string; name: string; quantity: number }>
  listings: Array<{ channel: string; externalSku: string; active: boolean }>
  aliases: Array<{ scope: string; alias: string }>
  units: Array<{ uom: string; factor: number }>
}

export async function getCatalogSku(db: Db, code: string): Promise<CatalogSkuView> {
  const sku = await db.sku.findUnique({
    where: { code },
    include: {
      components: { include: { component: { select: { code: true, name: true, active: true } } } },
      usedInKits: { include: { kit: { select: { code: true, name: true } } }, take: 200 },
      listings: { include: { channel: { select: { code: true } } } },
      aliases: { orderBy: [{ scope: 'asc' }, { alias: 'asc' }], take: 200 },
      uoms: { orderBy: { uom: 'asc' } },
    },
  })
  if (!sku) throw new NotFoundError(`There is no SKU ${code}.`, 'UNKNOWN_SKU')
  const byCode = <T extends { sku: string }>(a: T, b: T) => a.sku.localeCompare(b.sku)
  return {
    code: sku.code,
    name: sku.name,
    category: sku.category,
    baseUom: sku.baseUom,
    active: sku.active,
    isKit: sku.isKit,
    updatedAt: sku.updatedAt.toISOString(),
    components: sku.components
      .map((c) => ({ sku: c.component.code, name: c.component.name, quantity: c.quantity, active: c.component.active }))
      .sort(byCode),
    usedInKits: sku.usedInKits.map((k) => ({ sku: k.kit.code, name: k.kit.name, quantity: k.quantity })).sort(byCode),
    listings: sku.listings
      .map((l) => ({ channel: l.channel.code, externalSku: l.externalSku, active: l.active }))
      .sort((a, b) => a.channel.localeCompare(b.channel)),
    aliases: sku.aliases.map((a) => ({ scope: a.scope, alias: a.alias })),
    units: sku.uoms.map((u) => ({ uom: u.uom, factor: u.factor })),
  }
}
