// SKUs and kits. A SKU with components is a kit; its availability is the scarcest component's
// (README "Rules", kits). Kits are one level deep, as the availability engine and order
// reservation read them: a component must be a plain item, so a kit can never contain itself.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { SkuInputSchema, csvBool, csvComponents, csvInt, csvText, type SkuInput } from './catalog.schema'
import {
  diffRecords,
  merge,
  problem,
  type CatalogEntity,
  type ItemProblem,
  type ParsedItem,
  type PlannedItem,
} from './catalog-plan'
import { byComponentCode, skuRecord, type SkuRecord } from './sku-record'

interface ExistingSku extends SkuRecord {
  id: string
  hasStock: boolean
  units: string[]
}

const CSV_COLUMNS: Record<string, string> = {
  code: 'code',
  name: 'name',
  category: 'category',
  unitCostCents: 'unit_cost_cents',
  priceCents: 'price_cents',
  baseUom: 'base_uom',
  active: 'active',
  components: 'components',
}

async function loadSkus(db: Db, codes: string[]): Promise<Map<string, ExistingSku>> {
  if (codes.length === 0) return new Map()
  const rows = await db.$queryRawUnsafe<ExistingSku[]>(
    `SELECT s.id::text AS id, s.code, s.name, s.category, s."unitCostCents", s."priceCents", s."baseUom", s.active, s."isKit",
            COALESCE((SELECT json_agg(json_build_object('sku', c.code, 'quantity', k.quantity) ORDER BY c.code)
                        FROM "KitComponent" k JOIN "Sku" c ON c.id = k."componentSkuId" WHERE k."kitSkuId" = s.id), '[]'::json) AS components,
            EXISTS (SELECT 1 FROM "Position" p WHERE p."skuId" = s.id AND (p."onHand" <> 0 OR p.reserved <> 0 OR p.allocated <> 0
                      OR p."inTransit" <> 0 OR p.quarantined <> 0 OR p.damaged <> 0)) AS "hasStock",
            COALESCE((SELECT array_agg(u.uom ORDER BY u.uom) FROM "UnitOfMeasure" u WHERE u."skuId" = s.id), '{}'::text[]) AS units
       FROM "Sku" s WHERE s.code = ANY($1::text[])`,
    codes,
  )
  return new Map(rows.map((r) => [r.code, { ...r, components: [...r.components].sort(byComponentCode) }]))
}

/** Kits (in the database) that list any of `codes` as a component: component code -> kit codes. */
async function loadParentKits(db: Db, codes: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (codes.length === 0) return out
  const rows = await db.$queryRawUnsafe<Array<{ kit: string; component: string }>>(
    `SELECT k.code AS kit, c.code AS component FROM "KitComponent" kc
       JOIN "Sku" k ON k.id = kc."kitSkuId" JOIN "Sku" c ON c.id = kc."componentSkuId"
      WHERE c.code = ANY($1::text[]) ORDER BY k.code`,
    codes,
  )
  for (const r of rows) out.set(r.component, [...(out.get(r.component) ?? []), r.kit])
  return out
}

const recordOf = (s: ExistingSku): SkuRecord => skuRecord(s, s.components)

async function planSkus(db: Db, items: ParsedItem<SkuInput>[]): Promise<PlannedItem<SkuRecord>[]> {
  const batch = new Map(items.map((i) => [i.input.code, i.input]))
  const componentCodes = [...new Set(items.flatMap((i) => (i.input.components ?? []).map((c) => c.sku)))]
  const existing = await loadSkus(db, [...new Set([...batch.keys(), ...componentCodes])])
  const parents = await loadParentKits(db, [...batch.keys()])

  /** Whether `code` is a kit once this request is applied. */
  const isKitAfter = (code: string): boolean => {
    const given = batch.get(code)?.components
    if (given !== undefined) return given.length > 0
    return existing.get(code)?.isKit ?? false
  }
  /** The kits that list `code` as a component once this request is applied. */
  const kitsContaining = (code: string): string[] => {
    const kits = new Set<string>()
    for (const kit of parents.get(code) ?? []) {
      const given = batch.get(kit)?.components
      if (given === undefined || given.some((c) => c.sku === code)) kits.add(kit)
    }
    for (const [kit, input] of batch) if (input.components?.some((c) => c.sku === code)) kits.add(kit)
    kits.delete(code) // a kit listing itself is reported as such, once
    return [...kits].sort()
  }

  return items.map(({ index, line, input }) => {
    const problems: ItemProblem[] = []
    const current = existing.get(input.code)
    const before = current ? recordOf(current) : null
    if (!current && input.name === undefined)
      problems.push(problem('name', 'REQUIRED', `name is required to create SKU ${input.code}; give the product name`))
    const components = input.components === undefined ? undefined : [...input.components].sort(byComponentCode)
    const given: Partial<SkuRecord> = {
      name: input.name,
      category: input.category,
      unitCostCents: input.unitCostCents,
      priceCents: input.priceCents,
      // An existing lower-case base unit is the same unit: keep it rather than report a change.
      baseUom:
        input.baseUom !== undefined && current && current.baseUom.toUpperCase() === input.baseUom
          ? current.baseUom
          : input.baseUom,
      active: input.active,
      components,
      isKit: components === undefined ? undefined : components.length > 0,
    }
    const base: SkuRecord = before ?? {
      code: input.code,
      name: input.name ?? '',
      category: 'uncategorized',
      unitCostCents: 0,
      priceCents: 0,
      baseUom: 'EA',
      active: true,
      isKit: false,
      components: [],
    }
    const after = merge(base, given)

    // isKit is derived; a caller who sends it expecting it to act gets told how instead.
    if (typeof input.isKit === 'boolean' && input.isKit !== after.isKit) {
      problems.push(
        problem(
          'isKit',
          'DERIVED_FIELD',
          input.isKit
            ? `a SKU becomes a kit by its components; send "components": [{ "sku": "...", "quantity": n }]`
            : 'a kit becomes a plain item by sending "components": []',
        ),
      )
    }
    if (input.components !== undefined)
      problems.push(
        ...componentProblems(input.code, input.components, (code) => existing.has(code) || batch.has(code), isKitAfter),
      )
    if (after.isKit) problems.push(...kitProblems(input.code, current, kitsContaining(input.code)))
    if (current && after.baseUom.toUpperCase() !== current.baseUom.toUpperCase())
      problems.push(...baseUomProblems(input.code, current))
    return { index, line, key: input.code, before, after: problems.length ? null : after, problems }
  })
}

/** A kit's components: each once, never the kit itself, known, and no kit among them. */
function componentProblems(
  code: string,
  components: NonNullable<SkuInput['components']>,
  isKnown: (code: string) => boolean,
  isKitAfter: (code: string) => boolean,
): ItemProblem[] {
  const problems: ItemProblem[] = []
  const seen = new Set<string>()
  components.forEach((c, i) => {
    const field = `components[${i}].sku`
    if (seen.has(c.sku))
      problems.push(
        problem(field, 'DUPLICATE_COMPONENT', `${c.sku} is listed twice; give it once with the total quantity per kit`),
      )
    seen.add(c.sku)
    if (c.sku === code) {
      problems.push(
        problem(field, 'KIT_CONTAINS_ITSELF', `a kit cannot contain itself; remove ${c.sku} from its components`),
      )
      return
    }
    if (!isKnown(c.sku)) {
      problems.push(
        problem(
          field,
          'UNKNOWN_SKU',
          `unknown SKU ${c.sku}; create it first (it may be in the same request) or fix the code`,
        ),
      )
      return
    }
    if (isKitAfter(c.sku))
      problems.push(
        problem(
          field,
          'NESTED_KIT',
          `${c.sku} is a kit and kits cannot contain kits; list ${c.sku}'s components instead`,
        ),
      )
  })
  return problems
}

/** A SKU that is a kit after the request: no kit contains it, and it held no stock of its own. */
function kitProblems(code: string, current: ExistingSku | undefined, kits: string[]): ItemProblem[] {
  const problems: ItemProblem[] = []
  if (kits.length > 0)
    problems.push(
      problem(
        'components',
        'NESTED_KIT',
        `${code} is a component of kit(s) ${kits.slice(0, 5).join(', ')}${kits.length > 5 ? ', ...' : ''}; kits cannot contain kits: remove it from them first (in this request or before)`,
      ),
    )
  if (current && !current.isKit && current.hasStock)
    problems.push(
      problem(
        'components',
        'SKU_HAS_STOCK',
        `${code} holds stock, and a kit's availability comes only from its components; bring its stock to zero or create the kit under a new code`,
      ),
    )
  return problems
}

/** A changed base unit: refused while stock or units of measure are counted in the old one. */
function baseUomProblems(code: string, current: ExistingSku): ItemProblem[] {
  const problems: ItemProblem[] = []
  if (current.hasStock)
    problems.push(
      problem(
        'baseUom',
        'SKU_HAS_STOCK',
        `${code} holds stock counted in ${current.baseUom}; changing the base unit would reinterpret it: bring its stock to zero first or create a new SKU`,
      ),
    )
  if (current.units.length > 0)
    problems.push(
      problem(
        'baseUom',
        'SKU_HAS_UNITS',
        `${code} has units of measure (${current.units.join(', ')}) defined as multiples of ${current.baseUom}; changing the base unit would change what they mean: create a new SKU instead`,
      ),
    )
  return problems
}

async function applySkus(
  tx: Prisma.TransactionClient,
  items: Array<PlannedItem<SkuRecord> & { after: SkuRecord }>,
): Promise<{ dirtySkuIds: string[] }> {
  const rows = items.map((i) => i.after)
  const upserted = await tx.$queryRawUnsafe<Array<{ id: string; code: string }>>(
    `INSERT INTO "Sku"(id, code, name, category, "baseUom", "unitCostCents", "priceCents", "isKit", active, "updatedAt")
     SELECT gen_random_uuid(), c, n, cat, u, uc, pc, k, a, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::boolean[], $8::boolean[]) AS x(c, n, cat, u, uc, pc, k, a)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, "baseUom" = EXCLUDED."baseUom",
       "unitCostCents" = EXCLUDED."unitCostCents", "priceCents" = EXCLUDED."priceCents", "isKit" = EXCLUDED."isKit", active = EXCLUDED.active, "updatedAt" = now()
     RETURNING id::text AS id, code`,
    rows.map((r) => r.code),
    rows.map((r) => r.name),
    rows.map((r) => r.category),
    rows.map((r) => r.baseUom),
    rows.map((r) => r.unitCostCents),
    rows.map((r) => r.priceCents),
    rows.map((r) => r.isKit),
    rows.map((r) => r.active),
  )

  // Component lists are replaced whole, only for the kits whose list changed.
  const recomposed = items
    .filter((i) => JSON.stringify(i.before?.components ?? []) !== JSON.stringify(i.after.components))
    .map((i) => i.after)
  if (recomposed.length > 0) {
    await tx.$executeRawUnsafe(
      `DELETE FROM "KitComponent" k USING "Sku" s WHERE k."kitSkuId" = s.id AND s.code = ANY($1::text[])`,
      recomposed.map((r) => r.code),
    )
    const pairs = recomposed.flatMap((r) =>
      r.components.map((c) => ({ kit: r.code, sku: c.sku, quantity: c.quantity })),
    )
    if (pairs.length > 0) {
      await tx.$executeRawUnsafe(
        `INSERT INTO "KitComponent"("kitSkuId", "componentSkuId", quantity)
         SELECT k.id, c.id, x.q FROM unnest($1::text[], $2::text[], $3::int[]) AS x(kc, cc, q)
           JOIN "Sku" k ON k.code = x.kc JOIN "Sku" c ON c.code = x.cc`,
        pairs.map((p) => p.kit),
        pairs.map((p) => p.sku),
        pairs.map((p) => p.quantity),
      )
    }
  }
  // Any change may move a number (category selects rules, a new kit needs a decision); recompute
  // is coalesced per SKU, so marking is cheap. markSkusDirty adds the kits containing these SKUs.
  return { dirtySkuIds: upserted.map((u) => u.id) }
}

export const skuEntity: CatalogEntity<SkuInput, SkuRecord> = {
  name: 'skus',
  auditEntity: 'sku',
  schema: SkuInputSchema,
  fields: ['code', 'name', 'category', 'unitCostCents', 'priceCents', 'baseUom', 'active', 'components'],
  rawKey: (raw) => (typeof raw.code === 'string' ? raw.code : ''),
  key: (i) => i.code,
  plan: planSkus,
  apply: applySkus,
  diff: (before, after) => {
    const d = diffRecords(before, after)
    // isKit follows from components; report it only alongside them.
    if (!d.components) delete d.isKit
    return d
  },
  csv: {
    required: ['code'],
    allowed: Object.values(CSV_COLUMNS),
    columnOf: (field) => CSV_COLUMNS[field] ?? field,
    toRaw: (v) => ({
      code: csvText(v.code),
      name: csvText(v.name),
      category: csvText(v.category),
      unitCostCents: csvInt(v.unit_cost_cents),
      priceCents: csvInt(v.price_cents),
      baseUom: csvText(v.base_uom),
      active: csvBool(v.active),
      components: csvComponents(v.components),
    }),
  },
}
