// Source of truth per location as a pure decision: golden cases and the property that no event
// from a source other than the owner in force is ever applied.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  ownerFor,
  ownershipVerdict,
  strictestVerdict,
  type OwnershipRule,
} from '../../../server/ownership/partition-by-ownership'

const T = (iso: string) => new Date(iso)
const rule = (r: Partial<OwnershipRule> & { source: string }): OwnershipRule => ({
  locationId: 'L1',
  category: null,
  shadowSource: null,
  effectiveFrom: T('2026-01-01T00:00:00Z'),
  ...r,
})

describe('ownership golden cases', () => {
  const rules = [
    rule({ source: 'erp-old', shadowSource: 'erp-new' }),
    rule({ source: 'wms', category: 'frozen' }),
    rule({ source: 'erp-new', shadowSource: 'erp-old', effectiveFrom: T('2026-06-01T00:00:00Z') }),
  ]
  const at = T('2026-03-01T00:00:00Z')
  it('no owner set: any source applies', () => {
    expect(ownershipVerdict(rules, 'anyone', 'L2', null, at)).toEqual({ kind: 'apply' })
  })
  it('the owner applies, the shadow source is shadowed, anyone else is refused with the owner named', () => {
    expect(ownershipVerdict(rules, 'erp-old', 'L1', 'toys', at)).toEqual({ kind: 'apply' })
    expect(ownershipVerdict(rules, 'erp-new', 'L1', 'toys', at)).toEqual({ kind: 'shadow', owner: 'erp-old' })
    expect(ownershipVerdict(rules, 'wms', 'L1', 'toys', at)).toEqual({
      kind: 'refuse',
      owner: 'erp-old',
      since: T('2026-01-01T00:00:00Z'),
    })
  })
  it('a category owner wins over the location-wide owner for that category only', () => {
    expect(ownershipVerdict(rules, 'wms', 'L1', 'frozen', at)).toEqual({ kind: 'apply' })
    expect(ownershipVerdict(rules, 'erp-old', 'L1', 'frozen', at)).toMatchObject({ kind: 'refuse', owner: 'wms' })
  })
  it('a switch is effective at its time, not before', () => {
    expect(ownerFor(rules, 'L1', null, T('2026-05-31T23:59:59Z'))?.source).toBe('erp-old')
    expect(ownerFor(rules, 'L1', null, T('2026-06-01T00:00:00Z'))?.source).toBe('erp-new')
    expect(ownershipVerdict(rules, 'erp-old', 'L1', null, T('2026-06-02T00:00:00Z'))).toEqual({
      kind: 'shadow',
      owner: 'erp-new',
    })
  })
})

describe('events touching two locations (a transfer)', () => {
  const rules = [rule({ source: 'wms-3pl', shadowSource: 'wms-next', locationId: 'DEST' })]
  const at = T('2026-03-01T00:00:00Z')
  const transfer = (source: string) =>
    strictestVerdict([
      { ...ownershipVerdict(rules, source, 'ORIGIN', null, at), location: 'ORIGIN' },
      { ...ownershipVerdict(rules, source, 'DEST', null, at), location: 'DEST' },
    ])
  it('the strictest verdict wins and names the location that decided it', () => {
    expect(transfer('erp')).toMatchObject({ kind: 'refuse', owner: 'wms-3pl', location: 'DEST' })
    expect(transfer('wms-next')).toMatchObject({ kind: 'shadow', owner: 'wms-3pl', location: 'DEST' })
    expect(transfer('wms-3pl')).toEqual({ kind: 'apply' })
    expect(strictestVerdict([])).toEqual({ kind: 'apply' })
  })
  it('refusal at the origin wins over a shadow at the destination', () => {
    const both = [...rules, rule({ source: 'erp', locationId: 'ORIGIN' })]
    const v = strictestVerdict([
      { ...ownershipVerdict(both, 'wms-next', 'ORIGIN', null, at), location: 'ORIGIN' },
      { ...ownershipVerdict(both, 'wms-next', 'DEST', null, at), location: 'DEST' },
    ])
    expect(v).toMatchObject({ kind: 'refuse', owner: 'erp', location: 'ORIGIN' })
  })
})

describe('ownership properties', () => {
  const sources = ['erp-old', 'erp-new', 'wms', '3pl']
  const arbRule = fc
    .record({
      locationId: fc.constantFrom('L1', 'L2'),
      category: fc.option(fc.constantFrom('toys', 'frozen'), { nil: null }),
      source: fc.constantFrom(...sources),
      shadowSource: fc.option(fc.constantFrom(...sources), { nil: null }),
      effectiveFrom: fc.integer({ min: 0, max: 100 }).map((d) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000)),
    })
    .filter((r) => r.source !== r.shadowSource)
  const arbEvent = fc.record({
    source: fc.constantFrom(...sources),
    locationId: fc.constantFrom('L1', 'L2', 'L3'),
    category: fc.constantFrom('toys', 'frozen', 'misc'),
    day: fc.integer({ min: -5, max: 120 }),
  })

  it('a non-owner never moves stock: only the owner in force (or anyone where no owner is set) applies', () => {
    fc.assert(
      fc.property(
        fc.array(arbRule, { maxLength: 8 }),
        fc.array(arbEvent, { minLength: 1, maxLength: 20 }),
        (rules, events) => {
          for (const e of events) {
            const at = new Date(Date.UTC(2026, 0, 1) + e.day * 86_400_000)
            const v = ownershipVerdict(rules, e.source, e.locationId, e.category, at)
            const owner = ownerFor(rules, e.locationId, e.category, at)
            if (v.kind === 'apply') expect(owner === undefined || owner.source === e.source).toBe(true)
            else {
              expect(owner).toBeDefined()
              expect(owner!.source).not.toBe(e.source)
              if (v.kind === 'shadow') expect(owner!.shadowSource).toBe(e.source)
            }
            // The owner in force is always one whose effective time has passed, for this location and scope.
            if (owner) {
              expect(owner.effectiveFrom.getTime()).toBeLessThanOrEqual(at.getTime())
              expect(owner.locationId).toBe(e.locationId)
              expect(owner.category === null || owner.category === e.category).toBe(true)
            }
          }
        },
      ),
      { numRuns: 400 },
    )
  })
})
