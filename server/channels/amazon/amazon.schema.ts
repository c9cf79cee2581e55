// SP-API Listings Items 2021-08-01 shapes the connector sends and reads (mirrors the official
// model in test/fixtures/specs/amazon/listingsItems_2021-08-01.json; a test validates against it).
import { z } from 'zod'
import { credential, ordersOverlapSeconds, ordersPollSeconds, connectorConfigParser } from '../connector-settings'

export const LISTINGS_API_BASE_PATH = '/listings/2021-08-01/items'
export const FULFILLMENT_AVAILABILITY_PATH = '/attributes/fulfillment_availability'

/** Login with Amazon's token endpoint (North America, Europe and Far East alike). */
export const LWA_TOKEN_URL = 'https://api.amazon.com/auth/o2/token'

export const amazonSettingsSchema = z.object({
  sellerId: z
    .string({ error: 'sellerId is required' })
    .min(1, 'sellerId is required')
    .describe('Seller ID (merchant token)'),
  marketplaceId: z
    .string({ error: 'marketplaceId is required' })
    .min(1, 'marketplaceId is required')
    .describe('Marketplace ID (e.g. ATVPDKIKX0DER for amazon.com)'),
  productType: z.string().min(1).default('PRODUCT').describe('Product type sent with each patch'),
  /** "DEFAULT" is merchant-fulfilled (MFN) stock, the only quantity a seller sets. */
  fulfillmentChannelCode: z
    .string()
    .min(1)
    .default('DEFAULT')
    .describe('Fulfillment channel code (DEFAULT = merchant fulfilled)'),
  issueLocale: z.string().default('en_US').describe("Locale of Amazon's issue messages"),
  /**
   * The MFN handling time (days) sent with every quantity as lead_time_to_ship_max_days, when the
   * channel sets one for all its listings. Empty: each listing keeps the handling time it has on
   * Amazon (the quantity goes as a JSON Patch `merge`, which leaves fields it does not carry alone).
   */
  handlingTimeDays: z
    .number()
    .int()
    .min(0)
    .max(30)
    .optional()
    .describe('Handling time in days (lead_time_to_ship_max_days), sent with every quantity'),
  /** Login with Amazon token endpoint (refresh token -> 1 h access token). */
  lwaTokenUrl: z.string().url('must be an absolute URL').default(LWA_TOKEN_URL).describe('Login with Amazon token URL'),
  /** How often the Orders API is polled for orders (getOrders allows one call a minute sustained). */
  ordersPollIntervalSeconds: ordersPollSeconds(60, 3600, 'Orders poll interval (seconds)'),
  /** Each poll re-reads this much before the newest order update seen: Amazon's order data can lag. */
  ordersOverlapSeconds: ordersOverlapSeconds(300, 'Orders poll overlap window (seconds)'),
})
export const amazonCredentialsSchema = z.object({
  clientId: credential('clientId').describe('LWA client ID (amzn1.application-oa2-client...)'),
  clientSecret: credential('clientSecret').describe('LWA client secret'),
  refreshToken: credential('refreshToken').describe('Refresh token (Atzr|...) from authorising the app'),
})

const issueSchema = z
  .object({ code: z.string(), message: z.string(), severity: z.enum(['ERROR', 'WARNING', 'INFO']) })
  .loose()

export const submissionResponseSchema = z
  .object({
    sku: z.string(),
    status: z.enum(['ACCEPTED', 'INVALID', 'VALID']),
    submissionId: z.string(),
    issues: z.array(issueSchema).optional(),
  })
  .loose()

export const itemSchema = z
  .object({
    sku: z.string(),
    fulfillmentAvailability: z
      .array(z.object({ fulfillmentChannelCode: z.string(), quantity: z.number().int().optional() }).loose())
      .optional(),
  })
  .loose()

/** searchListingsItems' answer (ItemSearchResults): items found, and a nextToken while pages remain. */
export const itemSearchResultsSchema = z
  .object({
    numberOfResults: z.number().int(),
    pagination: z.object({ nextToken: z.string().optional() }).loose().optional(),
    items: z.array(itemSchema),
  })
  .loose()

export const errorListSchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string(), details: z.string().optional() }).loose()),
})

/**
 * The PATCH body that sets MFN quantity (ListingsItemPatchRequest). A JSON Patch `merge` (SP-API,
 * June 2025): Amazon updates the quantity of the entry selected by fulfillment_channel_code and
 * leaves lead_time_to_ship_max_days and restock_date as they are, where `replace` would drop them
 * (the handling-time reset pitfall). A channel-wide handling time, when set, travels with it.
 */
export function fulfillmentAvailabilityPatch(
  productType: string,
  fulfillmentChannelCode: string,
  quantity: number,
  handlingTimeDays?: number,
) {
  const value = {
    fulfillment_channel_code: fulfillmentChannelCode,
    quantity,
    ...(handlingTimeDays !== undefined ? { lead_time_to_ship_max_days: handlingTimeDays } : {}),
  }
  return {
    productType,
    patches: [{ op: 'merge' as const, path: FULFILLMENT_AVAILABILITY_PATH, value: [value] }],
  }
}

// ---- Feeds API 2021-06-30 and the JSON_LISTINGS_FEED document -------------------------------------
// Shapes from test/fixtures/specs/amazon/feeds_2021-06-30.json, listings-feed-schema-v2.json and
// listings-feed-processing-report-schema-v2.json (a test validates what we send and read).

export const FEEDS_API_BASE_PATH = '/feeds/2021-06-30'
export const LISTINGS_FEED_TYPE = 'JSON_LISTINGS_FEED'
/** The content type declared at createFeedDocument; the upload must send the same. */
export const LISTINGS_FEED_CONTENT_TYPE = 'application/json; charset=UTF-8'
/** The listings feed schema allows 25,000 messages; smaller feeds process sooner and fail smaller. */
export const MAX_MESSAGES_PER_LISTINGS_FEED = 10_000

export const createFeedDocumentResponseSchema = z
  .object({ feedDocumentId: z.string().min(1), url: z.string().min(1) })
  .loose()
export const createFeedResponseSchema = z.object({ feedId: z.string().min(1) }).loose()
export const feedSchema = z
  .object({
    feedId: z.string(),
    feedType: z.string(),
    processingStatus: z.enum(['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE']),
    resultFeedDocumentId: z.string().optional(),
  })
  .loose()
export const feedDocumentSchema = z
  .object({ feedDocumentId: z.string(), url: z.string().min(1), compressionAlgorithm: z.enum(['GZIP']).optional() })
  .loose()

const reportIssueSchema = z
  .object({
    messageId: z.number().int().optional(),
    sku: z.string().optional(),
    code: z.string().optional(),
    severity: z.enum(['ERROR', 'WARNING', 'INFO']),
    message: z.string(),
    attributeName: z.string().optional(),
  })
  .loose()
export const processingReportSchema = z
  .object({
    header: z.object({ sellerId: z.string(), version: z.string(), feedId: z.string() }).loose(),
    issues: z.array(reportIssueSchema),
    summary: z
      .object({
        errors: z.number().int(),
        warnings: z.number().int(),
        messagesProcessed: z.number().int(),
        messagesAccepted: z.number().int(),
        messagesInvalid: z.number().int(),
      })
      .loose(),
  })
  .loose()
export type ProcessingReport = z.infer<typeof processingReportSchema>

/**
 * The JSON_LISTINGS_FEED document setting MFN quantity: one PATCH message per listing, the same
 * JSON Patch as patchListingsItem, messageId = position + 1 (the processing report refers to it).
 */
export function listingsFeedDocument(
  header: { sellerId: string; issueLocale: string },
  productType: string,
  fulfillmentChannelCode: string,
  messages: ReadonlyArray<{ messageId: number; sku: string; quantity: number }>,
  handlingTimeDays?: number,
) {
  return {
    header: { sellerId: header.sellerId, version: '2.0' as const, issueLocale: header.issueLocale },
    messages: messages.map((message) => ({
      messageId: message.messageId,
      sku: message.sku,
      operationType: 'PATCH' as const,
      ...fulfillmentAvailabilityPatch(productType, fulfillmentChannelCode, message.quantity, handlingTimeDays),
    })),
  }
}

/** The channel's settings and credentials, parsed for its connector and its orders client alike. */
export const parseAmazonConfig = connectorConfigParser('amazon', {
  settings: amazonSettingsSchema,
  credentials: amazonCredentialsSchema,
})
