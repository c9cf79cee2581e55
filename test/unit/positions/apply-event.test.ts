import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  isStaleCount,
  positionExceptions,
  sellable,
  ZERO_POSITION,
  type EventType,
  type PositionState,
} from '../../../server/positions/apply-event'

const at = new Date('2026-11-22T10:00:00Z')
const pos = (p: Partial<PositionState>): PositionState => ({ ...ZERO_POSITION, ...p })
const ev = (type: EventType, quantity: number, extra: { occurredAt?: Date; sourceSeq?: bigint | null } = {}) => ({
  type,
  quantity,
  occurredAt: extra.occurredAt ?? at,
  sourceSeq: extra.sourceSeq ?? null,
})

describe('applyEvent: CONTRACT.md event table', () => {
  const cases: Array<[string, Partial<PositionState>, ReturnType<typeof ev>, Partial<PositionState>]> = [
    ['receipt adds on hand', { onHand: 5 }, ev('receipt', 40), { onHand: 45 }],
    ['negative adjustment removes on hand', { onHand: 5 }, ev('adjustment', -2), { onHand: 3 }],
    ['count sets on hand absolutely', { onHand: 5 }, ev('count', 12), { onHand: 12 }],
    ['count to zero', { onHand: 5 }, ev('count', 0), { onHand: 0 }],
    ['transfer_out removes on hand', { onHand: 10 }, ev('transfer_out', 4), { onHand: 6 }],
    [
      'transfer_in settles in transit first',
      { onHand: 1, inTransit: 5 },
      ev('transfer_in', 3),
      { onHand: 4, inTransit: 2 },
    ],
    [
      'transfer_in excess is a plain receipt',
      { onHand: 0, inTransit: 2 },
      ev('transfer_in', 5),
      { onHand: 5, inTransit: 0 },
    ],
    ['in_transit signed', { inTransit: 5 }, ev('in_transit', -2), { inTransit: 3 }],
    ['ship fulfils allocations first', { onHand: 10, allocated: 3 }, ev('ship', 5), { onHand: 5, allocated: 0 }],
    ['ship smaller than allocations', { onHand: 10, allocated: 8 }, ev('ship', 5), { onHand: 5, allocated: 3 }],
    ['return received is quarantined', { onHand: 2 }, ev('return_received', 3), { onHand: 5, quarantined: 3 }],
    ['quarantine', { onHand: 5 }, ev('quarantine', 2), { quarantined: 2 }],
    ['release', { onHand: 5, quarantined: 2 }, ev('release', 2), { quarantined: 0 }],
    ['damage signed', { onHand: 5, damaged: 1 }, ev('damage', -1), { damaged: 0 }],
    ['allocate', { onHand: 5 }, ev('allocate', 2), { allocated: 2 }],
    ['deallocate', { onHand: 5, allocated: 2 }, ev('deallocate', 2), { allocated: 0 }],
  ]
  it.each(cases)('%s', (_name, before, event, expected) => {
    const { next, outcome } = applyEvent(pos(before), event)
    expect(outcome).toBe('applied')
    expect(next).toMatchObject(expected)
  })

  it('never clamps: a ship beyond on hand goes negative and is an exception', () => {
    const { next } = applyEvent(pos({ onHand: 2 }), ev('ship', 5))
    expect(next.onHand).toBe(-3)
    expect(positionExceptions(next).map((x) => x.field)).toContain('onHand')
  })

  it('flags quarantined + damaged above on hand', () => {
    expect(positionExceptions({ ...ZERO_POSITION, onHand: 3, quarantined: 2, damaged: 2 }).map((x) => x.field)).toEqual(
      ['quarantined+damaged'],
    )
  })

  it('sellable subtracts every hold and floors at zero', () => {
    expect(sellable({ onHand: 20, quarantined: 2, damaged: 1, reserved: 3, allocated: 4, inTransit: 50 })).toBe(10)
    expect(sellable({ onHand: 1, quarantined: 2, damaged: 0, reserved: 0, allocated: 0, inTransit: 0 })).toBe(0)
  })
})

describe('stale counts', () => {
  const counted = pos({ onHand: 7, lastCountSeq: 100n, lastCountAt: at })
  it('a lower sourceSeq is older: recorded, does not move on hand', () => {
    const r = applyEvent(counted, ev('count', 99, { sourceSeq: 99n, occurredAt: new Date('2026-11-23T00:00:00Z') }))
    expect(r.outcome).toBe('stale')
    expect(r.next.onHand).toBe(7)
  })
  it('equal is not older', () => {
    const r = applyEvent(counted, ev('count', 3, { sourceSeq: 100n }))
    expect(r.outcome).toBe('applied')
    expect(r.next.onHand).toBe(3)
  })
  it('without sequences, an earlier occurredAt is older', () => {
    const p = pos({ onHand: 7, lastCountAt: at })
    expect(isStaleCount(p, { sourceSeq: null, occurredAt: new Date('2026-11-22T09:59:59Z') })).toBe(true)
    expect(isStaleCount(p, { sourceSeq: null, occurredAt: at })).toBe(false)
  })
  it('sequence wins over time when both counts have one', () => {
    expect(isStaleCount(counted, { sourceSeq: 101n, occurredAt: new Date('2020-01-01T00:00:00Z') })).toBe(false)
  })
  it('a delta is never reordered or made stale by its occurredAt', () => {
    const r = applyEvent(counted, ev('receipt', 5, { occurredAt: new Date('2000-01-01T00:00:00Z') }))
    expect(r.outcome).toBe('applied')
    expect(r.next.onHand).toBe(12)
  })
})
