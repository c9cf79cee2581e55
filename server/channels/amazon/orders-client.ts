// Amazon Orders API v0 calls the order poller makes (shared/specs/amazon/ordersV0.json):
// getOrders by LastUpdatedAfter (merchant-fulfilled orders only: Amazon ships AFN orders from its
// own stock), paged by NextToken, and getOrderItems per order (paged by NextToken too), with the
// same LWA access token as the listings calls (access-token.ts). Rate limits are the caller's
// (server/orders/poll-orders.ts spends the orders API's own budget).
import type { AuthFailure } from '../access-token'
import type { ChannelResponse } from '../channel-http'
import { joinUrl } from '../channel-http'
import { ORDERS_TIMEOUT_MS, type OrdersClientConfig } from '../connector-settings'
import { parseAmazonConfig } from './amazon.schema'
import { amazonSender } from './connector'

/** getOrders: 0.0167 requests/s, burst 20; getOrderItems: 0.5/s, burst 30 (the spec's usage plans). */
export const AMAZON_ORDERS_RATE = {
  getOrders: { ratePerSecond: 0.0167, burst: 20 },
  getOrderItems: { ratePerSecond: 0.5, burst: 30 },
} as const
export const AMAZON_MAX_RESULTS_PER_PAGE = 100

export type OrdersApiResponse = ChannelResponse | AuthFailure

export interface AmazonOrdersClient {
  getOrders(q: {
    lastUpdatedAfter: string
    nextToken?: string | null
    maxResultsPerPage: number
  }): Promise<OrdersApiResponse>
  getOrderItems(orderId: string, nextToken?: string | null): Promise<OrdersApiResponse>
}

export function getOrdersQuery(
  marketplaceId: string,
  q: { lastUpdatedAfter: string; nextToken?: string | null; maxResultsPerPage: number },
): URLSearchParams {
  const p = new URLSearchParams({
    MarketplaceIds: marketplaceId,
    LastUpdatedAfter: q.lastUpdatedAfter,
    FulfillmentChannels: 'MFN',
    MaxResultsPerPage: String(Math.max(1, Math.min(AMAZON_MAX_RESULTS_PER_PAGE, q.maxResultsPerPage))),
  })
  if (q.nextToken) p.set('NextToken', q.nextToken)
  return p
}

export function createAmazonOrdersClient(config: OrdersClientConfig): AmazonOrdersClient {
  const { settings, credentials, timeoutMs } = parseAmazonConfig(config, ORDERS_TIMEOUT_MS)
  const send = amazonSender(settings.lwaTokenUrl, credentials, timeoutMs)
  return {
    getOrders: (q) =>
      send({
        method: 'GET',
        url: joinUrl(config.baseUrl, `/orders/v0/orders?${getOrdersQuery(settings.marketplaceId, q)}`),
        timeoutMs,
      }),
    getOrderItems: (orderId, nextToken) =>
      send({
        method: 'GET',
        url: joinUrl(
          config.baseUrl,
          `/orders/v0/orders/${encodeURIComponent(orderId)}/orderItems${nextToken ? `?${new URLSearchParams({ NextToken: nextToken })}` : ''}`,
        ),
        timeoutMs,
      }),
  }
}
