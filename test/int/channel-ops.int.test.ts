// Operators pause and resume a channel: while paused nothing is sent but desired quantities keep
// updating; on resume only the newest quantity of each listing goes out. Shadow mode never writes
// and previews what going live would change. Every switch is audited; the ops view reports it.
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { publishChannel } from '../../server/publishing/publish-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getChannelOps } from '../../server/channels/channel-ops'
import { setChannelMode } from '../../server/channels/set-channel-mode'
import { setChannelStatus } from '../../server/channels/set-channel-status'
import type { Connector, ListingUpdate } from '../../server/channels/connector'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
let channelId: string
const analyst: Actor = { kind: 'user', id: null, label: 'analyst@example.com' }
const sent: ListingUpdate[] = []
const connector: Connector = {
  kind: 'walmart',
  maxBatchSize: 1,
  readBatchSize: 1,
  async pushQuantities(updates) {
    sent.push(...updates)
    return {
      latencyMs: 1,
      httpStatus: 200,
      outcomes: updates.map((u) => ({
        listingId: u.listingId,
        outcome: 'applied' as const,
        appliedQuantity: u.quantity,
      })),
    }
  },
  async readQuantities() {
    return []
  },
}
const drain = async () => {
  for (;;) {
    const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
    if (r.processed === 0) break
  }
}
const publish = () => publishChannel(db, channelId, { connectorFor: () => connector })
const receipt = async (qty: number) => {
  const r = await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp-demo',
      events: [
        {
          idempotencyKey: `ops-${crypto.randomUUID()}`,
          type: 'receipt',
          sku: 'SKU-00002',
          location: 'DC-EAST',
          quantity: qty,
          occurredAt: new Date().toISOString(),
        },
      ],
    }),
  })
  expect(r.accepted).toBe(1)
  await drain()
}
const listing = () => db.channelListing.findFirstOrThrow({ where: { channelId, sku: { code: 'SKU-00002' } } })

useTestDatabase(
  async (created) => {
    db = created
    await drain()
    channelId = (await db.channel.findUniqueOrThrow({ where: { code: 'walmart' } })).id
    await db.channel.update({
      where: { id: channelId },
      data: { mode: 'live', rateTokens: 1000, rateBurst: 1000, ratePerSecond: 1000 },
    })
    await publish()
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

describe('pause and resume', () => {
  it('a paused channel sends nothing while desired quantities move; resume sends only the newest', async () => {
    await expect(setChannelStatus(db, analyst, 'walmart', 'paused', '')).rejects.toThrow(/why/)
    await setChannelStatus(db, analyst, 'walmart', 'paused', 'marketplace maintenance window')
    await expect(setChannelStatus(db, analyst, 'walmart', 'paused', 'again')).rejects.toThrow(/already paused/)
    sent.length = 0
    const v0 = (await listing()).desiredVersion
    await receipt(5)
    await receipt(7)
    const l = await listing()
    expect(l.desiredVersion).toBe(v0 + 2)
    expect(await publish()).toMatchObject({ skipped: 'paused' })
    expect(sent).toHaveLength(0)

    const view = await getChannelOps(db, 'walmart')
    expect(view.channel.status).toBe('paused')
    expect(view.listings.pending).toBeGreaterThanOrEqual(1)

    await setChannelStatus(db, analyst, 'walmart', 'active', 'maintenance over')
    await publish()
    const forSku = sent.filter((u) => u.listingId === l.id)
    expect(forSku).toHaveLength(1)
    expect(forSku[0].quantity).toBe(l.desiredQuantity)
    expect((await listing()).appliedQuantity).toBe(l.desiredQuantity)

    const audit = await db.auditLog.findMany({
      where: { entity: 'channel', entityId: 'walmart' },
      orderBy: { id: 'asc' },
    })
    expect(audit.map((a) => a.action)).toEqual(['channel.pause', 'channel.resume'])
    expect(audit[0].after).toMatchObject({ status: 'paused', reason: 'marketplace maintenance window' })
  })

  it('shadow mode never writes and previews what going live would change', async () => {
    await setChannelMode(db, analyst, 'walmart', 'shadow', 'dry run after config change')
    sent.length = 0
    await receipt(4)
    expect(await publish()).toMatchObject({ skipped: 'shadow mode' })
    expect(sent).toHaveLength(0)
    const view = await getChannelOps(db, 'walmart')
    expect(view.shadowPreview).not.toBeNull()
    expect(view.shadowPreview!.up).toBeGreaterThanOrEqual(1)
    expect(view.shadowPreview!.listings).toBe(view.listings.total)
    await setChannelMode(db, analyst, 'walmart', 'live', 'preview checked')
    await publish()
    expect(sent.some((u) => u.externalSku.endsWith('SKU-00002'))).toBe(true)
    expect((await getChannelOps(db, 'walmart')).shadowPreview).toBeNull()
  })

  it('reports budget use per minute and recent attempts with their outcome', async () => {
    const view = await getChannelOps(db, 'walmart')
    expect(view.budget.length).toBeGreaterThanOrEqual(59)
    expect(view.budget.reduce((s, b) => s + b.requests, 0)).toBeGreaterThan(0)
    expect(view.attempts[0]).toMatchObject({ outcome: 'applied' })
    expect(view.outcomes.applied).toBeGreaterThan(0)
  })
})
