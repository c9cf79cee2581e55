// The SKU explorer's read model: one page of SKUs with stock totals and, per channel, what we
// decided, what the channel shows and whether the two agree. Keyset-paged on the SKU code (the
// default), the name, or what one channel is given (its listings' desired quantity, undecided last),
// each through an index (server/paging/sort.ts).
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ValidationError } from '../errors'
import { sellable } from '../positions/apply-event'
import { decodeCursor, encodeCursor } from '../paging/cursor'
import { keysetPage, parseSort, sortCursor, type Sort } from '../paging/sort'
import { WAITING_SQL } from '../metrics/listing-states'

/** Columns the explorer sorts on besides the code; `available` needs the channel it is for. */
export const SKU_SORTS = { code: 'text', name: 'text', available: 'nint' } as const
export type SkuSortField = keyof typeof SKU_SORTS
export const parseSkuSort = (raw: string | null | undefined, order?: 'asc' | 'desc'): Sort<SkuSortField> =>
  parseSort(raw, SKU_SORTS, { field: 'code', dir: order === 'desc' ? 'desc' : 'asc' })

export interface SkuSearch {
  q?: string
  category?: string
  /** out_of_sync: some channel does not yet show what we decided; failing: a publish failed. */
  status?: 'out_of_sync' | 'failing'
  kind?: 'kit' | 'item'
  after?: string | null
  /** SKU code order (default asc); `after` continues in that order. */
  order?: 'asc' | 'desc'
  /**
   * A column sort (wins over `order`). By code, `after` is the last code; by name or availability it
   * is the opaque cursor `nextAfter` returned. Sorting by `available` lists the SKUs listed on `channel`.
   */
  sort?: Sort<SkuSortField>
  channel?: string
  limit: number
}

export interface SkuRow {
  sku: string
  name: string
  category: string
  isKit: boolean
  onHand: number
  sellable: number
  channels: Record<
    string,
    { desired: number | null; applied: number | null; state: 'in_sync' | 'pending' | 'failing' | 'undecided' }
  >
}

/** Matches are counted up to this many; past it the screen says "10,000+" (counting every match of a broad filter would read the catalogue on every refetch). */
export const SKU_COUNT_CAP = 10_000

/** One page of rows in the chosen order (what the CSV export walks). */
export interface SkuRows {
  items: SkuRow[]
  nextAfter: string | null
  channels: string[]
}

export interface SkuPage extends SkuRows {
  categories: string[]
  /** SKUs matching the filters (all pages), at most SKU_COUNT_CAP. */
  total: number
  /** More than `total` match. */
  totalCapped: boolean
}

const include = {
  positions: true,
  listings: { where: { active: true }, include: { channel: { select: { code: true } } } },
} as const
type SkuWithStock = Prisma.SkuGetPayload<{ include: typeof include }>
/** One page in the chosen order, how to count every match, and the cursor of the next page. */
type Ordered = { page: () => Promise<{ rows: SkuWithStock[]; next: string | null }>; counted: Prisma.SkuWhereInput }

export async function searchSkus(db: Db, s: SkuSearch): Promise<SkuPage> {
  const filter = await skuFilter(db, s)
  const ordered = await orderedBy(db, s, filter.where)
  // A sync status and no other filter: the status's own index read counted the matches already.
  const onlyStatus = !s.q?.trim() && !s.category && !s.kind && s.sort?.field !== 'available'
  const [rows, categories, counted] = await Promise.all([
    pageOf(db, s, ordered),
    activeCategories(db),
    filter.statusCount !== null && onlyStatus
      ? filter.statusCount
      : db.sku.count({ where: ordered.counted, take: SKU_COUNT_CAP + 1 }),
  ])
  return { ...rows, categories, total: Math.min(counted, SKU_COUNT_CAP), totalCapped: counted > SKU_COUNT_CAP }
}

/** One page of rows without the counts: the CSV export's walk through every page. */
export async function skuRows(db: Db, s: SkuSearch): Promise<SkuRows> {
  return pageOf(db, s, await orderedBy(db, s, (await skuFilter(db, s)).where))
}

async function orderedBy(db: Db, s: SkuSearch, where: Prisma.SkuWhereInput): Promise<Ordered> {
  const sort = s.sort ?? parseSkuSort(null, s.order)
  if (sort.field === 'code') return byCode(db, s, sort, where)
  if (sort.field === 'name') return byName(db, s, sort, where)
  return byAvailable(db, s, sort, where)
}

async function pageOf(db: Db, s: SkuSearch, ordered: Ordered): Promise<SkuRows> {
  const [{ rows, next }, channels] = await Promise.all([
    ordered.page(),
    db.channel.findMany({ select: { code: true }, orderBy: { code: 'asc' } }),
  ])
  return { items: rows.slice(0, s.limit).map(toSkuRow), nextAfter: next, channels: channels.map((c) => c.code) }
}

/**
 * The categories of active SKUs, sorted: a skip scan of the category index, one probe per category
 * (Prisma's `distinct` read every SKU and deduplicated them in the client: half of a search's time
 * at 200,000 SKUs).
 */
export const ACTIVE_CATEGORIES_SQL = `
  WITH RECURSIVE c AS (
    (SELECT category FROM "Sku" WHERE active ORDER BY category LIMIT 1)
    UNION ALL
    SELECT (SELECT s.category FROM "Sku" s WHERE s.active AND s.category > c.category ORDER BY s.category LIMIT 1)
      FROM c WHERE c.category IS NOT NULL
  )
  SELECT category FROM c WHERE category IS NOT NULL`

async function activeCategories(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ category: string }>>(ACTIVE_CATEGORIES_SQL)
  return rows.map((r) => r.category)
}

/** The filters as a Prisma condition, and the active SKUs a sync status names (at most SKU_COUNT_CAP + 1). */
interface Filter {
  where: Prisma.SkuWhereInput
  statusCount: number | null
}

/**
 * The active SKUs with a listing out of sync or failing, read from the partial index on skuId
 * (ChannelListing_waiting_sku_idx, ChannelListing_failing_sku_idx; migration
 * 20261203120000_read_rollups), at most SKU_COUNT_CAP + 1 of them.
 */
export const STATUS_SKUS_SQL = {
  out_of_sync: `SELECT DISTINCT cl."skuId" AS id FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId" WHERE s.active AND ${WAITING_SQL} LIMIT ${SKU_COUNT_CAP + 1}`,
  failing: `SELECT DISTINCT cl."skuId" AS id FROM "ChannelListing" cl JOIN "Sku" s ON s.id = cl."skuId" WHERE s.active AND cl.active AND cl."lastError" IS NOT NULL LIMIT ${SKU_COUNT_CAP + 1}`,
} as const

/**
 * Up to this many SKUs a sync status filters the page by id; past it by an EXISTS on the SKU's
 * listings. A list of thousands of ids is a statement of thousands of parameters, planned on every
 * call (the "out of sync" list took 314 ms at 10,000 SKUs with most of them out of sync); with this
 * many matches an EXISTS in code order fills a page within a few hundred probes.
 */
const STATUS_ID_LIST_MAX = 500

/**
 * The filters: text (code, name or exact alias), category, kind, and sync status. An alias is
 * looked up first and matched by SKU id: an EXISTS on aliases inside the OR kept PostgreSQL from
 * combining the trigram indexes and read every SKU (227 ms at 200,000 SKUs). A sync status is
 * read from its partial index first: as an EXISTS alone the planner walked the catalogue in code
 * order probing each SKU's listings, 244 ms at 200,000 SKUs when none was out of sync. A few SKUs
 * become an id list; more stay an EXISTS (STATUS_ID_LIST_MAX), and the read's length is the count.
 */
async function skuFilter(db: Db, s: SkuSearch): Promise<Filter> {
  if (s.status && s.status !== 'out_of_sync' && s.status !== 'failing')
    throw new ValidationError('"status" must be out_of_sync or failing.', undefined, 'INVALID_FILTER')
  const q = s.q?.trim()
  const [aliased, statusSkus] = await Promise.all([
    q ? db.skuAlias.findMany({ where: { alias: q }, select: { skuId: true } }).then((r) => r.map((a) => a.skuId)) : [],
    s.status
      ? db.$queryRawUnsafe<Array<{ id: string }>>(STATUS_SKUS_SQL[s.status]).then((r) => r.map((x) => x.id))
      : null,
  ])
  const byId = statusSkus !== null && statusSkus.length <= STATUS_ID_LIST_MAX
  const listingFilter: Prisma.ChannelListingWhereInput =
    s.status === 'failing'
      ? { active: true, lastError: { not: null } }
      : { active: true, desiredVersion: { gt: db.channelListing.fields.appliedVersion } }
  const where: Prisma.SkuWhereInput = {
    active: true,
    ...(q
      ? {
          OR: [
            { code: { contains: q, mode: 'insensitive' } },
            { name: { contains: q, mode: 'insensitive' } },
            ...(aliased.length > 0 ? [{ id: { in: aliased } }] : []),
          ],
        }
      : {}),
    ...(s.category ? { category: s.category } : {}),
    ...(s.kind ? { isKit: s.kind === 'kit' } : {}),
    ...(statusSkus === null ? {} : byId ? { id: { in: statusSkus } } : { listings: { some: listingFilter } }),
  }
  return { where, statusCount: statusSkus?.length ?? null }
}

function byCode(db: Db, s: SkuSearch, sort: Sort<SkuSortField>, whereAll: Prisma.SkuWhereInput): Ordered {
  const where: Prisma.SkuWhereInput = { ...whereAll }
  if (s.after) where.code = sort.dir === 'desc' ? { lt: s.after } : { gt: s.after }
  return {
    counted: whereAll,
    page: async () => {
      const rows = await db.sku.findMany({ where, orderBy: { code: sort.dir }, take: s.limit + 1, include })
      return { rows, next: rows.length > s.limit ? (rows[s.limit - 1]?.code ?? null) : null }
    },
  }
}

function byName(db: Db, s: SkuSearch, sort: Sort<SkuSortField>, whereAll: Prisma.SkuWhereInput): Ordered {
  const cursor = decodeCursor(s.after)
  return {
    counted: whereAll,
    page: async () => {
      const rows = await keysetPage(sort, 'text', cursor, s.limit, (after, orderBy, take) =>
        db.sku.findMany({ where: { AND: [whereAll, after] }, orderBy, take, include }),
      )
      const last = rows[s.limit - 1]
      return {
        rows,
        next: rows.length > s.limit && last ? encodeCursor(sortCursor(sort, 'text', last.name, last.id)) : null,
      }
    },
  }
}

/**
 * What one channel is given: keyset over the channel's listings (desired quantity, listing id);
 * the tag names the channel so a cursor from another channel's order is refused.
 */
async function byAvailable(
  db: Db,
  s: SkuSearch,
  sort: Sort<SkuSortField>,
  whereAll: Prisma.SkuWhereInput,
): Promise<Ordered> {
  if (!s.channel)
    throw new ValidationError(
      'Sorting by "available" needs the channel it is for ("channel").',
      undefined,
      'INVALID_SORT',
    )
  const channel = await db.channel.findUnique({ where: { code: s.channel }, select: { id: true } })
  if (!channel) throw new ValidationError(`Unknown channel "${s.channel}".`, undefined, 'UNKNOWN_CHANNEL')
  const byListing = { field: 'desiredQuantity', dir: sort.dir, scope: s.channel }
  const cursor = decodeCursor(s.after)
  const listingWhere: Prisma.ChannelListingWhereInput = { channelId: channel.id, active: true, sku: whereAll }
  return {
    counted: { AND: [whereAll, { listings: { some: { channelId: channel.id, active: true } } }] },
    page: async () => {
      const listings = await keysetPage(byListing, 'nint', cursor, s.limit, (after, orderBy, take) =>
        db.channelListing.findMany({
          where: { AND: [listingWhere, after] },
          orderBy,
          take,
          select: { id: true, skuId: true, desiredQuantity: true },
        }),
      )
      const byId = new Map(
        (await db.sku.findMany({ where: { id: { in: listings.map((l) => l.skuId) } }, include })).map((x) => [x.id, x]),
      )
      const last = listings[s.limit - 1]
      return {
        rows: listings.flatMap((l) => byId.get(l.skuId) ?? []),
        next:
          listings.length > s.limit && last
            ? encodeCursor(sortCursor(byListing, 'nint', last.desiredQuantity, last.id))
            : null,
      }
    },
  }
}

function toSkuRow(sku: SkuWithStock): SkuRow {
  return {
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
          state:
            l.desiredVersion === 0
              ? 'undecided'
              : l.lastError
                ? 'failing'
                : l.appliedVersion >= l.desiredVersion
                  ? 'in_sync'
                  : 'pending',
        },
      ]),
    ),
  }
}
