// Dashboard-room listings.changed emits are coalesced per process: a burst of batches reaches the
// hundreds of open dashboards as one event at once and one merged event per window after, while
// every SKU room still hears every batch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DASHBOARD_COALESCE_MS, emitListingsChanged, setRealtimeTransport } from '../../../server/realtime/publisher'

let sent: Array<{ rooms: string[]; event: string; payload: { skus: string[]; channels: string[] } }>
const toDashboard = () => sent.filter((m) => m.rooms.includes('dashboard'))

beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  setRealtimeTransport({
    emit: (rooms, event, payload) => {
      sent.push({ rooms, event, payload: payload as never })
    },
  })
})
afterEach(() => {
  vi.runAllTimers()
  vi.useRealTimers()
})

describe('dashboard emit coalescing', () => {
  it('sends the first of a burst at once and the rest merged at the end of the window', () => {
    emitListingsChanged(['A'], ['shopify'], ['channel:shopify'])
    expect(toDashboard()).toEqual([
      {
        rooms: ['dashboard', 'channel:shopify'],
        event: 'listings.changed',
        payload: { skus: ['A'], channels: ['shopify'] },
      },
    ])
    emitListingsChanged(['B'], ['amazon'], ['channel:amazon'])
    emitListingsChanged(['C', 'B'], ['shopify'])
    expect(toDashboard()).toHaveLength(1)
    // Every SKU room heard every batch without waiting.
    expect(sent.filter((m) => !m.rooms.includes('dashboard')).map((m) => m.rooms)).toEqual([
      ['sku:A'],
      ['sku:B'],
      ['sku:C', 'sku:B'],
    ])
    vi.advanceTimersByTime(DASHBOARD_COALESCE_MS)
    expect(toDashboard()).toHaveLength(2)
    expect(toDashboard()[1]).toEqual({
      rooms: ['dashboard', 'channel:amazon'],
      event: 'listings.changed',
      payload: { skus: ['B', 'C'], channels: ['amazon', 'shopify'] },
    })
  })

  it('sends at once again after a quiet window, and caps the SKU sample at 200', () => {
    vi.advanceTimersByTime(2 * DASHBOARD_COALESCE_MS)
    const many = Array.from({ length: 300 }, (_, i) => `S-${i}`)
    emitListingsChanged(many, ['walmart'])
    expect(toDashboard()).toHaveLength(1)
    expect(toDashboard()[0].payload.skus).toHaveLength(200)
    emitListingsChanged(many, ['walmart'])
    emitListingsChanged(['X'], ['walmart'])
    vi.advanceTimersByTime(DASHBOARD_COALESCE_MS)
    expect(toDashboard()).toHaveLength(2)
    expect(toDashboard()[1].payload.skus).toHaveLength(200)
    // Nothing more pending: the next window passes without an emit.
    vi.advanceTimersByTime(DASHBOARD_COALESCE_MS)
    expect(toDashboard()).toHaveLength(2)
  })
})
