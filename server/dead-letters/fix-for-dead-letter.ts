// The fix a dead letter asks for, as a prefilled catalog import: an unknown SKU needs an alias (or
// the SKU), an unknown location a location alias, an unknown unit a unit of measure. Pure: from the
// dead letter's code, source and the raw event it kept. The person completes the empty column
// (which canonical SKU or location it is), runs the dry run and applies; then replays.
export interface DeadLetterFix {
  label: string
  entity: 'sku-aliases' | 'location-aliases' | 'units'
  csv: string
}

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function fixForDeadLetter(d: {
  kind: string
  code: string
  source: string | null
  sku: string | null
  payload: unknown
}): DeadLetterFix | null {
  if (d.kind !== 'ingest') return null
  const e = ((d.payload ?? {}) as { event?: Record<string, unknown> }).event ?? {}
  // A marketplace's native order message (source `native:<channel>`) maps SKUs like the channel's
  // orders API does: through aliases scoped `channel:<channel>`.
  const scope = d.source?.startsWith('native:') ? `channel:${d.source.slice('native:'.length)}` : (d.source ?? '*')
  switch (d.code) {
    case 'UNKNOWN_SKU': {
      const alias = typeof e.sku === 'string' ? e.sku : d.sku
      return alias
        ? {
            label: `Add SKU alias "${alias}"`,
            entity: 'sku-aliases',
            csv: `scope,alias,sku\n${cell(scope)},${cell(alias)},\n`,
          }
        : null
    }
    case 'UNKNOWN_LOCATION': {
      const alias = typeof e.location === 'string' ? e.location : null
      return alias
        ? {
            label: `Add location alias "${alias}"`,
            entity: 'location-aliases',
            csv: `scope,alias,location\n${cell(scope)},${cell(alias)},\n`,
          }
        : null
    }
    case 'UNKNOWN_UOM': {
      const uom = typeof e.uom === 'string' ? e.uom : null
      return uom
        ? {
            label: `Add unit "${uom}" for ${d.sku ?? 'the SKU'}`,
            entity: 'units',
            csv: `sku,uom,factor\n${cell(d.sku ?? e.sku)},${cell(uom)},\n`,
          }
        : null
    }
    default:
      return null
  }
}
