// Catalogue edits from the settings screen. Both go through the same use case as the catalogue API
// (server/catalog/upsert-catalog.ts), so the screen gets the same validation, plan, all-or-nothing
// apply, audit rows (`catalog.<entity>.create|update`) and recompute as API clients do.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { ValidationError } from '../errors'
import type { Actor } from '../audit/record-audit'
import type { CatalogEntityName, CatalogReport } from '../catalog/catalog-plan'
import { CATALOG_ENTITIES } from '../catalog/catalog-entities'
import { CatalogRejectedError, upsertCatalog } from '../catalog/upsert-catalog'
import { importCatalogCsv } from '../catalog/import-catalog-csv'
import { skuEntity } from '../catalog/upsert-skus'

export const CATALOG_ENTITY_NAMES = ['skus', 'locations', 'sku-aliases', 'location-aliases', 'units', 'listings'] as const satisfies readonly CatalogEntityName[]

/** A server action's body is capped near 1 MB; bigger files go to /api/v1/catalog/<entity>/import. */
export const MAX_SCREEN_CSV_BYTES = 900 * 1024

export const EditSkuInputSchema = z.object({
  code: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1, 'the name must not be empty').max(300),
  active: z.boolean(),
})

export async function editSku(db: PrismaClient, actor: Actor, raw: unknown, ref: string | null = null): Promise<CatalogReport> {
  const input = parseInput(EditSkuInputSchema, raw)
  if (!(await db.sku.findUnique({ where: { code: input.code }, select: { id: true } }))) throw new ValidationError(`There is no SKU ${input.code}.`, undefined, 'UNKNOWN_SKU')
  try {
    return await upsertCatalog(db, skuEntity, actor, [{ raw: { code: input.code, name: input.name, active: input.active } }], { ref })
  } catch (e) {
    // One item: its own sentence is the clearest message.
    if (e instanceof CatalogRejectedError) throw new ValidationError(e.report.items[0]?.error ?? e.message, undefined, 'INVALID_SKU')
    throw e
  }
}

export const ImportCatalogInputSchema = z.object({
  entity: z.enum(CATALOG_ENTITY_NAMES),
  csv: z.string().min(1, 'the file is empty').refine((s) => Buffer.byteLength(s) <= MAX_SCREEN_CSV_BYTES, `files above ${Math.round(MAX_SCREEN_CSV_BYTES / 1024)} KiB go through the API (POST /api/v1/catalog/<entity>/import)`),
  dryRun: z.boolean(),
})

/**
 * The dry run returns the plan (create / update / unchanged / error per row) and writes nothing.
 * A real run applies all rows or none: with any invalid row the report comes back with
 * `applied: false` and the rows to fix, instead of an error, so the screen can show them.
 */
export async function importCatalogFromScreen(db: PrismaClient, actor: Actor, raw: unknown, ref: string | null = null): Promise<CatalogReport> {
  const input = parseInput(ImportCatalogInputSchema, raw)
  try {
    return await importCatalogCsv(db, CATALOG_ENTITIES[input.entity], actor, [input.csv], { dryRun: input.dryRun, ref })
  } catch (e) {
    if (e instanceof CatalogRejectedError) return e.report
    throw e
  }
}
