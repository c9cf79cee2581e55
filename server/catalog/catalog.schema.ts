// The shapes the catalogue API accepts (JSON items and CSV rows), as zod schemas. Messages say how
// to fix the value, because they reach operators fixing a file. Upserts are partial: a field left
// out keeps its current value (or its default on create).
import { z } from 'zod'

export const MAX_CATALOG_ITEMS = 5000
export const MAX_CATALOG_BODY_BYTES = 10 * 1024 * 1024
export const MAX_KIT_COMPONENTS = 100
export const LOCATION_KINDS = ['dc', '3pl', 'store'] as const

const text = (what: string, max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be text`) })
    .trim()
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} is longer than ${max} characters` })
    // Control characters in a code are always an export accident (tabs, line breaks).
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), {
      error: `${what} contains a control character (tab, line break); remove it`,
    })
    // A lone UTF-16 surrogate (`\ud800` in JSON) has no UTF-8 form: PostgreSQL cannot store it.
    .refine((s) => (s as string & { isWellFormed(): boolean }).isWellFormed(), {
      error: `${what} contains an unpaired UTF-16 surrogate (not valid Unicode); fix the text`,
    })

const cents = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of cents, e.g. 1299 for 12.99` })
    .int({ error: `${what} must be a whole number of cents, e.g. 1299 for 12.99` })
    .min(0, { error: `${what} must not be negative` })
    .max(1_000_000_000, { error: `${what} must be at most 1000000000 cents` })

const bool = (what: string) => z.boolean({ error: `${what} must be true or false` })

/** Units of measure are compared upper-case everywhere (resolve-catalog does the same). */
const uomCode = (what: string) =>
  text(what, 20)
    .transform((s) => s.toUpperCase())
    .refine((s) => /^[A-Z0-9_.\-]+$/.test(s), {
      error: `${what} may hold only letters, digits, "-", "_" and "." (e.g. EA, CASE, PK-6)`,
    })

/** GET returns these; POST accepts them back unchanged and ignores them. */
const readOnly = { createdAt: z.unknown().optional(), updatedAt: z.unknown().optional() }

export const KitComponentInputSchema = z.strictObject({
  sku: text('the component SKU code', 100),
  quantity: z
    .number({ error: 'quantity must be a whole number of units per kit, from 1' })
    .int({ error: 'quantity must be a whole number of units per kit, from 1' })
    .min(1, { error: 'quantity must be at least 1 unit per kit' })
    .max(100_000, { error: 'quantity must be at most 100000 units per kit' }),
})

export const SkuInputSchema = z.strictObject({
  code: text('code', 100),
  name: text('name', 300).optional(),
  category: text('category', 100).optional(),
  unitCostCents: cents('unitCostCents').optional(),
  priceCents: cents('priceCents').optional(),
  baseUom: uomCode('baseUom').optional(),
  active: bool('active').optional(),
  /** Present: the kit's full component list (replaces the current one); `[]` makes it a plain item. */
  components: z
    .array(KitComponentInputSchema, { error: 'components must be a list of { "sku": "...", "quantity": n }' })
    .max(MAX_KIT_COMPONENTS, { error: `a kit has at most ${MAX_KIT_COMPONENTS} components` })
    .optional(),
  /** Derived from `components`; accepted for round trips and ignored. */
  isKit: z.unknown().optional(),
  ...readOnly,
})
export type SkuInput = z.infer<typeof SkuInputSchema>

export const LocationInputSchema = z.strictObject({
  code: text('code', 100),
  name: text('name', 300).optional(),
  kind: z.enum(LOCATION_KINDS, { error: `kind must be one of ${LOCATION_KINDS.join(', ')}` }).optional(),
  active: bool('active').optional(),
  ...readOnly,
})
export type LocationInput = z.infer<typeof LocationInputSchema>

/** `*` (every source and channel), `channel:<code>` or a source code such as `erp-main`. */
const aliasScope = text('scope', 100).refine((s) => s === '*' || !/\s/.test(s), {
  error: 'scope must be a source code (e.g. erp-main), "channel:<code>" or "*", without spaces',
})

/** What every alias has: the scope it applies in and the name used there. */
const aliasName = { scope: aliasScope, alias: text('alias', 200) }

export const SkuAliasInputSchema = z.strictObject({ ...aliasName, sku: text('sku', 100), ...readOnly })
export type SkuAliasInput = z.infer<typeof SkuAliasInputSchema>

export const LocationAliasInputSchema = z.strictObject({ ...aliasName, location: text('location', 100), ...readOnly })
export type LocationAliasInput = z.infer<typeof LocationAliasInputSchema>

export const UnitInputSchema = z.strictObject({
  sku: text('sku', 100),
  uom: uomCode('uom'),
  factor: z
    .number({ error: 'factor must be a whole number of base units per unit, e.g. 12 for a case of 12' })
    .int({ error: 'factor must be a whole number of base units per unit, e.g. 12 for a case of 12' })
    .min(1, { error: 'factor must be at least 1 base unit' })
    .max(1_000_000, { error: 'factor must be at most 1000000 base units' }),
  ...readOnly,
})
export type UnitInput = z.infer<typeof UnitInputSchema>

export const ListingInputSchema = z.strictObject({
  channel: text('channel', 100),
  sku: text('sku', 100),
  /** The channel's seller SKU; on create it defaults to the SKU code. */
  externalSku: text('externalSku', 200).optional(),
  /** The channel's own id (Shopify inventory item, Walmart item id); null clears it. */
  externalId: text('externalId', 200).nullable().optional(),
  active: bool('active').optional(),
  ...readOnly,
})
export type ListingInput = z.infer<typeof ListingInputSchema>

// ---------------------------------------------------------------- CSV cells

/** An integer cell becomes a number; anything else stays text so the schema names the problem. */
export function csvInt(cell: string | undefined): unknown {
  if (cell === undefined || cell === '') return undefined
  return /^[+-]?\d+$/.test(cell) ? Number(cell) : cell
}

export function csvBool(cell: string | undefined): unknown {
  if (cell === undefined || cell === '') return undefined
  const v = cell.toLowerCase()
  if (['true', '1', 'yes', 'y'].includes(v)) return true
  if (['false', '0', 'no', 'n'].includes(v)) return false
  return cell
}

export function csvText(cell: string | undefined): unknown {
  return cell === undefined || cell === '' ? undefined : cell
}

/**
 * Kit components in one cell: `SKU-A:2;SKU-B:1` (a part without `:n` means 1 per kit). The quantity
 * follows the last colon, so codes may contain colons. `-` means "no components" (a plain item).
 */
export function csvComponents(cell: string | undefined): unknown {
  if (cell === undefined || cell === '') return undefined
  if (cell === '-') return []
  return cell
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((part) => {
      const i = part.lastIndexOf(':')
      if (i < 0) return { sku: part, quantity: 1 }
      return { sku: part.slice(0, i).trim(), quantity: csvInt(part.slice(i + 1).trim()) ?? part.slice(i + 1) }
    })
}
