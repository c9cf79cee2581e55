// A SKU as the catalogue API sends and takes it (GET /api/v1/catalog/skus, the upsert's before and
// after): its fields and its kit components, sorted by component code so equal lists compare equal.
export interface SkuRecord {
  code: string
  name: string
  category: string
  unitCostCents: number
  priceCents: number
  baseUom: string
  active: boolean
  isKit: boolean
  /** Sorted by component code, so equal lists compare equal. */
  components: Array<{ sku: string; quantity: number }>
}

/** Components in the record's order: by component code. */
export const byComponentCode = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)

/** The record of a SKU row (any object with the fields) and its components, which it sorts. */
export function skuRecord(s: Omit<SkuRecord, 'components'>, components: SkuRecord['components']): SkuRecord {
  return {
    code: s.code,
    name: s.name,
    category: s.category,
    unitCostCents: s.unitCostCents,
    priceCents: s.priceCents,
    baseUom: s.baseUom,
    active: s.active,
    isKit: s.isKit,
    components: [...components].sort(byComponentCode),
  }
}
