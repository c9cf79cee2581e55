// Units of measure: 1 `uom` of a SKU = `factor` base units (CASE = 12 EA). Ingest multiplies an
// event's quantity by the factor (resolve-catalog.ts), so a unit changes how future events are
// read, never a stored quantity: no recompute. A factor change is audited like any other.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { UnitInputSchema, csvInt, csvText, type UnitInput } from './catalog.schema'
import { problem, type CatalogEntity, type ItemProblem, type ParsedItem, type PlannedItem } from './catalog-plan'

export interface UnitRecord {
  sku: string
  uom: string
  factor: number
}

export const unitKey = (sku: string, uom: string) => `${sku}/${uom}`

async function planUnits(db: Db, items: ParsedItem<UnitInput>[]): Promise<PlannedItem<UnitRecord>[]> {
  const skus = await db.sku.findMany({
    where: { code: { in: [...new Set(items.map((i) => i.input.sku))] } },
    select: { code: true, baseUom: true, isKit: true, uoms: { select: { uom: true, factor: true } } },
  })
  const byCode = new Map(skus.map((s) => [s.code, s]))
  return items.map(({ index, line, input }) => {
    const key = unitKey(input.sku, input.uom)
    const problems: ItemProblem[] = []
    const sku = byCode.get(input.sku)
    if (!sku)
      problems.push(
        problem(
          'sku',
          'UNKNOWN_SKU',
          `unknown SKU ${input.sku}; create it first (POST /api/v1/catalog/skus) or fix the code`,
        ),
      )
    else if (sku.baseUom.toUpperCase() === input.uom)
      problems.push(
        problem(
          'uom',
          'BASE_UNIT',
          `${input.uom} is ${input.sku}'s base unit, which is always 1; give another unit (e.g. CASE)`,
        ),
      )
    else if (sku.isKit)
      problems.push(
        problem(
          'sku',
          'KIT_HAS_NO_STOCK',
          `${input.sku} is a kit, and kits hold no stock of their own; define the unit on its components`,
        ),
      )
    // Stored rows may predate upper-casing; ingest compares upper case, so match the same way.
    const current = sku?.uoms.find((u) => u.uom.toUpperCase() === input.uom)
    const before = current ? { sku: input.sku, uom: current.uom, factor: current.factor } : null
    return {
      index,
      line,
      key,
      before,
      after: problems.length ? null : { sku: input.sku, uom: current?.uom ?? input.uom, factor: input.factor },
      problems,
    }
  })
}

async function applyUnits(tx: Prisma.TransactionClient, items: Array<PlannedItem<UnitRecord> & { after: UnitRecord }>) {
  const rows = items.map((i) => i.after)
  await tx.$executeRawUnsafe(
    `INSERT INTO "UnitOfMeasure"("skuId", uom, factor)
     SELECT s.id, x.u, x.f FROM unnest($1::text[], $2::text[], $3::int[]) AS x(code, u, f) JOIN "Sku" s ON s.code = x.code
     ON CONFLICT ("skuId", uom) DO UPDATE SET factor = EXCLUDED.factor`,
    rows.map((r) => r.sku),
    rows.map((r) => r.uom),
    rows.map((r) => r.factor),
  )
  return { dirtySkuIds: [] }
}

export const unitEntity: CatalogEntity<UnitInput, UnitRecord> = {
  name: 'units',
  auditEntity: 'unit_of_measure',
  schema: UnitInputSchema,
  fields: ['sku', 'uom', 'factor'],
  rawKey: (raw) => unitKey(String(raw.sku ?? ''), String(raw.uom ?? '').toUpperCase()),
  key: (i) => unitKey(i.sku, i.uom),
  plan: planUnits,
  apply: applyUnits,
  csv: {
    required: ['sku', 'uom', 'factor'],
    allowed: ['sku', 'uom', 'factor'],
    columnOf: (f) => f,
    toRaw: (v) => ({ sku: csvText(v.sku), uom: csvText(v.uom), factor: csvInt(v.factor) }),
  },
}
