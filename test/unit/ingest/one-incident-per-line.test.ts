import { describe, expect, it } from 'vitest'
import { describeOversell, oneIncidentPerLine, type LineIncident } from '../../../server/ingest/attribute-oversell'

const inc = (over: Partial<LineIncident>): LineIncident => ({
  kind: 'shortage',
  sku: 'S',
  orderId: 'O',
  lineId: '1',
  ordered: 5,
  oversold: 2,
  revenue: 200,
  occurredAt: '2026-12-01T00:00:00Z',
  cause: 'rule',
  details: {},
  ...over,
})

describe('oneIncidentPerLine', () => {
  it('merges a channel oversell and a shortage of the same line into one, counted once', () => {
    const out = oneIncidentPerLine([
      inc({ kind: 'channel_oversell', oversold: 2, revenue: 200 }),
      inc({ kind: 'shortage', oversold: 3, revenue: 300 }),
    ])
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({ kind: 'channel_oversell', oversold: 3, revenue: 300 })
    expect((out[0].details as { alsoDetected: unknown[] }).alsoDetected).toHaveLength(1)
  })
  it('drops a shortage with nothing short', () => {
    expect(oneIncidentPerLine([inc({ oversold: 0, revenue: 0 })])).toEqual([])
  })
  it('keeps different lines and orders apart', () => {
    expect(
      oneIncidentPerLine([inc({ lineId: '1' }), inc({ lineId: '2' }), inc({ orderId: 'P', lineId: '1' })]),
    ).toHaveLength(3)
  })
})

describe('describeOversell', () => {
  it('says what was ordered, offered, missing and why', () => {
    expect(
      describeOversell({
        kind: 'channel_oversell',
        channel: 'walmart',
        sku: 'SKU-1',
        orderedUnits: 5,
        oversoldUnits: 2,
        cause: 'lag',
        details: { published: 3, why: 'we had decided 0 but the channel still showed 3' },
      }),
    ).toBe(
      'walmart sold 5 units of SKU-1 while it had been offered 3, so 2 units cannot be filled: our lower number had not reached the channel yet when the order came in (we had decided 0 but the channel still showed 3).',
    )
    expect(
      describeOversell({
        kind: 'shortage',
        channel: 'amazon',
        sku: 'SKU-2',
        orderedUnits: 1,
        oversoldUnits: 1,
        cause: null,
        details: { eligiblePoolSellable: 0 },
      }),
    ).toBe('amazon sold 1 unit of SKU-2 but the locations it ships from had 0 sellable, so 1 unit cannot be filled.')
  })
})
