// CSV import for any catalogue entity: the file is read as a stream (readCsvRows), each row becomes
// one item of the same upsert as the JSON API, and every message names the row's line.
// A syntax error stops the import (nothing applied); more than 5,000 rows is refused as soon as
// row 5,001 arrives, without reading the rest.
import type { PrismaClient } from '@prisma/client'
import { PayloadTooLargeError, ValidationError } from '../errors'
import type { Actor } from '../audit/record-audit'
import { CsvSyntaxError, readCsvRows } from '../ingest/formats/csv'
import { MAX_CATALOG_ITEMS } from './catalog.schema'
import type { CatalogEntity, CatalogReport } from './catalog-plan'
import { upsertCatalog, type RawCatalogItem, type UpsertCatalogOptions } from './upsert-catalog'

export async function importCatalogCsv<I, R extends object>(
  db: PrismaClient,
  entity: CatalogEntity<I, R>,
  actor: Actor,
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  opts: UpsertCatalogOptions = {},
): Promise<CatalogReport> {
  const items: RawCatalogItem[] = []
  try {
    for await (const row of readCsvRows(input, { required: entity.csv.required, allowed: entity.csv.allowed })) {
      if (items.length >= MAX_CATALOG_ITEMS)
        throw new PayloadTooLargeError(
          `A file holds at most ${MAX_CATALOG_ITEMS} rows (line ${row.line} is row ${MAX_CATALOG_ITEMS + 1}); split it.`,
        )
      items.push({ raw: entity.csv.toRaw(row.values), line: row.line })
    }
  } catch (e) {
    if (e instanceof CsvSyntaxError) {
      throw new ValidationError(
        `The CSV cannot be read at ${e.message} Nothing was applied. The columns are: ${entity.csv.allowed.join(', ')} (required: ${entity.csv.required.join(', ')}).`,
        { line: e.line },
        'INVALID_CSV',
      )
    }
    throw e
  }
  if (items.length === 0)
    throw new ValidationError('The file has a header but no rows: add 1 to 5,000 rows.', undefined, 'EMPTY_BATCH')
  return upsertCatalog(db, entity, actor, items, opts)
}
