// The cutover screen's read model: who owns each location (and category) now, what is scheduled,
// and for each shadow source the differences from the owner per SKU x location with their trend.
import type { Db } from '../db'
import { NOT_SYSTEM_OF_RECORD } from './partition-by-ownership'

export interface CutoverView {
  locations: Array<{
    code: string
    name: string
    owners: Array<{
      category: string | null
      source: string
      shadowSource: string | null
      since: string
      reason: string
      by: string
    }>
    scheduled: Array<{
      category: string | null
      source: string
      shadowSource: string | null
      effectiveFrom: string
      reason: string
      by: string
    }>
    refusedLast24h: number
  }>
  shadows: Array<{
    location: string
    source: string
    owner: string
    skus: number
    differing: number
    absDifference: number
    rows: Array<{ sku: string; ownerOnHand: number; shadowOnHand: number; difference: number; updatedAt: string }>
    trend: Array<{ minute: string; skusDiffering: number; absDifference: number }>
  }>
}

export async function getCutover(
  db: Db,
  now = new Date(),
  opts: { rowsPerShadow?: number } = {},
): Promise<CutoverView> {
  const locations = await db.location.findMany({
    where: { active: true },
    orderBy: { code: 'asc' },
    select: { id: true, code: true, name: true },
  })
  const rules = await db.locationOwnership.findMany({ orderBy: { effectiveFrom: 'desc' } })
  const refused = await db.$queryRawUnsafe<Array<{ location: string; n: number }>>(
    `SELECT payload->'event'->>'location' AS location, count(*)::int AS n FROM "DeadLetter"
      WHERE kind = 'ingest' AND status = 'open' AND "lastSeenAt" > $2::timestamptz - interval '24 hours' AND code = $1 AND "firstSeenAt" > $2::timestamptz - interval '24 hours' GROUP BY 1`,
    NOT_SYSTEM_OF_RECORD,
    now.toISOString(),
  )
  const out: CutoverView = { locations: [], shadows: [] }
  for (const l of locations) {
    const mine = rules.filter((r) => r.locationId === l.id)
    const inForce = new Map<string, Rule>()
    for (const r of mine) if (r.effectiveFrom <= now && !inForce.has(r.category ?? '')) inForce.set(r.category ?? '', r)
    const refusedLast24h = refused.find((x) => x.location === l.code)?.n ?? 0
    out.locations.push(locationView(l, mine, [...inForce.values()], refusedLast24h, now))
    for (const r of inForce.values())
      if (r.shadowSource) out.shadows.push(await shadowView(db, l, r, r.shadowSource, now, opts.rowsPerShadow ?? 200))
  }
  return out
}

type Rule = Awaited<ReturnType<Db['locationOwnership']['findMany']>>[number]
type CutoverLocation = { id: string; code: string; name: string }

/** A location's owners in force and its scheduled changes, newest rule first. */
function locationView(
  l: CutoverLocation,
  mine: Rule[],
  inForce: Rule[],
  refusedLast24h: number,
  now: Date,
): CutoverView['locations'][number] {
  return {
    code: l.code,
    name: l.name,
    owners: inForce.map((r) => ({
      category: r.category,
      source: r.source,
      shadowSource: r.shadowSource,
      since: r.effectiveFrom.toISOString(),
      reason: r.reason,
      by: r.createdBy,
    })),
    scheduled: mine
      .filter((r) => r.effectiveFrom > now)
      .reverse()
      .map((r) => ({
        category: r.category,
        source: r.source,
        shadowSource: r.shadowSource,
        effectiveFrom: r.effectiveFrom.toISOString(),
        reason: r.reason,
        by: r.createdBy,
      })),
    refusedLast24h,
  }
}

/** One shadow source beside the owner at a location: per SKU on hand, the differences and their trend. */
async function shadowView(
  db: Db,
  l: CutoverLocation,
  r: Rule,
  shadowSource: string,
  now: Date,
  rowsPerShadow: number,
): Promise<CutoverView['shadows'][number]> {
  const rows = await db.$queryRawUnsafe<
    Array<{ sku: string; ownerOnHand: number; shadowOnHand: number; updatedAt: Date }>
  >(
    `SELECT s.code AS sku, COALESCE(p."onHand", 0)::int AS "ownerOnHand", sp."onHand" AS "shadowOnHand", sp."updatedAt"
       FROM "ShadowPosition" sp JOIN "Sku" s ON s.id = sp."skuId"
       LEFT JOIN "Position" p ON p."skuId" = sp."skuId" AND p."locationId" = sp."locationId"
      WHERE sp.source = $1 AND sp."locationId" = $2::uuid AND ($3::text IS NULL OR s.category = $3)
      ORDER BY abs(sp."onHand" - COALESCE(p."onHand", 0)) DESC, s.code`,
    shadowSource,
    l.id,
    r.category,
  )
  const trend = await db.cutoverSample.findMany({
    where: { source: shadowSource, locationId: l.id, minute: { gt: new Date(now.getTime() - 24 * 3_600_000) } },
    orderBy: { minute: 'asc' },
  })
  const differing = rows.filter((x) => x.ownerOnHand !== x.shadowOnHand)
  return {
    location: l.code,
    source: shadowSource,
    owner: r.source,
    skus: rows.length,
    differing: differing.length,
    absDifference: differing.reduce((s, x) => s + Math.abs(x.shadowOnHand - x.ownerOnHand), 0),
    rows: rows.slice(0, rowsPerShadow).map((x) => ({
      sku: x.sku,
      ownerOnHand: x.ownerOnHand,
      shadowOnHand: x.shadowOnHand,
      difference: x.shadowOnHand - x.ownerOnHand,
      updatedAt: x.updatedAt.toISOString(),
    })),
    trend: trend.map((t) => ({
      minute: t.minute.toISOString(),
      skusDiffering: t.skusDiffering,
      absDifference: t.absDifference,
    })),
  }
}
