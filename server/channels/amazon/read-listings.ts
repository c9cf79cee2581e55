// Amazon read-back: searchListingsItems (GET /listings/2021-08-01/items/{sellerId},
// identifiersType=SKU) reads up to 20 SKUs per call, where getListingsItem reads one: a read-back
// of N listings costs ceil(N / 20) calls of the search usage plan (5 req/s, burst 5). A SKU absent
// from `items` is a listing Amazon does not have (null, as getListingsItem's 404); an item without
// an entry for our fulfillment channel offers nothing (0). Any other failure ends the read-back
// with Amazon's own reason.
//
// SP-API cannot tell an encoded comma from the comma between identifiers, so a SKU holding a comma
// cannot be searched for: Amazon's documentation reads such a SKU on its own, which getListingsItem
// (the SKU in the path) does.
import type { AuthFailure } from '../access-token'
import type { ListingUpdate, ReadBack } from '../connector'
import { joinUrl, noResponseFailure, readErrorFrom, type ChannelRequest, type ChannelResponse } from '../channel-http'
import { readEachListing } from '../read-each-listing'
import { amazonFailure, unexpectedResponse } from './amazon-failures'
import { itemSchema, itemSearchResultsSchema, LISTINGS_API_BASE_PATH } from './amazon.schema'
import type { z } from 'zod'

/** searchListingsItems' `identifiers` takes at most 20 values (and `pageSize` at most 20). */
export const SEARCH_SKUS_PER_CALL = 20

type Item = z.infer<typeof itemSchema>
type Answered = Extract<ChannelResponse, { kind: 'response' }>

export interface ListingsReadContext {
  baseUrl: string
  /** Sends an SP-API call with a current LWA access token (connector.ts). */
  send: (request: Omit<ChannelRequest, 'headers'>) => Promise<ChannelResponse | AuthFailure>
  timeoutMs: number
  settings: { sellerId: string; marketplaceId: string; fulfillmentChannelCode: string }
}

export function createListingsReader(context: ListingsReadContext) {
  const { settings } = context
  // A listing without an entry for our fulfillment channel offers nothing: it shows 0, it is not unknown.
  const quantityOf = (item: Item) =>
    item.fulfillmentAvailability?.find((entry) => entry.fulfillmentChannelCode === settings.fulfillmentChannelCode)
      ?.quantity ?? 0

  return async function readQuantities(
    listings: Array<Pick<ListingUpdate, 'listingId' | 'externalSku'>>,
  ): Promise<ReadBack[]> {
    const searchable = [...new Set(listings.map((l) => l.externalSku).filter((sku) => !sku.includes(',')))]
    const shown = new Map<string, number>()
    for (let start = 0; start < searchable.length; start += SEARCH_SKUS_PER_CALL) {
      const chunk = searchable.slice(start, start + SEARCH_SKUS_PER_CALL)
      const wanted = new Set(chunk)
      for (const item of await searchSkus(context, chunk))
        if (wanted.has(item.sku)) shown.set(item.sku, quantityOf(item))
    }
    const alone = await readEachListing(
      listings.filter((l) => l.externalSku.includes(',')),
      (externalSku) =>
        context.send({ method: 'GET', url: itemUrl(context, externalSku), timeoutMs: context.timeoutMs }),
      { failure: amazonFailure, quantity: (response) => quantityOf(parsed(itemSchema, response)) },
    )
    const aloneById = new Map(alone.map((r) => [r.listingId, r.quantity]))
    return listings.map((l) => ({
      listingId: l.listingId,
      quantity: aloneById.has(l.listingId) ? aloneById.get(l.listingId)! : (shown.get(l.externalSku) ?? null),
    }))
  }
}

/** The items searchListingsItems finds for these SKUs, every page of them (one page at pageSize 20). */
async function searchSkus(context: ListingsReadContext, skus: string[]): Promise<Item[]> {
  const items: Item[] = []
  let pageToken: string | undefined
  do {
    const query = new URLSearchParams({
      marketplaceIds: context.settings.marketplaceId,
      identifiers: skus.join(','),
      identifiersType: 'SKU',
      includedData: 'fulfillmentAvailability',
      // The default page is 10 items: 20 identifiers need the largest page to come back in one call.
      pageSize: String(SEARCH_SKUS_PER_CALL),
      ...(pageToken ? { pageToken } : {}),
    })
    const url = joinUrl(
      context.baseUrl,
      `${LISTINGS_API_BASE_PATH}/${encodeURIComponent(context.settings.sellerId)}?${query}`,
    )
    const response = await context.send({ method: 'GET', url, timeoutMs: context.timeoutMs })
    if (response.kind === 'auth-failed') throw readErrorFrom(response.failure)
    if (response.kind === 'no-response') throw readErrorFrom(noResponseFailure(response))
    if (response.status !== 200) throw readErrorFrom(amazonFailure(response), response.status)
    const page = parsed(itemSearchResultsSchema, response)
    items.push(...page.items)
    pageToken = page.pagination?.nextToken
  } while (pageToken)
  return items
}

function itemUrl(context: ListingsReadContext, sku: string): string {
  const query = new URLSearchParams({
    marketplaceIds: context.settings.marketplaceId,
    includedData: 'fulfillmentAvailability',
  })
  return joinUrl(
    context.baseUrl,
    `${LISTINGS_API_BASE_PATH}/${encodeURIComponent(context.settings.sellerId)}/${encodeURIComponent(sku)}?${query}`,
  )
}

/** A 200 body in the shape we read, or a read error saying what was unexpected. */
function parsed<T extends z.ZodType>(schema: T, response: Answered): z.infer<T> {
  const body = schema.safeParse(response.json)
  if (!body.success) throw readErrorFrom(unexpectedResponse(body.error.message), response.status)
  return body.data
}
