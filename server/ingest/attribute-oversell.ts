// Why an oversell happened, from the listing's state at order time. Pure: the orders use case
// passes what it read under lock. Causes (issue: reconciliation and KPIs):
//  - lag: we had decided a lower quantity, but it had not reached the channel yet (our
//    event-to-applied lag for that listing at order time);
//  - accepted_not_applied: the channel accepted our update but never applied it;
//  - manual_channel_edit: someone changed the quantity on the channel (open drift finding);
//  - rule: the channel showed exactly what the rules gave it, and the rules offered units that were
//    not there (a shared pool without an in-flight buffer, no safety stock);
//  - stock_moved: for a shortage, the physical stock left after the last decision (ERP movements
//    not yet reflected in a published number).

export type OversellCause = 'lag' | 'accepted_not_applied' | 'manual_channel_edit' | 'rule' | 'stock_moved'

export interface ListingAtOrderTime {
  desired: number | null
  published: number | null
  applied: number | null
  desiredVersion: number
  publishedVersion: number
  acceptedVersion: number
  appliedVersion: number
  pendingSince: Date | null
  /** An open drift finding for this SKU on this channel. */
  driftOpen: boolean
  /** Rule facts: the channel shares the pool with others and has no in-flight buffer. */
  sharedPoolWithoutBuffer: boolean
  /** The SKU's inputs changed after the listing's last decision (marked dirty, not recomputed yet). */
  inputsChangedSinceDecision: boolean
}

export function attributeOversell(
  kind: 'channel_oversell' | 'shortage',
  l: ListingAtOrderTime | null,
  orderedAt: Date,
): { cause: OversellCause; detail: string } {
  if (!l)
    return {
      cause: kind === 'shortage' ? 'stock_moved' : 'manual_channel_edit',
      detail: 'the SKU is not listed on this channel in Stocktower',
    }
  const shown = l.applied ?? l.published
  if (l.driftOpen)
    return {
      cause: 'manual_channel_edit',
      detail: `the channel's quantity was changed outside Stocktower (open drift; we last applied ${l.applied ?? '?'})`,
    }
  if (l.acceptedVersion > l.appliedVersion && l.published !== null && l.applied !== null && l.published < l.applied) {
    return {
      cause: 'accepted_not_applied',
      detail: `the channel accepted ${l.published} (version ${l.acceptedVersion}) but still showed ${l.applied}`,
    }
  }
  if (l.desired !== null && shown !== null && l.desired < shown && l.desiredVersion > l.appliedVersion) {
    const waited = l.pendingSince
      ? Math.max(0, Math.round((orderedAt.getTime() - l.pendingSince.getTime()) / 1000))
      : null
    return {
      cause: 'lag',
      detail: `we had decided ${l.desired} but the channel still showed ${shown}${waited !== null ? ` (waiting ${waited} s to apply)` : ''}`,
    }
  }
  if (kind === 'shortage' && l.inputsChangedSinceDecision)
    return { cause: 'stock_moved', detail: 'stock moved after the last decision and before the channel could be told' }
  return {
    cause: 'rule',
    detail: l.sharedPoolWithoutBuffer
      ? `the channel showed what the rules gave it (${shown ?? '?'}) from a pool shared with other channels, with no in-flight buffer`
      : `the channel showed what the rules gave it (${shown ?? '?'}); safety stock did not cover concurrent demand`,
  }
}

/** An incident as the orders use case builds it, before it is stored. */
export interface LineIncident {
  kind: string
  sku: string
  orderId: string
  lineId: string
  ordered: number
  oversold: number
  revenue: number
  occurredAt: string
  cause: string
  details: object
}

/**
 * One incident per order line, counted once. A line can trip both checks (the channel sold beyond
 * what it was offered, and no location can cover it): those are the same missing units, so they
 * become one incident (the channel oversell, which says why the channel sold them, with the
 * shortage in its details) whose units and revenue are the larger of the two, never their sum.
 * A shortage with no unit short (the eligible pool covers the line, only not from one location: a
 * split shipment) is not an oversell and is not recorded as one.
 */
export function oneIncidentPerLine<T extends LineIncident>(incidents: T[]): T[] {
  const byLine = new Map<string, T[]>()
  for (const i of incidents) {
    if (i.oversold <= 0) continue
    const k = `${i.orderId}\u0000${i.lineId}`
    byLine.set(k, [...(byLine.get(k) ?? []), i])
  }
  return [...byLine.values()].map((group) => {
    if (group.length === 1) return group[0]
    const primary =
      group.find((i) => i.kind === 'channel_oversell') ?? group.reduce((a, b) => (b.oversold > a.oversold ? b : a))
    const others = group.filter((i) => i !== primary)
    return {
      ...primary,
      oversold: Math.max(...group.map((i) => i.oversold)),
      revenue: Math.max(...group.map((i) => i.revenue)),
      details: {
        ...primary.details,
        alsoDetected: others.map((o) => ({
          kind: o.kind,
          sku: o.sku,
          oversold: o.oversold,
          cause: o.cause,
          details: o.details,
        })),
      },
    }
  })
}

const CAUSE_SENTENCE: Record<string, string> = {
  lag: 'our lower number had not reached the channel yet when the order came in',
  accepted_not_applied: 'the channel accepted our lower number but never applied it',
  manual_channel_edit: 'the quantity on the channel had been changed outside Stocktower',
  rule: 'the rules offered units that other orders or channels took at the same time',
  stock_moved: 'the physical stock left after our last decision, before the channel could be told',
}

/**
 * The incident in one sentence a person understands: what was ordered, what the channel showed,
 * what was missing and why. Pure, from the stored incident.
 */
export function describeOversell(i: {
  kind: string
  channel: string
  sku: string
  orderedUnits: number
  oversoldUnits: number
  cause: string | null
  details: unknown
}): string {
  const d = (i.details ?? {}) as {
    published?: number | null
    reservedSincePublish?: number
    why?: string
    eligiblePoolSellable?: number
  }
  const units = (n: number) => `${n.toLocaleString('en-US')} unit${n === 1 ? '' : 's'}`
  const what =
    i.kind === 'channel_oversell'
      ? `${i.channel} sold ${units(i.orderedUnits)} of ${i.sku} while it had been offered ${d.published ?? '?'}${d.reservedSincePublish ? ` (${d.reservedSincePublish} of them already taken by earlier orders)` : ''}`
      : `${i.channel} sold ${units(i.orderedUnits)} of ${i.sku} but the locations it ships from had ${d.eligiblePoolSellable ?? '?'} sellable`
  const why = i.cause ? CAUSE_SENTENCE[i.cause] : undefined
  return `${what}, so ${units(i.oversoldUnits)} cannot be filled${why ? `: ${why}` : ''}${d.why ? ` (${d.why})` : ''}.`
}
