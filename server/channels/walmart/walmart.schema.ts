// Walmart Marketplace Inventory API shapes (single-item PUT/GET /v3/inventory).
import { z } from 'zod'
import { credential } from '../connector-settings'

export const walmartSettingsSchema = z.object({
  /** WM_SVC.NAME Walmart expects on every call. */
  serviceName: z.string().min(1).default('Walmart Marketplace'),
})
export const walmartCredentialsSchema = z.object({ accessToken: credential('accessToken') })

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
