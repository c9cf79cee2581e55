// Walmart Orders API call the order poller makes (shared/specs/walmart/orders.json): GET /v3/orders
// by lastModifiedStartDate, then each page's `list.meta.nextCursor` (a query string Walmart builds,
// sent back as is), with the same client-credentials token and WM_* headers as the inventory calls.
import type { AuthFailure } from '../access-token'
import type { ChannelResponse } from '../channel-http'
import { joinUrl } from '../channel-http'
import { ORDERS_TIMEOUT_MS, type OrdersClientConfig } from '../connector-settings'
import { parseWalmartConfig } from './walmart.schema'
import { walmartSender, walmartTokenSource } from './connector'

/** Walmart's documented orders limits are per seller plan; a conservative default budget. */
export const WALMART_ORDERS_RATE = { getAllOrders: { ratePerSecond: 0.5, burst: 10 } } as const
export const WALMART_ORDERS_PAGE_LIMIT = 100

export interface WalmartOrdersClient {
  getOrders(q: {
    lastModifiedStartDate: string
    nextCursor?: string | null
    limit: number
  }): Promise<ChannelResponse | AuthFailure>
}

export function getOrdersPath(q: { lastModifiedStartDate: string; nextCursor?: string | null; limit: number }): string {
  if (q.nextCursor) return `/v3/orders${q.nextCursor.startsWith('?') ? q.nextCursor : `?${q.nextCursor}`}`
  return `/v3/orders?${new URLSearchParams({ lastModifiedStartDate: q.lastModifiedStartDate, limit: String(Math.max(1, Math.min(200, q.limit))) })}`
}

export function createWalmartOrdersClient(config: OrdersClientConfig): WalmartOrdersClient {
  const { settings, credentials, timeoutMs } = parseWalmartConfig(config, ORDERS_TIMEOUT_MS)
  const send = walmartSender(walmartTokenSource(config.baseUrl, settings, credentials, timeoutMs), settings.serviceName)
  return { getOrders: (q) => send({ method: 'GET', url: joinUrl(config.baseUrl, getOrdersPath(q)), timeoutMs }) }
}
