// GET /api/v1/catalog/<entity>: the catalogue as the POST accepts it (items can be sent back
// unchanged), keyset-paged by natural key (code, or scope + alias, ...) in ascending order, so a
// page is stable while rows are added. `q` is a case-insensitive substring of the codes and names.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ValidationError } from '../errors'
import type { CatalogEntityName } from './catalog-plan'
import { skuRecord, type SkuRecord } from './sku-record'
import type { LocationRecord } from './upsert-locations'
import type { LocationAliasRecord, SkuAliasRecord } from './upsert-aliases'
import type { UnitRecord } from './upsert-units'
import type { ListingRecord } from './upsert-listings'

export interface CatalogListFilter {
  q?: string
  /** skus: `kit` or `item`. */
  kind?: string
  /** sku-aliases, location-aliases: exact scope. */
  scope?: string
  /** listings: channel code. */
  channel?: string
  cursor?: string | null
  limit: number
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

function encodeKey(key: string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

function decodeKey(raw: string | null | undefined, size: number): string[] | null {
  if (!raw) return null
  try {
    const k = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (!Array.isArray(k) || k.length !== size || !k.every((x) => typeof x === 'string')) throw new Error('bad')
    return k as string[]
  } catch {
    throw new ValidationError(
      'The cursor is not valid: pass back the nextCursor of a previous page of the same list.',
      undefined,
      'INVALID_CURSOR',
    )
  }
}

const contains = (q: string) => ({ contains: q, mode: 'insensitive' as const })

function page<Row, T>(rows: Row[], limit: number, map: (r: Row) => T, key: (r: Row) => string[]): Page<T> {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeKey(key(last)) : null }
}

export async function listSkus(
  db: Db,
  f: CatalogListFilter,
): Promise<Page<SkuRecord & { createdAt: string; updatedAt: string }>> {
  if (f.kind && f.kind !== 'kit' && f.kind !== 'item')
    throw new ValidationError('"kind" must be kit or item.', undefined, 'INVALID_FILTER')
  const after = decodeKey(f.cursor, 1)
  const where: Prisma.SkuWhereInput = {
    AND: [
      f.q ? { OR: [{ code: contains(f.q) }, { name: contains(f.q) }] } : {},
      f.kind ? { isKit: f.kind === 'kit' } : {},
      after ? { code: { gt: after[0] } } : {},
    ],
  }
  const rows = await db.sku.findMany({
    where,
    orderBy: { code: 'asc' },
    take: f.limit + 1,
    include: { components: { select: { quantity: true, component: { select: { code: true } } } } },
  })
  return page(
    rows,
    f.limit,
    (s) => ({
      ...skuRecord(
        s,
        s.components.map((c) => ({ sku: c.component.code, quantity: c.quantity })),
      ),
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    }),
    (s) => [s.code],
  )
}

export async function listLocations(
  db: Db,
  f: CatalogListFilter,
): Promise<Page<LocationRecord & { createdAt: string }>> {
  const after = decodeKey(f.cursor, 1)
  const rows = await db.location.findMany({
    where: {
      AND: [
        f.q ? { OR: [{ code: contains(f.q) }, { name: contains(f.q) }] } : {},
        after ? { code: { gt: after[0] } } : {},
      ],
    },
    orderBy: { code: 'asc' },
    take: f.limit + 1,
  })
  return page(
    rows,
    f.limit,
    (l) => ({ code: l.code, name: l.name, kind: l.kind, active: l.active, createdAt: l.createdAt.toISOString() }),
    (l) => [l.code],
  )
}

/**
 * Rows after a two-column cursor (a, b) in (a, b) order: a past the cursor's, or the same a and b
 * past the cursor's. `first` and `second` say where each column is (a relation's code, a field).
 */
function afterPair<A extends object, B extends object>(
  after: string[] | null,
  first: (v: string | { gt: string }) => A,
  second: (v: { gt: string }) => B,
) {
  return after ? { OR: [first({ gt: after[0] }), { ...first(after[0]), ...second({ gt: after[1] }) }] } : {}
}
const afterScopeAlias = (after: string[] | null) =>
  afterPair(
    after,
    (v) => ({ scope: v }),
    (v) => ({ alias: v }),
  )

export async function listSkuAliases(
  db: Db,
  f: CatalogListFilter,
): Promise<Page<SkuAliasRecord & { createdAt: string }>> {
  const after = decodeKey(f.cursor, 2)
  const rows = await db.skuAlias.findMany({
    where: {
      AND: [
        f.q ? { OR: [{ alias: contains(f.q) }, { sku: { code: contains(f.q) } }] } : {},
        f.scope ? { scope: f.scope } : {},
        afterScopeAlias(after),
      ],
    },
    orderBy: [{ scope: 'asc' }, { alias: 'asc' }],
    take: f.limit + 1,
    include: { sku: { select: { code: true } } },
  })
  return page(
    rows,
    f.limit,
    (a) => ({ scope: a.scope, alias: a.alias, sku: a.sku.code, createdAt: a.createdAt.toISOString() }),
    (a) => [a.scope, a.alias],
  )
}

export async function listLocationAliases(db: Db, f: CatalogListFilter): Promise<Page<LocationAliasRecord>> {
  const after = decodeKey(f.cursor, 2)
  const rows = await db.locationAlias.findMany({
    where: {
      AND: [
        f.q ? { OR: [{ alias: contains(f.q) }, { location: { code: contains(f.q) } }] } : {},
        f.scope ? { scope: f.scope } : {},
        afterScopeAlias(after),
      ],
    },
    orderBy: [{ scope: 'asc' }, { alias: 'asc' }],
    take: f.limit + 1,
    include: { location: { select: { code: true } } },
  })
  return page(
    rows,
    f.limit,
    (a) => ({ scope: a.scope, alias: a.alias, location: a.location.code }),
    (a) => [a.scope, a.alias],
  )
}

export async function listUnits(db: Db, f: CatalogListFilter): Promise<Page<UnitRecord>> {
  const after = decodeKey(f.cursor, 2)
  const rows = await db.unitOfMeasure.findMany({
    where: {
      AND: [
        f.q ? { OR: [{ uom: contains(f.q) }, { sku: { code: contains(f.q) } }] } : {},
        afterPair(
          after,
          (v) => ({ sku: { code: v } }),
          (v) => ({ uom: v }),
        ),
      ],
    },
    orderBy: [{ sku: { code: 'asc' } }, { uom: 'asc' }],
    take: f.limit + 1,
    include: { sku: { select: { code: true } } },
  })
  return page(
    rows,
    f.limit,
    (u) => ({ sku: u.sku.code, uom: u.uom, factor: u.factor }),
    (u) => [u.sku.code, u.uom],
  )
}

export async function listListings(db: Db, f: CatalogListFilter): Promise<Page<ListingRecord>> {
  const after = decodeKey(f.cursor, 2)
  const rows = await db.channelListing.findMany({
    where: {
      AND: [
        f.q ? { OR: [{ externalSku: contains(f.q) }, { sku: { code: contains(f.q) } }] } : {},
        f.channel ? { channel: { code: f.channel } } : {},
        afterPair(
          after,
          (v) => ({ channel: { code: v } }),
          (v) => ({ sku: { code: v } }),
        ),
      ],
    },
    orderBy: [{ channel: { code: 'asc' } }, { sku: { code: 'asc' } }],
    take: f.limit + 1,
    select: {
      externalSku: true,
      externalId: true,
      active: true,
      channel: { select: { code: true } },
      sku: { select: { code: true } },
    },
  })
  return page(
    rows,
    f.limit,
    (l) => ({
      channel: l.channel.code,
      sku: l.sku.code,
      externalSku: l.externalSku,
      externalId: l.externalId,
      active: l.active,
    }),
    (l) => [l.channel.code, l.sku.code],
  )
}

export function listCatalog(db: Db, entity: CatalogEntityName, f: CatalogListFilter): Promise<Page<object>> {
  switch (entity) {
    case 'skus':
      return listSkus(db, f)
    case 'locations':
      return listLocations(db, f)
    case 'sku-aliases':
      return listSkuAliases(db, f)
    case 'location-aliases':
      return listLocationAliases(db, f)
    case 'units':
      return listUnits(db, f)
    case 'listings':
      return listListings(db, f)
  }
}
