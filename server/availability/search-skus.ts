// The SKU explorer's read model: one page of SKUs with stock totals and, per channel, what we
// decided, what the channel shows and whether the two agree. Keyset-paged on the SKU code.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ValidationError } from '../errors'
import { sellable } from '../positions/apply-event'

export interface SkuSearch {
  q?: string
  category?: string
  /** out_of_sync: some channel does not yet show what we decided; failing: a publish failed. */
  status?: 'out_of_sync' | 'failing'
  kind?: 'kit' | 'item'
  after?: string | null
  /** SKU code order (default asc); `after` continues in that order. */
  order?: 'asc' | 'desc'
  limit: number
}

export interface SkuRow {
  sku: string
  name: string
  category: string
  isKit: boolean
  onHand: number
  sellable: number
  channels: Record<string, { desired: number | null; applied: number | null; state: 'in_sync' | 'pending' | 'failing' | 'undecided' }>
}

export interface SkuPage { items: SkuRow[]; nextAfter: string | null; channels: string[]; categories: string[]; /** SKUs matching the filters (all pages). */ total: number }

export async function searchSkus(db: Db, s: SkuSearch): Promise<SkuPage> {
  if (s.status && s.status !== 'out_of_sync' && s.status !== 'failing') throw new ValidationError('"status" must be out_of_sync or failing.', undefined, 'INVALID_FILTER')
  const q = s.q?.trim()
  const listingFilter: Prisma.ChannelListingWhereInput | undefined =
    s.status === 'failing' ? { active: true, lastError: { not: null } } : undefined
  const where: Prisma.SkuWhereInput = {
    active: true,
    ...(q ? { OR: [{ code: { contains: q, mode: 'insensitive' } }, { name: { contains: q, mode: 'insensitive' } }, { aliases: { some: { alias: { equals: q } } } }] } : {}),
    ...(s.category ? { category: s.category } : {}),
    ...(s.kind ? { isKit: s.kind === 'kit' } : {}),
    ...(s.after ? { code: s.order === 'desc' ? { lt: s.after } : { gt: s.after } } : {}),
    ...(listingFilter ? { listings: { some: listingFilter } } : {}),
  }
  // "Out of sync" compares two columns of a row, which Prisma's filters cannot express.
  if (s.status === 'out_of_sync') {
    const ids = await db.$queryRawUnsafe<Array<{ skuId: string }>>(
      `SELECT DISTINCT "skuId" FROM "ChannelListing" WHERE active AND "desiredVersion" > "appliedVersion"`)
    where.id = { in: ids.map((r) => r.skuId) }
  }
  const { code: _cursor, ...whereAll } = where
  const [rows, channels, categories, total] = await Promise.all([
    db.sku.findMany({
      where,
      orderBy: { code: s.order === 'desc' ? 'desc' : 'asc' },
      take: s.limit + 1,
      include: { positions: true, listings: { where: { active: true }, include: { channel: { select: { code: true } } } } },
    }),
    db.channel.findMany({ select: { code: true }, orderBy: { code: 'asc' } }),
    db.sku.findMany({ where: { active: true }, distinct: ['category'], select: { category: true }, orderBy: { category: 'asc' } }),
    db.sku.count({ where: whereAll }),
  ])
  const page = rows.slice(0, s.limit)
  return {
    items: page.map((sku) => ({
      sku: sku.code,
      name: sku.name,
      category: sku.category,
      isKit: sku.isKit,
      onHand: sku.positions.reduce((n, p) => n + p.onHand, 0),
      sellable: sku.positions.reduce((n, p) => n + sellable(p), 0),
      channels: Object.fromEntries(
        sku.listings.map((l) => [
          l.channel.code,
          {
            desired: l.desiredQuantity,
            applied: l.appliedVersion > 0 ? l.appliedQuantity : null,
            state: l.desiredVersion === 0 ? 'undecided' : l.lastError ? 'failing' : l.appliedVersion >= l.desiredVersion ? 'in_sync' : 'pending',
          },
        ]),
      ),
    })),
    nextAfter: rows.length > s.limit ? (page[page.length - 1]?.code ?? null) : null,
    channels: channels.map((c) => c.code),
    categories: categories.map((c) => c.category),
    total,
  }
}
