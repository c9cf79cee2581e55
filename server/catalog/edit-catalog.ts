// A SKU edited on the settings screen (its CSV import: import-catalog-from-screen.ts). It goes
// through the same use case as the catalogue API (server/catalog/upsert-catalog.ts), so the screen
// gets the same validation, plan, all-or-nothing apply, audit rows (`catalog.<entity>.create|update`)
// and recompute as API clients do.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { ValidationError } from '../errors'
import type { Actor } from '../audit/record-audit'
import type { CatalogReport } from '../catalog/catalog-plan'
import { CatalogRejectedError, upsertCatalog } from '../catalog/upsert-catalog'
import { skuEntity } from '../catalog/upsert-skus'

export const EditSkuInputSchema = z.object({
  code: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1, 'the name must not be empty').max(300),
  active: z.boolean(),
})

export async function editSku(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<CatalogReport> {
  const input = parseInput(EditSkuInputSchema, raw)
  if (!(await db.sku.findUnique({ where: { code: input.code }, select: { id: true } })))
    throw new ValidationError(`There is no SKU ${input.code}.`, undefined, 'UNKNOWN_SKU')
  try {
    return await upsertCatalog(
      db,
      skuEntity,
      actor,
      [{ raw: { code: input.code, name: input.name, active: input.active } }],
      { ref },
    )
  } catch (e) {
    // One item: its own sentence is the clearest message.
    if (e instanceof CatalogRejectedError)
      throw new ValidationError(e.report.items[0]?.error ?? e.message, undefined, 'INVALID_SKU')
    throw e
  }
}
