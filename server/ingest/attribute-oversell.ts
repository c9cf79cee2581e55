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

export function attributeOversell(kind: 'channel_oversell' | 'shortage', l: ListingAtOrderTime | null, orderedAt: Date): { cause: OversellCause; detail: string } {
  if (!l) return { cause: kind === 'shortage' ? 'stock_moved' : 'manual_channel_edit', detail: 'the SKU is not listed on this channel in Stocktower' }
  const shown = l.applied ?? l.published
  if (l.driftOpen) return { cause: 'manual_channel_edit', detail: `the channel's quantity was changed outside Stocktower (open drift; we last applied ${l.applied ?? '?'})` }
  if (l.acceptedVersion > l.appliedVersion && l.published !== null && l.applied !== null && l.published < l.applied) {
    return { cause: 'accepted_not_applied', detail: `the channel accepted ${l.published} (version ${l.acceptedVersion}) but still showed ${l.applied}` }
  }
  if (l.desired !== null && shown !== null && l.desired < shown && l.desiredVersion > l.appliedVersion) {
    const waited = l.pendingSince ? Math.max(0, Math.round((orderedAt.getTime() - l.pendingSince.getTime()) / 1000)) : null
    return { cause: 'lag', detail: `we had decided ${l.desired} but the channel still showed ${shown}${waited !== null ? ` (waiting ${waited} s to apply)` : ''}` }
  }
  if (kind === 'shortage' && l.inputsChangedSinceDecision) return { cause: 'stock_moved', detail: 'stock moved after the last decision and before the channel could be told' }
  return {
    cause: 'rule',
    detail: l.sharedPoolWithoutBuffer
      ? `the channel showed what the rules gave it (${shown ?? '?'}) from a pool shared with other channels, with no in-flight buffer`
      : `the channel showed what the rules gave it (${shown ?? '?'}); safety stock did not cover concurrent demand`,
  }
}
