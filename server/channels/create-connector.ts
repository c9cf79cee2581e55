// The one place that maps a channel kind to its connector.
import type { Connector, ConnectorConfig } from './connector'
import { createAmazonConnector } from './amazon/connector'
import { createB2bConnector } from './b2b/connector'
import { UnknownChannelKindError } from './connector-errors'
import { createShopifyConnector } from './shopify/connector'
import { createWalmartConnector } from './walmart/connector'

const FACTORIES: Record<string, (config: ConnectorConfig) => Connector> = {
  shopify: createShopifyConnector,
  amazon: createAmazonConnector,
  walmart: createWalmartConnector,
  b2b: createB2bConnector,
}

export const CONNECTOR_KINDS = Object.keys(FACTORIES) as readonly string[]

/** Throws UnknownChannelKindError for an unknown kind, ConnectorConfigError for bad settings or credentials. */
export function createConnector(kind: string, config: ConnectorConfig): Connector {
  const factory = Object.hasOwn(FACTORIES, kind) ? FACTORIES[kind] : undefined
  if (!factory) throw new UnknownChannelKindError(kind, CONNECTOR_KINDS)
  return factory(config)
}
