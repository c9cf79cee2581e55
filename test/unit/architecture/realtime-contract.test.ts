// The realtime contract is written once (server/realtime/contract.ts): rooms accept every SKU and
// channel code the catalogue accepts, and every event has one payload schema the browser checks.
import { describe, expect, it } from 'vitest'
import { EVENT_NAMES, EVENT_PAYLOADS, ROOMS, ROOM_PATTERN } from '../../../server/realtime/contract'
import { roomAction } from '../../../server/realtime/room-access'

describe('realtime contract', () => {
  it('names a room for every SKU code the catalogue accepts, and nothing else', () => {
    for (const code of ['SKU-00001', 'sku 12/α', 'A'.repeat(100), 'ÄÖ#1', 'x:y']) {
      expect(ROOM_PATTERN.test(ROOMS.sku(code)), code).toBe(true)
      expect(roomAction(ROOMS.sku(code))).toBe('inventory:view')
    }
    for (const room of ['', 'sku:', `sku:${'A'.repeat(101)}`, 'sku:a\nb', 'sku:\u0000', 'admin', 'channel:'])
      expect(ROOM_PATTERN.test(room), JSON.stringify(room)).toBe(false)
    expect(roomAction(ROOMS.channel('amazon-us'))).toBe('channels:view')
  })

  it('has one payload schema per event, which the payloads we emit satisfy', () => {
    expect(EVENT_NAMES.sort()).toEqual([
      'channel.updated',
      'dead-letters.changed',
      'findings.changed',
      'kpis.changed',
      'listings.changed',
      'stock.changed',
    ])
    expect(EVENT_PAYLOADS['kpis.changed'].safeParse({ reason: 'oversell' }).success).toBe(true)
    expect(EVENT_PAYLOADS['kpis.changed'].safeParse({}).success).toBe(false)
    expect(EVENT_PAYLOADS['dead-letters.changed'].safeParse({ kind: 'ingest' }).success).toBe(true)
  })
})
