// Walmart Marketplace Inventory API shapes (single-item PUT/GET /v3/inventory).
import { z } from 'zod'
import { credential, ordersOverlapSeconds, ordersPollSeconds, connectorConfigParser } from '../connector-settings'

export const walmartSettingsSchema = z.object({
  /** WM_SVC.NAME Walmart expects on every call. */
  serviceName: z.string().min(1).default('Walmart Marketplace').describe('Service name (WM_SVC.NAME header)'),
  /** Where client credentials are exchanged for a 900 s access token; default <base URL>/v3/token. */
  tokenUrl: z.string().url('must be an absolute URL').optional().describe('Token URL (default: <base URL>/v3/token)'),
  ordersPollIntervalSeconds: ordersPollSeconds(60, 3600, 'Orders poll interval (seconds)'),
  /** Each poll re-reads this much before the newest order change seen (late status updates). */
  ordersOverlapSeconds: ordersOverlapSeconds(120, 'Orders poll overlap window (seconds)'),
  /**
   * Multi-node inventory: the ship node (fulfillment center id) quantities are set for. Empty: the
   * seller's default ship node (single-node sellers).
   */
  shipNode: z
    .string()
    .regex(/^\d{1,20}$/, 'must be the numeric ship node id Walmart gave the fulfillment center')
    .optional()
    .describe('Ship node id (multi-node sellers; empty: default node)'),
})
export const walmartCredentialsSchema = z.object({
  clientId: credential('clientId').describe('Client ID'),
  clientSecret: credential('clientSecret').describe('Client secret'),
})

export const inventorySchema = z
  .object({
    sku: z.string(),
    quantity: z.object({ unit: z.string(), amount: z.number().int() }).loose(),
  })
  .loose()

export const walmartErrorsSchema = z.object({
  errors: z.array(
    z
      .object({
        code: z.string(),
        field: z.string().optional(),
        description: z.string().optional(),
        info: z.string().optional(),
        severity: z.string().optional(),
        category: z.string().optional(),
      })
      .loose(),
  ),
})

/** The channel's settings and credentials, parsed for its connector and its orders client alike. */
export const parseWalmartConfig = connectorConfigParser('walmart', {
  settings: walmartSettingsSchema,
  credentials: walmartCredentialsSchema,
})
