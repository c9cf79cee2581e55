// SP-API Listings Items 2021-08-01 shapes the connector sends and reads (mirrors the official
// model in ../shared/specs/amazon/listingsItems_2021-08-01.json; a test validates against it).
import { z } from 'zod'
import { credential } from '../connector-settings'

export const LISTINGS_API_BASE_PATH = '/listings/2021-08-01/items'
export const FULFILLMENT_AVAILABILITY_PATH = '/attributes/fulfillment_availability'

export const amazonSettingsSchema = z.object({
  sellerId: z.string({ error: 'sellerId is required' }).min(1, 'sellerId is required'),
  marketplaceId: z.string({ error: 'marketplaceId is required' }).min(1, 'marketplaceId is required'),
  productType: z.string().min(1).default('PRODUCT'),
  /** "DEFAULT" is merchant-fulfilled (MFN) stock, the only quantity a seller sets. */
  fulfillmentChannelCode: z.string().min(1).default('DEFAULT'),
  issueLocale: z.string().default('en_US'),
})
export const amazonCredentialsSchema = z.object({ accessToken: credential('accessToken') })

const issueSchema = z.object({ code: z.string(), message: z.string(), severity: z.enum(['ERROR', 'WARNING', 'INFO']) }).loose()

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
    fulfillmentAvailability: z.array(z.object({ fulfillmentChannelCode: z.string(), quantity: z.number().int().optional() }).loose()).optional(),
  })
  .loose()

export const errorListSchema = z.object({ errors: z.array(z.object({ code: z.string(), message: z.string(), details: z.string().optional() }).loose()) })

/** The PATCH body that sets MFN quantity (ListingsItemPatchRequest). */
export function fulfillmentAvailabilityPatch(productType: string, fulfillmentChannelCode: string, quantity: number) {
  return {
    productType,
    patches: [{ op: 'replace' as const, path: FULFILLMENT_AVAILABILITY_PATH, value: [{ fulfillment_channel_code: fulfillmentChannelCode, quantity }] }],
  }
}
