// An accepted update the channel still does not show after its SLA becomes one `unverified`
// finding. In a live demo every such insert failed with 42P18 ("could not determine data type of
// parameter $1": the statement bound a parameter it never used), so the verify-channel job failed
// and the finding was never recorded. Real PostgreSQL; only the marketplace's read-back is faked.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeSku } from '../support/factories'
import { verifyChannel } from '../../server/publishing/verify-channel'
import type { Connector } from '../../server/channels/connector'

let db: PrismaClient
useTestDatabase((created) => {
  db = created
})

describe('verify-channel past the SLA', () => {
  it('records one unverified finding per listing the channel never applied', async () => {
    const channel = await makeChannel(db, 'shopify-verify', { kind: 'shopify', settings: { verifySlaSeconds: 60 } })
    const acceptedAt = new Date('2026-12-01T10:00:00Z')
    const listings = []
    for (const code of ['V-1', 'V-2', 'V-3']) {
      const sku = await makeSku(db, code)
      const l = await makeListing(db, channel.id, sku.id, `EXT-${code}`)
      await db.channelListing.update({
        where: { id: l.id },
        data: {
          desiredQuantity: 7,
          desiredVersion: 2,
          publishedQuantity: 7,
          publishedVersion: 2,
          acceptedVersion: 2,
          acceptedAt,
          appliedVersion: 1,
          appliedQuantity: 3,
        },
      })
      listings.push(l)
    }
    // The channel shows 3 for V-1, nothing at all for V-2 (actual unknown), and the new 7 for V-3.
    const shown: Record<string, number | null> = { 'EXT-V-1': 3, 'EXT-V-2': null, 'EXT-V-3': 7 }
    const connector = {
      readBatchSize: 100,
      readQuantities: async (ls: Array<{ listingId: string; externalSku: string }>) =>
        ls.flatMap((l) =>
          shown[l.externalSku] == null
            ? []
            : [{ listingId: l.listingId, externalSku: l.externalSku, quantity: shown[l.externalSku]! }],
        ),
    } as unknown as Connector
    const now = new Date(acceptedAt.getTime() + 61_000)
    const r = await verifyChannel(db, channel.id, { connectorFor: () => connector, now: () => now })
    expect(r).toMatchObject({ checked: 3, applied: 1, unverified: 2, stillPending: 0 })
    const findings = await db.finding.findMany({ where: { kind: 'unverified' }, orderBy: { sku: 'asc' } })
    expect(
      findings.map((f) => ({
        sku: f.sku,
        channel: f.channel,
        expected: f.expected,
        actual: f.actual,
        variance: f.variance,
        status: f.status,
      })),
    ).toEqual([
      { sku: 'V-1', channel: 'shopify-verify', expected: 7, actual: 3, variance: 4, status: 'open' },
      { sku: 'V-2', channel: 'shopify-verify', expected: 7, actual: null, variance: null, status: 'open' },
    ])
    // Not raised twice while open.
    expect(await verifyChannel(db, channel.id, { connectorFor: () => connector, now: () => now })).toMatchObject({
      checked: 0,
    })
    expect(await db.finding.count({ where: { kind: 'unverified' } })).toBe(2)

    // A newer version of V-1 is still verified (an open finding about version 2 does not stop it),
    // and its read-back resolves that finding.
    await db.channelListing.update({
      where: { id: listings[0].id },
      data: {
        desiredQuantity: 9,
        desiredVersion: 3,
        publishedQuantity: 9,
        publishedVersion: 3,
        acceptedVersion: 3,
        acceptedAt: now,
      },
    })
    shown['EXT-V-1'] = 9
    const later = new Date(now.getTime() + 5_000)
    expect(await verifyChannel(db, channel.id, { connectorFor: () => connector, now: () => later })).toMatchObject({
      checked: 1,
      applied: 1,
    })
    expect((await db.finding.findFirstOrThrow({ where: { kind: 'unverified', sku: 'V-1' } })).status).toBe('resolved')
  })

  it('a number orders may still explain (a sale or a cancellation on its way) waits for the order grace past the SLA; the old number does not', async () => {
    const channel = await makeChannel(db, 'walmart-verify', {
      kind: 'walmart',
      settings: { verifySlaSeconds: 60, orderGraceSeconds: 300 },
    })
    const acceptedAt = new Date('2026-12-01T11:00:00Z')
    const shown: Record<string, number> = {}
    for (const [code, quantity] of [
      ['G-1', 6],
      ['G-2', 3],
      ['G-3', 9],
    ] as const) {
      const sku = await makeSku(db, code)
      const l = await makeListing(db, channel.id, sku.id, `EXT-${code}`)
      await db.channelListing.update({
        where: { id: l.id },
        data: {
          desiredQuantity: 7,
          desiredVersion: 2,
          publishedQuantity: 7,
          publishedVersion: 2,
          acceptedVersion: 2,
          acceptedAt,
          appliedVersion: 1,
          appliedQuantity: 3,
        },
      })
      shown[`EXT-${code}`] = quantity
    }
    const connector = {
      readBatchSize: 100,
      readQuantities: async (ls: Array<{ listingId: string; externalSku: string }>) =>
        ls.map((l) => ({ listingId: l.listingId, externalSku: l.externalSku, quantity: shown[l.externalSku]! })),
    } as unknown as Connector
    // 61 s after: G-1 shows one unit fewer than we sent (a sale on its way?), G-3 two more (applied,
    // then a buyer cancelled an order not received yet?); G-2 the number it had before.
    const now = new Date(acceptedAt.getTime() + 61_000)
    expect(await verifyChannel(db, channel.id, { connectorFor: () => connector, now: () => now })).toMatchObject({
      checked: 3,
      unverified: 1,
      stillPending: 2,
    })
    expect(
      (await db.finding.findMany({ where: { kind: 'unverified', channel: 'walmart-verify' } })).map((f) => f.sku),
    ).toEqual(['G-2'])
    // Past the SLA and the grace, no order came: unverified.
    const afterGrace = new Date(acceptedAt.getTime() + 61_000 + 300_000)
    expect(await verifyChannel(db, channel.id, { connectorFor: () => connector, now: () => afterGrace })).toMatchObject(
      { unverified: 2 },
    )
  })
})
