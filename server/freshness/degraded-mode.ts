// Degraded mode as the rest of the product reads it: the conditions stale now, worded once, for the
// calculation's explanation (`loadDegradedConditions`) and for the banner (`getDegradedMode`).
// `check-feed-freshness.ts` decides when a condition starts and ends; this module only reads.
import type { Db, RawSql } from '../db'
import { getCurrentRuleSet } from '../rules/rule-set.repository'
import type { DegradedCondition } from '../availability/compute-availability'

/** A degraded condition in words: the feed (source at a location) or the channel it names. */
export const describeDegraded = (e: {
  kind: string
  source: string | null
  location: string | null
  channel: string | null
}) =>
  e.kind === 'feed'
    ? `feed ${e.source}${e.location ? ` at ${e.location}` : ''}`
    : e.kind === 'snapshot'
      ? `snapshot feed ${e.source}${e.location ? ` at ${e.location}` : ''}`
      : e.kind === 'intake'
        ? `orders intake of channel ${e.channel}`
        : `channel ${e.channel}`

/** What the calculation needs: the conditions degraded now, as the explanation will name them. */
export async function loadDegradedConditions(tx: RawSql): Promise<DegradedCondition[]> {
  const rows = await tx.$queryRawUnsafe<
    Array<{ kind: string; source: string | null; location: string | null; channel: string | null; staleSince: Date }>
  >(
    `SELECT kind, source, location, channel, "staleSince" FROM "DegradedState" WHERE "staleSince" IS NOT NULL ORDER BY key`,
  )
  return rows.map((r) =>
    r.kind === 'channel' || r.kind === 'intake'
      ? {
          kind: 'channel' as const,
          channel: r.channel!,
          what:
            r.kind === 'intake'
              ? `channel ${r.channel} blind: its orders intake stopped at ${new Date(r.staleSince).toISOString()}`
              : `channel ${r.channel} blind: breaker open since ${new Date(r.staleSince).toISOString()}`,
        }
      : {
          kind: 'feed' as const,
          ...(r.location ? { locations: [r.location] } : {}),
          what: `${describeDegraded(r)} ${r.kind === 'snapshot' ? 'sent no snapshot' : 'silent'}, stale since ${new Date(r.staleSince).toISOString()}`,
        },
  )
}

export interface DegradedView {
  conditions: Array<{ key: string; kind: string; what: string; lastSeenAt: string | null; staleSince: string }>
  policies: Array<{ channel: string; policy: string }>
}

/** The banner's read model: what is degraded now and what each channel does about it. */
export async function getDegradedMode(db: Db, now = new Date()): Promise<DegradedView> {
  const rows = await db.degradedState.findMany({ where: { staleSince: { not: null } }, orderBy: { key: 'asc' } })
  if (rows.length === 0) return { conditions: [], policies: [] }
  const rules = (await getCurrentRuleSet(db, now).catch(() => null))?.rules
  const policies = Object.entries(rules?.channels ?? {}).map(([channel, c]) => {
    const p = c.degraded
    return {
      channel,
      policy:
        !p || p.mode === 'keep'
          ? 'keep'
          : p.mode === 'reduce'
            ? `reduce ${p.percent}%`
            : p.mode === 'cap'
              ? `cap ${p.units}`
              : `zero below ${p.days} days of cover`,
    }
  })
  return {
    conditions: rows.map((r) => ({
      key: r.key,
      kind: r.kind,
      what: describeDegraded(r),
      lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
      staleSince: r.staleSince!.toISOString(),
    })),
    policies,
  }
}
