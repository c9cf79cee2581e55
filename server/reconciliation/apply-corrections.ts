// Corrects positions to what a snapshot said, through the ledger like any other movement (source
// `reconciliation`, keys derived from the snapshot so a correction never applies twice): onHand by
// a `count` of (current + variance), the other fields by the matching delta event. The variance was
// measured as of the snapshot's time, so adding it to today's position keeps every movement since.
// Small variances are corrected at once under the snapshot's policy; the rest wait for a person.
import type { PrismaClient } from '@prisma/client'
import { transaction, withDeadlockRetry } from '../db'
import { recordAudit, type Actor } from '../audit/record-audit'
import { applyPreparedEvents, prepareEventBatch } from '../ingest/ingest-events'
import { emitRealtime, emitStockChanged, ROOMS } from '../realtime/publisher'

export const RECONCILIATION_SOURCE = 'reconciliation'

export interface CorrectionResult {
  corrected: Array<{ findingId: string; event: string }>
  skipped: Array<{ findingId: string; reason: string }>
}

export async function applySnapshotCorrections(
  db: PrismaClient,
  findingIds: string[],
  actor: Actor,
  now = new Date(),
): Promise<CorrectionResult> {
  const result: CorrectionResult = { corrected: [], skipped: [] }
  if (findingIds.length === 0) return result
  const findings = await db.finding.findMany({
    where: { id: { in: findingIds } },
    orderBy: [{ sku: 'asc' }, { location: 'asc' }, { field: 'asc' }],
  })
  for (const id of findingIds)
    if (!findings.some((f) => f.id === id)) result.skipped.push({ findingId: id, reason: 'no such finding' })
  const usable = findings.filter((f) => {
    const reason = notCorrectable(f)
    if (reason) result.skipped.push({ findingId: f.id, reason })
    return reason === null
  })
  if (usable.length === 0) return result

  const skuCodes = await withDeadlockRetry(() =>
    transaction(db, async (tx) => {
      // Lock the positions, then read them: the count is computed from the locked value.
      const current = await tx.$queryRawUnsafe<Array<{ sku: string; location: string; onHand: number }>>(
        `SELECT s.code AS sku, l.code AS location, p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"
        WHERE (s.code, l.code) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY p."skuId", p."locationId" FOR UPDATE OF p`,
        usable.map((f) => f.sku!),
        usable.map((f) => f.location!),
      )
      const onHand = new Map(current.map((c) => [`${c.sku}|${c.location}`, c.onHand]))
      const events = usable.map((f) => correctionEvent(f, onHand, now))
      const prepared = await prepareEventBatch(tx, RECONCILIATION_SOURCE, events)
      for (const r of prepared.rejected)
        result.skipped.push({ findingId: usable[r.index].id, reason: `${r.code}: ${r.message}` })
      const applied = await applyPreparedEvents(tx, RECONCILIATION_SOURCE, prepared, null, now)
      for (const r of applied.rejected)
        result.skipped.push({ findingId: usable[r.index].id, reason: `${r.code}: ${r.message}` })
      const refused = [...prepared.rejected, ...applied.rejected]
      const done = usable.filter((_, i) => !refused.some((r) => r.index === i))
      for (const f of done) {
        const e = events[usable.indexOf(f)]
        result.corrected.push({ findingId: f.id, event: `${e.type} ${e.quantity}` })
        await tx.finding.update({
          where: { id: f.id },
          data: {
            status: 'resolved',
            resolvedAt: now,
            updatedAt: now,
            note: `corrected by ${actor.label}: ${e.type} ${e.quantity}`,
          },
        })
      }
      const bySnapshot = new Map<string, number>()
      for (const f of done) bySnapshot.set(f.snapshotId!, (bySnapshot.get(f.snapshotId!) ?? 0) + 1)
      for (const [snapshotId, n] of bySnapshot)
        await tx.snapshot.update({ where: { id: snapshotId }, data: { corrected: { increment: n } } })
      if (done.length > 0)
        await recordAudit(tx, actor, {
          action: 'finding.correct',
          entity: 'Finding',
          entityId: done.length === 1 ? done[0].id : null,
          after: { corrections: result.corrected },
        })
      return prepared.skuCodes
    }),
  )
  emitStockChanged(skuCodes)
  emitRealtime([ROOMS.findings, ROOMS.dashboard], 'findings.changed', { kind: 'variance' })
  return result
}

type FindingRow = Awaited<ReturnType<PrismaClient['finding']['findMany']>>[number]

/** Why a finding cannot be corrected from its snapshot (null: it can). */
function notCorrectable(f: FindingRow): string | null {
  if (f.kind !== 'variance' || !f.snapshotId || !f.sku || !f.location || !f.field || f.variance === null)
    return 'not a snapshot variance'
  if (f.status !== 'open') return `already ${f.status}`
  if (f.variance === 0) return 'nothing to correct'
  return null
}

/** The event that brings a position to what the snapshot counted: a count for on hand (from the locked value), a movement for the rest. */
function correctionEvent(f: FindingRow, onHand: Map<string, number>, now: Date) {
  const v = f.variance!
  const base = {
    idempotencyKey: `snapshot:${f.snapshotId}:${f.sku}:${f.location}:${f.field}`,
    sku: f.sku!,
    location: f.location!,
    occurredAt: now.toISOString(),
    reference: `snapshot ${f.snapshotId}`,
  }
  switch (f.field) {
    case 'onHand':
      return { ...base, type: 'count', quantity: Math.max(0, (onHand.get(`${f.sku}|${f.location}`) ?? 0) + v) }
    case 'quarantined':
      return { ...base, type: v > 0 ? 'quarantine' : 'release', quantity: Math.abs(v) }
    case 'damaged':
      return { ...base, type: 'damage', quantity: v }
    default:
      return { ...base, type: v > 0 ? 'allocate' : 'deallocate', quantity: Math.abs(v) }
  }
}
