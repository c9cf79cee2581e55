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
  })
})
