// Allocation windows end (and start) on their own: when a rule version comes into force, a job is
// scheduled at each future window boundary; at that moment the SKUs the window covers are marked for
// recompute, so the campaign's units are fenced (or released) on time without anyone touching a SKU.
// Decisions read the window against their own decision time, so a recompute that runs late still
// decides with the window as it stands then.
import type { PrismaClient } from '@prisma/client'
import type { Db } from '../db'
import { transaction } from '../db'
import { recordAudit, SYSTEM_ACTOR } from '../audit/record-audit'
import { enqueue, enqueueRecompute } from '../queue/enqueue'
import { getCurrentRuleSet } from './rule-set.repository'
import type { AllocationWindow, RuleSet } from './rules.schema'
import { markScopeDirty } from '../availability/recompute-outbox'

export interface Boundary {
  at: Date
  windows: Array<{ channel: string; window: AllocationWindow; edge: 'from' | 'until' }>
}

/** Every window start or end later than `after`, in time order. */
export function allocationBoundaries(rules: RuleSet, after: Date): Boundary[] {
  const byTime = new Map<number, Boundary>()
  for (const [channel, c] of Object.entries(rules.channels)) {
    for (const window of c.allocations ?? []) {
      for (const edge of ['from', 'until'] as const) {
        const iso = window[edge]
        if (!iso) continue
        const t = Date.parse(iso)
        if (t <= after.getTime()) continue
        const b = byTime.get(t) ?? byTime.set(t, { at: new Date(t), windows: [] }).get(t)!
        b.windows.push({ channel, window, edge })
      }
    }
  }
  return [...byTime.values()].sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** One durable job per future boundary (keyed by the time, so versions sharing a boundary share the job). */
export async function scheduleAllocationBoundaries(tx: Db, rules: RuleSet, now: Date): Promise<Date[]> {
  const boundaries = allocationBoundaries(rules, now)
  for (const b of boundaries) {
    await enqueue(
      tx,
      'allocationBoundary',
      { at: b.at.toISOString() },
      { runAt: b.at, jobKey: `allocation-boundary:${b.at.toISOString()}` },
    )
  }
  return boundaries.map((b) => b.at)
}

/**
 * At a boundary: marks the SKUs of the windows that start or end then (every SKU for a window not
 * scoped to a SKU or category) for recompute under the rules in force, and audits it. A boundary no
 * longer in the rules in force (a later version dropped the window) does nothing.
 */
export async function applyAllocationBoundary(
  db: PrismaClient,
  at: Date,
  now = new Date(),
): Promise<{ skus: number; windows: string[] }> {
  return transaction(db, async (tx) => {
    const current = await getCurrentRuleSet(tx, now)
    const boundary = allocationBoundaries(current.rules, new Date(at.getTime() - 1)).find(
      (b) => b.at.getTime() === at.getTime(),
    )
    if (!boundary) return { skus: 0, windows: [] }
    const everySku = boundary.windows.some((w) => !w.window.sku && !w.window.category)
    const skus = [...new Set(boundary.windows.map((w) => w.window.sku).filter((x): x is string => !!x))]
    const categories = [...new Set(boundary.windows.map((w) => w.window.category).filter((x): x is string => !!x))]
    const marked = await markScopeDirty(tx, { everySku, skuCodes: skus, categories }, now)
    await enqueueRecompute(tx)
    const windows = boundary.windows.map(
      (w) => `${w.channel}: "${w.window.name}" ${w.edge === 'from' ? 'starts' : 'released'}`,
    )
    await recordAudit(tx, SYSTEM_ACTOR, {
      action: 'rules.allocation_boundary',
      entity: 'rule_set',
      entityId: current.id,
      after: { at: at.toISOString(), windows, skusMarked: marked },
    })
    return { skus: marked, windows }
  })
}
