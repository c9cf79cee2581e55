// The Amazon simulator's searchListingsItems (Listings Items 2021-08-01,
// test/fixtures/specs/amazon/listingsItems_2021-08-01.json; tests validate the answers against its
// ItemSearchResults definition):
//   GET /listings/2021-08-01/items/{sellerId}?marketplaceIds=..[&identifiers=..&identifiersType=..]
//       [&includedData=..][&pageSize=..][&pageToken=..][&sortBy=..&sortOrder=..][&created*|lastUpdated*]
//       [&withStatus=..|withoutStatus=..][&withIssueSeverity=..][&variationParentSku=..|packageHierarchySku=..]
// Request rules as the model documents them: marketplaceIds is required; identifiers holds at most
// 20 comma-separated values and needs identifiersType (and the other way round); identifiers,
// variationParentSku and packageHierarchySku exclude one another; pageSize 1..20, default 10;
// sortBy lastUpdatedDate DESC by default; at most 1,000 results can be paged through. SP-API cannot
// tell an encoded comma from a literal one: a SKU holding a comma cannot be searched here (Amazon's
// documentation sends it to getListingsItem), and this parser splits it like SP-API does.
// This module parses and pages; the simulator owns the listings and builds each item.

export const SEARCH_MAX_IDENTIFIERS = 20
export const SEARCH_MAX_PAGE_SIZE = 20
const SEARCH_DEFAULT_PAGE_SIZE = 10
/** "The maximum number of items (SKUs) that can be returned and paged through is 1000." */
const SEARCH_MAX_RESULTS = 1_000

const IDENTIFIER_TYPES = new Set(['ASIN', 'EAN', 'FNSKU', 'GTIN', 'ISBN', 'JAN', 'MINSAN', 'SKU', 'UPC'])
const SORT_BY = new Set(['sku', 'createdDate', 'lastUpdatedDate'])
const STATUSES = new Set(['BUYABLE', 'DISCOVERABLE'])
const SEVERITIES = new Set(['WARNING', 'ERROR'])

export interface SearchQuery {
  identifiers: string[] | undefined
  identifiersType: string | undefined
  /** variationParentSku or packageHierarchySku: the simulator keeps no relationships, so nothing matches. */
  related: boolean
  createdAfter?: number
  createdBefore?: number
  lastUpdatedAfter?: number
  lastUpdatedBefore?: number
  withStatus: string[]
  withoutStatus: string[]
  withIssueSeverity: string[]
  sortBy: 'sku' | 'createdDate' | 'lastUpdatedDate'
  sortOrder: 'ASC' | 'DESC'
  pageSize: number
  offset: number
}

export type ParsedSearch = { ok: true; query: SearchQuery } | { ok: false; message: string }

/** What the search needs to know of one listing. */
export interface SearchableListing {
  sku: string
  asin: string
  status: string[]
  createdAt: string
  updatedAt: string
}

const csv = (params: URLSearchParams, name: string): string[] | undefined => {
  const value = params.get(name)
  return value === null ? undefined : value.split(',').filter(Boolean)
}

/** Parses searchListingsItems' query string into a query, or Amazon's InvalidInput message. */
export function parseSearch(params: URLSearchParams): ParsedSearch {
  const identifiers = csv(params, 'identifiers')
  const identifiersType = params.get('identifiersType') ?? undefined
  const variationParentSku = params.get('variationParentSku')
  const packageHierarchySku = params.get('packageHierarchySku')
  if (identifiers && identifiers.length > SEARCH_MAX_IDENTIFIERS)
    return {
      ok: false,
      message: `identifiers accepts at most ${SEARCH_MAX_IDENTIFIERS} values; ${identifiers.length} were given.`,
    }
  if (identifiers && identifiers.length > 0 && !identifiersType)
    return { ok: false, message: 'identifiersType is required when identifiers is provided.' }
  if (identifiersType && !(identifiers && identifiers.length > 0))
    return { ok: false, message: 'identifiers is required when identifiersType is provided.' }
  if (identifiersType && !IDENTIFIER_TYPES.has(identifiersType))
    return { ok: false, message: `Invalid identifiersType value: ${identifiersType}.` }
  if (
    [identifiers?.length ? 1 : 0, variationParentSku ? 1 : 0, packageHierarchySku ? 1 : 0].reduce((a, b) => a + b) > 1
  )
    return {
      ok: false,
      message: 'identifiers, variationParentSku and packageHierarchySku cannot be used together.',
    }
  const dates = parseDates(params)
  if ('message' in dates) return { ok: false, ...dates }
  const filters = parseFilters(params)
  if ('message' in filters) return { ok: false, ...filters }
  const paging = parsePaging(params)
  if ('message' in paging) return { ok: false, ...paging }
  return {
    ok: true,
    query: {
      identifiers: identifiers?.length ? identifiers : undefined,
      identifiersType,
      related: Boolean(variationParentSku || packageHierarchySku),
      ...dates,
      ...filters,
      ...paging,
    },
  }
}

function parseDates(params: URLSearchParams): Partial<SearchQuery> | { message: string } {
  const out: Partial<SearchQuery> = {}
  for (const name of ['createdAfter', 'createdBefore', 'lastUpdatedAfter', 'lastUpdatedBefore'] as const) {
    const value = params.get(name)
    if (value === null) continue
    const at = Date.parse(value)
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at))
      return { message: `Invalid ${name} value: ${value} (ISO 8601 date-time expected).` }
    out[name] = at
  }
  return out
}

function parseFilters(
  params: URLSearchParams,
):
  | Pick<SearchQuery, 'withStatus' | 'withoutStatus' | 'withIssueSeverity' | 'sortBy' | 'sortOrder'>
  | { message: string } {
  const withStatus = csv(params, 'withStatus') ?? []
  const withoutStatus = csv(params, 'withoutStatus') ?? []
  const withIssueSeverity = csv(params, 'withIssueSeverity') ?? []
  const badStatus = [...withStatus, ...withoutStatus].find((s) => !STATUSES.has(s))
  if (badStatus) return { message: `Invalid status value: ${badStatus}.` }
  const badSeverity = withIssueSeverity.find((s) => !SEVERITIES.has(s))
  if (badSeverity) return { message: `Invalid withIssueSeverity value: ${badSeverity}.` }
  const sortBy = params.get('sortBy') ?? 'lastUpdatedDate'
  if (!SORT_BY.has(sortBy)) return { message: `Invalid sortBy value: ${sortBy}.` }
  const sortOrder = params.get('sortOrder') ?? 'DESC'
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC') return { message: `Invalid sortOrder value: ${sortOrder}.` }
  return { withStatus, withoutStatus, withIssueSeverity, sortBy: sortBy as SearchQuery['sortBy'], sortOrder }
}

function parsePaging(params: URLSearchParams): Pick<SearchQuery, 'pageSize' | 'offset'> | { message: string } {
  const size = params.get('pageSize')
  const pageSize = size === null ? SEARCH_DEFAULT_PAGE_SIZE : Number(size)
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > SEARCH_MAX_PAGE_SIZE)
    return { message: `Invalid pageSize value: ${size}; it must be an integer from 1 to ${SEARCH_MAX_PAGE_SIZE}.` }
  const token = params.get('pageToken')
  if (token === null) return { pageSize, offset: 0 }
  const match = /^search:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
  if (!match) return { message: 'Invalid pageToken.' }
  return { pageSize, offset: Number(match[1]) }
}

/** The listings a query matches, in its order, as one page with numberOfResults and pagination. */
export function searchPage<L extends SearchableListing>(
  listings: Iterable<L>,
  query: SearchQuery,
): { numberOfResults: number; page: L[]; pagination?: { nextToken?: string; previousToken?: string } } {
  const wanted = query.identifiers ? new Set(query.identifiers) : undefined
  const within = (at: string, after?: number, before?: number) =>
    (after === undefined || Date.parse(at) >= after) && (before === undefined || Date.parse(at) <= before)
  const matching = [...listings].filter(
    (l) =>
      !query.related &&
      // The simulator keeps no issues, and of the identifier types only SKUs and ASINs.
      query.withIssueSeverity.length === 0 &&
      (!wanted ||
        wanted.has(query.identifiersType === 'SKU' ? l.sku : query.identifiersType === 'ASIN' ? l.asin : '')) &&
      within(l.createdAt, query.createdAfter, query.createdBefore) &&
      within(l.updatedAt, query.lastUpdatedAfter, query.lastUpdatedBefore) &&
      query.withStatus.every((s) => l.status.includes(s)) &&
      !query.withoutStatus.some((s) => l.status.includes(s)),
  )
  const key = (l: L) => (query.sortBy === 'sku' ? l.sku : query.sortBy === 'createdDate' ? l.createdAt : l.updatedAt)
  const sign = query.sortOrder === 'ASC' ? 1 : -1
  matching.sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.sku < b.sku ? -1 : 1))
  const reachable = matching.slice(0, SEARCH_MAX_RESULTS)
  const page = reachable.slice(query.offset, query.offset + query.pageSize)
  const token = (offset: number) => Buffer.from(`search:${offset}`).toString('base64url')
  const next = query.offset + page.length < reachable.length ? token(query.offset + page.length) : undefined
  const previous = query.offset > 0 ? token(Math.max(0, query.offset - query.pageSize)) : undefined
  return {
    numberOfResults: matching.length,
    page,
    ...(next || previous
      ? { pagination: { ...(next ? { nextToken: next } : {}), ...(previous ? { previousToken: previous } : {}) } }
      : {}),
  }
}
