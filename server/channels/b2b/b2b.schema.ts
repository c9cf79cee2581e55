// The B2B portal webhook contract Stocktower speaks (see simulators/b2b.ts for the receiving side).
import { z } from 'zod'
import { credential, connectorConfigParser } from '../connector-settings'

/** Largest batch a portal must accept in one webhook. */
export const B2B_MAX_BATCH = 500

export const b2bSettingsSchema = z.object({
  webhookPath: z.string().startsWith('/').default('/webhooks/inventory'),
  inventoryPath: z.string().startsWith('/').default('/inventory'),
  maxBatchSize: z.number().int().min(1).max(B2B_MAX_BATCH).default(B2B_MAX_BATCH),
})
export const b2bCredentialsSchema = z.object({ signingSecret: credential('signingSecret') })

const resultSchema = z.discriminatedUnion('status', [
  z.object({ sku: z.string(), status: z.literal('applied'), quantity: z.number().int() }).loose(),
  z
    .object({
      sku: z.string(),
      status: z.literal('ignored'),
      reason: z.string(),
      quantity: z.number().int().optional(),
      version: z.number().int().optional(),
    })
    .loose(),
  z
    .object({ sku: z.string(), status: z.literal('rejected'), code: z.string(), message: z.string().optional() })
    .loose(),
])

/** Portals may answer with per-update results, or with an empty 2xx meaning "all taken". */
export const webhookResponseSchema = z.object({ results: z.array(resultSchema).optional() }).loose()

export const inventoryReadSchema = z.object({
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() }).loose()),
})

export const portalErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional() }).loose(),
})

/** The channel's settings and credentials, parsed for its connector and its orders client alike. */
export const parseB2bConfig = connectorConfigParser('b2b', {
  settings: b2bSettingsSchema,
  credentials: b2bCredentialsSchema,
})
