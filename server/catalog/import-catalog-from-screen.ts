// A catalogue CSV imported from the settings screen, through the same use case as the catalogue
// API's import (import-catalog-csv.ts): same validation, plan, all-or-nothing apply and audit.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import type { Actor } from '../audit/record-audit'
import type { CatalogReport } from './catalog-plan'
import { CATALOG_ENTITIES, CATALOG_ENTITY_NAMES } from './catalog-entities'
import { CatalogRejectedError } from './upsert-catalog'
import { importCatalogCsv } from './import-catalog-csv'

/** A server action's body is capped near 1 MB; bigger files go to /api/v1/catalog/<entity>/import. */
export const MAX_SCREEN_CSV_BYTES = 900 * 1024

export const ImportCatalogInputSchema = z.object({
  entity: z.enum(CATALOG_ENTITY_NAMES),
  csv: z
    .string()
    .min(1, 'the file is empty')
    .refine(
      (s) => Buffer.byteLength(s) <= MAX_SCREEN_CSV_BYTES,
      `files above ${Math.round(MAX_SCREEN_CSV_BYTES / 1024)} KiB go through the API (POST /api/v1/catalog/<entity>/import)`,
    ),
  dryRun: z.boolean(),
})

/**
 * The dry run returns the plan (create / update / unchanged / error per row) and writes nothing.
 * A real run applies all rows or none: with any invalid row the report comes back with
 * `applied: false` and the rows to fix, instead of an error, so the screen can show them.
 */
export async function importCatalogFromScreen(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<CatalogReport> {
  const input = parseInput(ImportCatalogInputSchema, raw)
  try {
    return await importCatalogCsv(db, CATALOG_ENTITIES[input.entity], actor, [input.csv], { dryRun: input.dryRun, ref })
  } catch (e) {
    if (e instanceof CatalogRejectedError) return e.report
    throw e
  }
}
