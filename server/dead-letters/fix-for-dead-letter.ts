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

/** A one-row import of `entity`: the `header`, then the cells known and the last column left empty. */
const importFix = (
  label: string,
  entity: DeadLetterFix['entity'],
  header: string,
  known: unknown[],
): DeadLetterFix => ({
  label,
  entity,
  csv: `${header}\n${known.map(cell).join(',')},\n`,
})

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
      return alias ? importFix(`Add SKU alias "${alias}"`, 'sku-aliases', 'scope,alias,sku', [scope, alias]) : null
    }
    case 'UNKNOWN_LOCATION': {
      const alias = typeof e.location === 'string' ? e.location : null
      return alias
        ? importFix(`Add location alias "${alias}"`, 'location-aliases', 'scope,alias,location', [scope, alias])
        : null
    }
    case 'UNKNOWN_UOM': {
      const uom = typeof e.uom === 'string' ? e.uom : null
      return uom
        ? importFix(`Add unit "${uom}" for ${d.sku ?? 'the SKU'}`, 'units', 'sku,uom,factor', [d.sku ?? e.sku, uom])
        : null
    }
    default:
      return null
  }
}
