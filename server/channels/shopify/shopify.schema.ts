// Shopify Admin GraphQL shapes the connector reads (zod at the boundary, CONVENTIONS rule 5).
// Lenient where Shopify may add fields; strict on what drives a decision.
import { z } from 'zod'
import { credential, ordersOverlapSeconds, ordersPollSeconds, connectorConfigParser } from '../connector-settings'

export const SHOPIFY_DEFAULT_LOCATION = 'gid://shopify/Location/1'
export const SHOPIFY_INVENTORY_ITEM_GID = /^gid:\/\/shopify\/InventoryItem\/\d+$/

/**
 * Admin API versions the connector's documents are written for and tested against (every document
 * validates against Shopify's schema of each: test/unit/channels/shopify-spec.test.ts). Shopify
 * supports a version for 12 months; 2026-04 is the current stable one.
 */
export const SHOPIFY_API_VERSIONS = ['2026-01', '2026-04'] as const
export const SHOPIFY_DEFAULT_API_VERSION = '2026-04'

export const shopifySettingsSchema = z.object({
  /** The store's permanent domain (<shop>.myshopify.com); used as https://<shopDomain> when no base URL is set. */
  shopDomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must be the store domain, e.g. my-store.myshopify.com')
    .optional()
    .describe('Shop domain (<shop>.myshopify.com)'),
  locationId: z
    .string()
    .regex(/^gid:\/\/shopify\/Location\/\d+$/, 'must look like gid://shopify/Location/<n>')
    .default(SHOPIFY_DEFAULT_LOCATION)
    .describe('Shopify location the quantities are set at (gid://shopify/Location/<n>)'),
  apiVersion: z
    .enum(SHOPIFY_API_VERSIONS, {
      error: `must be one of the supported Admin API versions: ${SHOPIFY_API_VERSIONS.join(', ')}`,
    })
    .default(SHOPIFY_DEFAULT_API_VERSION)
    .describe('Admin API version'),
  /** Quantities per inventorySetQuantities call (Shopify accepts up to 250). */
  maxBatchSize: z.number().int().min(1).max(250).default(100),
  reason: z.string().default('correction'),
  /** The reconciliation poll (orders updated since the last one): catches order webhooks that never came. */
  ordersReconcileIntervalSeconds: ordersPollSeconds(300, 86_400, 'Orders reconciliation poll interval (seconds)'),
  ordersOverlapSeconds: ordersOverlapSeconds(300, 'Orders reconciliation overlap window (seconds)'),
})
export const shopifyCredentialsSchema = z.object({
  accessToken: credential('accessToken').describe('Admin API access token (shpat_...)'),
  /** The app's API secret key: Shopify signs order webhooks with it (X-Shopify-Hmac-Sha256). Without it order webhooks are refused (401). */
  webhookSecret: z.string().min(1).optional().describe('App API secret (signs order webhooks)'),
})

const userErrorSchema = z.object({
  field: z.array(z.string()).nullable().optional(),
  message: z.string(),
  code: z.string().nullable().optional(),
})
export type ShopifyUserError = z.infer<typeof userErrorSchema>

const graphqlErrorSchema = z.object({
  message: z.string(),
  extensions: z.object({ code: z.string().optional() }).loose().optional(),
})

export const costSchema = z
  .object({
    requestedQueryCost: z.number().nullable().optional(),
    actualQueryCost: z.number().nullable().optional(),
    throttleStatus: z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number() }),
  })
  .loose()
export type ShopifyCost = z.infer<typeof costSchema>

const envelope = <T extends z.ZodType>(data: T) =>
  z.object({
    data: data.nullable().optional(),
    // Shopify answers auth problems with `errors: "<string>"`, GraphQL problems with an array.
    errors: z.union([z.array(graphqlErrorSchema), z.string(), z.record(z.string(), z.unknown())]).optional(),
    extensions: z.object({ cost: costSchema.optional() }).loose().optional(),
  })

export const setQuantitiesResponseSchema = envelope(
  z.object({
    inventorySetQuantities: z
      .object({
        inventoryAdjustmentGroup: z
          .object({
            changes: z.array(
              z.object({
                name: z.string(),
                delta: z.number().int(),
                quantityAfterChange: z.number().int().nullable().optional(),
                item: z.object({ id: z.string() }).loose(),
              }),
            ),
          })
          .loose()
          .nullable(),
        userErrors: z.array(userErrorSchema),
      })
      .nullable(),
  }),
)

export const nodesResponseSchema = envelope(
  z.object({
    nodes: z.array(
      z
        .object({
          // Nodes of another type match no fragment and come back as {}.
          id: z.string().optional(),
          inventoryLevel: z
            .object({ quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })) })
            .nullable()
            .optional(),
        })
        .loose()
        .nullable(),
    ),
  }),
)

/** The channel's settings and credentials, parsed for its connector and its orders client alike. */
export const parseShopifyConfig = connectorConfigParser('shopify', {
  settings: shopifySettingsSchema,
  credentials: shopifyCredentialsSchema,
})
