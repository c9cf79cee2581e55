// The Shopify Admin GraphQL orders query the reconciliation poll runs (catches order webhooks that
// never arrived): orders updated since a time, oldest update first, paged by cursor. The document
// (server/orders/shopify-orders.ts SHOPIFY_ORDERS_QUERY) validates against each supported API version.
import type { ChannelResponse } from '../channel-http'
import { joinUrl, sendChannelRequest } from '../channel-http'
import { ORDERS_TIMEOUT_MS, type OrdersClientConfig } from '../connector-settings'
import { pacedGraphqlCall, realSleep, shopBucketKey } from './cost-pacing'
import { parseShopifyConfig } from './shopify.schema'

export const SHOPIFY_ORDERS_PAGE_SIZE = 50
/** A cost-based API (1,000 points, 50 restored per second on standard plans): a modest call budget. */
export const SHOPIFY_ORDERS_RATE = { ordersQuery: { ratePerSecond: 1, burst: 10 } } as const

export interface ShopifyOrdersClient {
  ordersUpdatedSince(
    q: { updatedSince: string; after?: string | null; first: number },
    document: string,
  ): Promise<ChannelResponse>
}

/** Shopify search syntax: orders updated after the time (quoted ISO-8601). */
export const updatedSinceQuery = (iso: string) => `updated_at:>'${iso}'`

export function createShopifyOrdersClient(config: OrdersClientConfig): ShopifyOrdersClient {
  const { settings, credentials, timeoutMs } = parseShopifyConfig(config, ORDERS_TIMEOUT_MS)
  const endpoint = joinUrl(config.baseUrl, `/admin/api/${settings.apiVersion}/graphql.json`)
  // The shop's one cost bucket, shared with the inventory connector's writes and read-backs.
  const key = shopBucketKey(endpoint, credentials.accessToken)
  return {
    ordersUpdatedSince: (q, document) =>
      pacedGraphqlCall(
        // Our formula: a point per order of the page (the real price, line items included, is learned).
        { key, operation: 'orders', formulaCost: 1 + q.first, now: Date.now, sleep: realSleep },
        () =>
          sendChannelRequest({
            method: 'POST',
            url: endpoint,
            headers: { 'x-shopify-access-token': credentials.accessToken },
            body: JSON.stringify({
              query: document,
              variables: { first: q.first, after: q.after ?? null, query: updatedSinceQuery(q.updatedSince) },
            }),
            timeoutMs,
          }),
      ),
  }
}
