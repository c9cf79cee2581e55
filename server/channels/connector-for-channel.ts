// Builds the connector for a stored channel: its kind, base URL, settings and decrypted credentials.
import type { Connector } from './connector'
import { createConnector } from './create-connector'
import { decryptCredentials } from './credentials'

export interface StoredChannel {
  kind: string
  settings: unknown
  credentialsEnc: string | null
}

/** Where a stored channel's marketplace API is reached (connectors and the order pollers alike). */
export function channelBaseUrl(channel: Pick<StoredChannel, 'kind' | 'settings'>): string {
  const settings = (channel.settings ?? {}) as Record<string, unknown>
  // A Shopify store is reached at its shop domain unless a base URL (a proxy, the simulator) is set.
  const shopDomain = channel.kind === 'shopify' && typeof settings.shopDomain === 'string' ? settings.shopDomain : ''
  const baseUrl =
    typeof settings.baseUrl === 'string' && settings.baseUrl
      ? settings.baseUrl
      : shopDomain
        ? `https://${shopDomain}`
        : ''
  if (!baseUrl) throw new Error(`Channel of kind ${channel.kind} has no base URL configured.`)
  return baseUrl
}

export function connectorForChannel(channel: StoredChannel): Connector {
  const settings = (channel.settings ?? {}) as Record<string, unknown>
  const baseUrl = channelBaseUrl(channel)
  return createConnector(channel.kind, {
    baseUrl,
    settings,
    credentials: decryptCredentials(channel.credentialsEnc),
    timeoutMs: 15_000,
  })
}
