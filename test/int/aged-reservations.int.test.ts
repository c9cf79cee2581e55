// A channel order nobody ships or cancels keeps units reserved; past the window it is flagged for an
// operator (once), never released silently, and the flag resolves when the order moves on.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { flagAgedReservations } from '../../server/reconciliation/flag-aged-reservations'

let db: PrismaClient
const HOUR = 3_600_000

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 20 } },
)

const order = (status: string) =>
  JSON.stringify({
    orders: [
      {
        orderId: 'AMZ-OLD-1',
        status,
        occurredAt: new Date().toISOString(),
        lines: [{ lineId: '1', sku: 'SKU-00009', quantity: 2 }],
      },
    ],
  })

describe('aged reservations', () => {
  it('flags an order held past the window once, respects a channel override, and resolves when it ships', async () => {
    expect((await ingestOrders(db, 'amazon', order('created'))).accepted).toBe(1)
    const now = Date.now()
    expect(await flagAgedReservations(db, { defaultMaxAgeHours: 72, now: new Date(now + 71 * HOUR) })).toEqual({
      opened: 0,
      resolved: 0,
    })
    expect(await flagAgedReservations(db, { defaultMaxAgeHours: 72, now: new Date(now + 73 * HOUR) })).toEqual({
      opened: 1,
      resolved: 0,
    })
    expect(await flagAgedReservations(db, { defaultMaxAgeHours: 72, now: new Date(now + 80 * HOUR) })).toEqual({
      opened: 0,
      resolved: 0,
    })
    const [f] = await db.finding.findMany({ where: { kind: 'aged_reservation' } })
    expect(f).toMatchObject({ sku: 'SKU-00009', channel: 'amazon', status: 'open' })
    expect(f.cause).toMatch(/Order AMZ-OLD-1 line 1 has held 2 unit\(s\) for 73 h \(window 72 h\)/)
    // Still reserved: nothing was released behind the operator's back.
    expect(await db.reservation.count({ where: { orderId: 'AMZ-OLD-1', status: 'open', quantity: 2 } })).toBe(1)

    expect((await ingestOrders(db, 'amazon', order('shipped'))).accepted).toBe(1)
    expect(await flagAgedReservations(db, { defaultMaxAgeHours: 72, now: new Date(now + 81 * HOUR) })).toEqual({
      opened: 0,
      resolved: 1,
    })
    expect((await db.finding.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('resolved')
  })

  it('uses a channel setting over the default window', async () => {
    const ch = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    await db.channel.update({
      where: { id: ch.id },
      data: { settings: { ...(ch.settings as object), reservationMaxAgeHours: 2 } },
    })
    await ingestOrders(
      db,
      'shopify',
      JSON.stringify({
        orders: [
          {
            orderId: 'SH-9',
            status: 'created',
            occurredAt: new Date().toISOString(),
            lines: [{ lineId: '1', sku: 'SKU-00010', quantity: 1 }],
          },
        ],
      }),
    )
    const r = await flagAgedReservations(db, { defaultMaxAgeHours: 72, now: new Date(Date.now() + 3 * HOUR) })
    expect(r.opened).toBe(1)
    expect(await db.finding.count({ where: { kind: 'aged_reservation', channel: 'shopify', status: 'open' } })).toBe(1)
  })
})
