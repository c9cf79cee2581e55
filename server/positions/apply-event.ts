// The position arithmetic of the event table (docs/api.md "Inventory events"), as a pure function. Nothing is clamped:
// results below zero are applied as computed and reported as exceptions for an operator.

export const EVENT_TYPES = [
  'receipt',
  'adjustment',
  'count',
  'transfer_out',
  'transfer_in',
  'in_transit',
  'ship',
  'return_received',
  'quarantine',
  'release',
  'damage',
  'allocate',
  'deallocate',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface PositionQuantities {
  onHand: number
  reserved: number
  allocated: number
  inTransit: number
  quarantined: number
  damaged: number
}

export interface PositionState extends PositionQuantities {
  lastCountSeq: bigint | null
  lastCountAt: Date | null
}

export interface PositionEvent {
  type: EventType
  /** Base units; signed where the type allows it. */
  quantity: number
  occurredAt: Date
  sourceSeq: bigint | null
}

export type ApplyOutcome = 'applied' | 'stale'

const NO_QUANTITIES: PositionQuantities = {
  onHand: 0,
  reserved: 0,
  allocated: 0,
  inTransit: 0,
  quarantined: 0,
  damaged: 0,
}

/** The six quantities of a position row (all 0 where there is none). */
export function quantitiesOf(p: PositionQuantities | null | undefined): PositionQuantities {
  const { onHand, reserved, allocated, inTransit, quarantined, damaged } = p ?? NO_QUANTITIES
  return { onHand, reserved, allocated, inTransit, quarantined, damaged }
}

export const ZERO_POSITION: PositionState = { ...NO_QUANTITIES, lastCountSeq: null, lastCountAt: null }

export function sellable(p: PositionQuantities): number {
  return Math.max(0, p.onHand - p.quarantined - p.damaged - p.reserved - p.allocated)
}

/**
 * A count is older than the last applied count when its sourceSeq is lower (both have one),
 * else when its occurredAt is earlier. Equal is not older.
 */
export function isStaleCount(
  p: Pick<PositionState, 'lastCountSeq' | 'lastCountAt'>,
  e: Pick<PositionEvent, 'sourceSeq' | 'occurredAt'>,
): boolean {
  if (p.lastCountSeq !== null && e.sourceSeq !== null) return e.sourceSeq < p.lastCountSeq
  if (p.lastCountAt !== null) return e.occurredAt.getTime() < p.lastCountAt.getTime()
  return false
}

/**
 * Applies one event to one position. A transfer_out's in-transit increase at its destination is a
 * separate position: the caller applies it with `applyInTransitArrival`-free plain arithmetic
 * (`inTransit += q` there).
 */
export function applyEvent(p: PositionState, e: PositionEvent): { next: PositionState; outcome: ApplyOutcome } {
  const q = e.quantity
  const n: PositionState = { ...p }
  switch (e.type) {
    case 'receipt':
    case 'adjustment':
      n.onHand += q
      break
    case 'count':
      if (isStaleCount(p, e)) return { next: p, outcome: 'stale' }
      n.onHand = q
      // The last APPLIED count is the reference: its sequence (or none) and its time.
      n.lastCountSeq = e.sourceSeq
      n.lastCountAt = e.occurredAt
      break
    case 'transfer_out':
      n.onHand -= q
      break
    case 'transfer_in':
      // An arrival settles what was in transit; the excess is a plain receipt.
      n.onHand += q
      n.inTransit -= Math.min(q, Math.max(0, p.inTransit))
      break
    case 'in_transit':
      n.inTransit += q
      break
    case 'ship':
      // A shipment fulfils the location's allocations first.
      n.onHand -= q
      n.allocated -= Math.min(q, Math.max(0, p.allocated))
      break
    case 'return_received':
      n.onHand += q
      n.quarantined += q
      break
    case 'quarantine':
      n.quarantined += q
      break
    case 'release':
      n.quarantined -= q
      break
    case 'damage':
      n.damaged += q
      break
    case 'allocate':
      n.allocated += q
      break
    case 'deallocate':
      n.allocated -= q
      break
  }
  return { next: n, outcome: 'applied' }
}

/** What an operator must see about a position after an event (never silently clamped). */
export function positionExceptions(p: PositionQuantities): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = []
  if (p.onHand < 0) out.push({ field: 'onHand', message: `on hand is negative (${p.onHand})` })
  if (p.quarantined < 0) out.push({ field: 'quarantined', message: `quarantined is negative (${p.quarantined})` })
  if (p.damaged < 0) out.push({ field: 'damaged', message: `damaged is negative (${p.damaged})` })
  if (p.allocated < 0) out.push({ field: 'allocated', message: `allocated is negative (${p.allocated})` })
  if (p.reserved < 0) out.push({ field: 'reserved', message: `reserved is negative (${p.reserved})` })
  if (p.inTransit < 0) out.push({ field: 'inTransit', message: `in transit is negative (${p.inTransit})` })
  if (p.quarantined + p.damaged > p.onHand && p.onHand >= 0) {
    out.push({
      field: 'quarantined+damaged',
      message: `quarantined + damaged (${p.quarantined + p.damaged}) exceed on hand (${p.onHand})`,
    })
  }
  return out
}
