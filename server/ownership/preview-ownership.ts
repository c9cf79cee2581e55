// What an ownership change would do, before it is made (and as the audit of the change records it):
// the owner before and after, what changes for each source, and, when the new owner was the shadow
// source, how far its numbers are from the current owner's. Writes nothing.
import { z } from 'zod'
import type { Db } from '../db'
import { NotFoundError, ValidationError, describeIssues } from '../errors'
import { loadOwnershipRules, ownerFor, type OwnershipRule } from './partition-by-ownership'

export const OwnershipInputSchema = z
  .object({
    location: z.string().trim().min(1).max(200),
    category: z.string().trim().min(1).max(200).optional(),
    source: z.string().trim().min(1).max(100),
    /** A cutover candidate: its events are recorded in shadow and compared, never applied. */
    shadowSource: z.string().trim().min(1).max(100).optional(),
    effectiveFrom: z.coerce.date().optional(),
    reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  })
  .refine((o) => o.source !== o.shadowSource, {
    path: ['shadowSource'],
    message: 'the shadow source must differ from the owner',
  })
export type OwnershipInput = z.input<typeof OwnershipInputSchema>

export interface OwnerView {
  source: string
  shadowSource: string | null
  category: string | null
  since: string
}

export interface OwnershipPreview {
  location: string
  category: string | null
  effectiveFrom: string
  before: OwnerView | null
  after: OwnerView
  /** What changes for each source at that moment. */
  changes: string[]
  /** When the new owner was the shadow source: how far its numbers are from the current owner's. */
  shadowDifferences: {
    skus: number
    differing: number
    absDifference: number
    sample: Array<{ sku: string; ownerOnHand: number; shadowOnHand: number; difference: number }>
  } | null
}

/** The change as sent, or a 400 naming every problem. */
export function parseOwnershipInput(raw: unknown) {
  const r = OwnershipInputSchema.safeParse(raw)
  if (!r.success)
    throw new ValidationError(
      `The ownership change is not valid: ${describeIssues(r.error.issues, { root: 'ownership' })}.`,
      r.error.issues,
      'INVALID_OWNERSHIP',
    )
  return r.data
}

const view = (r: OwnershipRule): OwnerView => ({
  source: r.source,
  shadowSource: r.shadowSource,
  category: r.category,
  since: r.effectiveFrom.toISOString(),
})

export async function previewOwnership(db: Db, raw: unknown, now = new Date()): Promise<OwnershipPreview> {
  // A preview comes before the reason is written: only the change itself must be valid.
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const o = parseOwnershipInput({
    ...r,
    reason: typeof r.reason === 'string' && r.reason.trim().length >= 3 ? r.reason : '(preview)',
  })
  const effectiveFrom = o.effectiveFrom ?? now
  if (effectiveFrom.getTime() < now.getTime() - 60_000)
    throw new ValidationError(
      'The effective time is in the past: an ownership change cannot rewrite what was already applied.',
      undefined,
      'INVALID_EFFECTIVE_FROM',
    )
  const location = await db.location.findUnique({ where: { code: o.location }, select: { id: true, code: true } })
  if (!location) throw new NotFoundError(`Unknown location "${o.location}".`, 'UNKNOWN_LOCATION')
  if (o.category && !(await db.sku.findFirst({ where: { category: o.category }, select: { id: true } })))
    throw new ValidationError(`No SKU has the category "${o.category}".`, undefined, 'UNKNOWN_CATEGORY')
  const rules = await loadOwnershipRules(db, effectiveFrom, [location.id])
  const current = ownerFor(rules, location.id, o.category ?? null, effectiveFrom)
  const before = current ? view(current) : null
  const after: OwnerView = {
    source: o.source,
    shadowSource: o.shadowSource ?? null,
    category: o.category ?? null,
    since: effectiveFrom.toISOString(),
  }
  const scope = `${location.code}${o.category ? ` (category ${o.category})` : ''}`
  const changes: string[] = []
  if (!before)
    changes.push(
      `${scope} gets a system of record: from then on only "${o.source}" moves its on hand; every other source is refused${o.shadowSource ? ` except "${o.shadowSource}", recorded in shadow` : ''}.`,
    )
  else {
    if (before.source !== o.source)
      changes.push(
        `"${o.source}" becomes the system of record for ${scope} (was "${before.source}"): its events apply from then on.`,
      )
    if (before.source !== o.source && o.shadowSource !== before.source)
      changes.push(`"${before.source}" is refused from then on (NOT_SYSTEM_OF_RECORD, kept as dead letters).`)
    if (o.shadowSource && o.shadowSource !== before.shadowSource)
      changes.push(`"${o.shadowSource}" is recorded in shadow and compared, never applied.`)
    if (before.shadowSource && before.shadowSource !== o.shadowSource && before.shadowSource !== o.source)
      changes.push(`"${before.shadowSource}" stops being shadowed: its events are refused.`)
    if (changes.length === 0) changes.push('Nothing changes: the same owner and shadow source.')
  }
  let shadowDifferences: OwnershipPreview['shadowDifferences'] = null
  if (before?.shadowSource === o.source) {
    const rows = await db.$queryRawUnsafe<Array<{ sku: string; ownerOnHand: number; shadowOnHand: number }>>(
      `SELECT s.code AS sku, COALESCE(p."onHand", 0)::int AS "ownerOnHand", sp."onHand" AS "shadowOnHand"
         FROM "ShadowPosition" sp JOIN "Sku" s ON s.id = sp."skuId"
         LEFT JOIN "Position" p ON p."skuId" = sp."skuId" AND p."locationId" = sp."locationId"
        WHERE sp.source = $1 AND sp."locationId" = $2::uuid AND ($3::text IS NULL OR s.category = $3)
        ORDER BY abs(sp."onHand" - COALESCE(p."onHand", 0)) DESC, s.code`,
      o.source,
      location.id,
      o.category ?? null,
    )
    const differing = rows.filter((r) => r.ownerOnHand !== r.shadowOnHand)
    shadowDifferences = {
      skus: rows.length,
      differing: differing.length,
      absDifference: differing.reduce((s, r) => s + Math.abs(r.shadowOnHand - r.ownerOnHand), 0),
      sample: differing.slice(0, 20).map((r) => ({ ...r, difference: r.shadowOnHand - r.ownerOnHand })),
    }
    if (differing.length > 0)
      changes.push(
        `${differing.length} of ${rows.length} SKUs at ${location.code} differ between the two (total ${shadowDifferences.absDifference} units); positions are not rewritten: the new owner's next counts correct them.`,
      )
  }
  return {
    location: location.code,
    category: o.category ?? null,
    effectiveFrom: effectiveFrom.toISOString(),
    before,
    after,
    changes,
    shadowDifferences,
  }
}
