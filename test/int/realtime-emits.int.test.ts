// Every way a dead letter or an oversell appears tells the open screens: HTTP ingest dead letters
// emit dead-letters.changed (the file inbox always did), an order that oversells emits kpis.changed.
import type { PrismaClient } from '@prisma/client'
import { beforeEach, describe, expect, it } from 'vitest'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { setRealtimeTransport } from '../../server/realtime/publisher'
import { makeLocation, makeSku, receipt, saveRules } from '../support/factories'
import { useTestDatabase } from './helpers/test-db'

let db: PrismaClient
let sent: Array<{ rooms: string[]; event: string; payload: unknown }> = []
useTestDatabase(async (created) => {
  db = created
  await saveRules(db)
  await makeLocation(db, 'DC-EAST')
  await makeSku(db, 'SKU-A')
  await db.channel.create({ data: { code: 'web', name: 'Web', kind: 'b2b', mode: 'live' } })
})
beforeEach(() => {
  sent = []
  setRealtimeTransport({
    emit: (rooms, event, payload) => {
      sent.push({ rooms, event, payload })
    },
  })
})

describe('realtime emits', () => {
  it('an HTTP ingest dead letter reaches the dead-letters room, a clean batch does not', async () => {
    await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp', events: [receipt('ok-1', 'SKU-A', 'DC-EAST', 1)] }),
    })
    expect(sent.filter((s) => s.event === 'dead-letters.changed')).toEqual([])
    await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp', events: [receipt('bad-1', 'NO-SUCH-SKU', 'DC-EAST', 1)] }),
    })
    expect(sent.filter((s) => s.event === 'dead-letters.changed')).toEqual([
      { rooms: ['dead-letters', 'dashboard'], event: 'dead-letters.changed', payload: { kind: 'ingest' } },
    ])
    await expect(ingestEvents(db, { body: '{not json' })).rejects.toThrow()
    expect(sent.filter((s) => s.event === 'dead-letters.changed')).toHaveLength(2)
  })

  it('an order the stock cannot fill emits kpis.changed for the oversell', async () => {
    const order = {
      orderId: 'o-1',
      status: 'created',
      occurredAt: new Date().toISOString(),
      lines: [{ lineId: '1', sku: 'SKU-A', quantity: 50 }],
    }
    const r = await ingestOrders(db, 'web', JSON.stringify({ orders: [order] }))
    expect(r.incidents).toBeGreaterThan(0)
    expect(sent.filter((s) => s.event === 'kpis.changed')).toEqual([
      { rooms: ['kpis', 'dashboard'], event: 'kpis.changed', payload: { reason: 'oversell' } },
    ])
  })
})
