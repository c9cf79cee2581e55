// Channel reconciliation against the real simulators over HTTP, each drift cause produced the way
// a marketplace produces it: a merchant edit (flagged), a lost update and an update accepted but
// never applied (republished until they heal), another channel's number (flagged), and our own
// update on its way (nothing to do); a matching read-back resolves the finding.
import crypto from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeAll } from './helpers/availability'
import { publishPerListing, seedDemoOnSimulators, settleOnSimulators } from './helpers/simulated-demo'
import type { RunningSimulators } from '../../simulators'
import { publishChannel } from '../../server/publishing/publish-channel'
import { connectorForChannel } from '../../server/channels/connector-for-channel'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { reconcileChannel } from '../../server/reconciliation/channel-drift'
import { classifyDrift } from '../../server/reconciliation/classify-drift'
import { actOnFinding } from '../../server/reconciliation/act-on-finding'

let db: PrismaClient
let sims: RunningSimulators
const SKUS = 12
const deps = { connectorFor: connectorForChannel }

const settle = () => settleOnSimulators(db, sims)
/** Past any channel's order grace (at most 15 minutes). */
const graceLater = () => new Date(Date.now() + 16 * 60_000)

useTestDatabase(async (created) => {
  db = created
  sims = await seedDemoOnSimulators(db, { skuCount: SKUS, seed: 11 })
  await publishPerListing(db)
  await db.$executeRawUnsafe(`DELETE FROM "KitComponent"`) // keep the slice to plain SKUs
  await settle()
})
afterAll(async () => {
  await sims?.close()
})

const listing = (channel: string, sku: string) =>
  db.channelListing.findFirstOrThrow({ where: { channel: { code: channel }, sku: { code: sku } } })

describe('classifyDrift', () => {
  const base = {
    applied: 10,
    published: 10,
    desiredVersion: 3,
    publishedVersion: 3,
    acceptedVersion: 3,
    appliedVersion: 3,
    inFlight: false,
    earlierSent: [7],
    otherChannelsApplied: [4],
  }
  it('names each cause', () => {
    expect(classifyDrift(10, base)).toBeNull()
    expect(classifyDrift(12, { ...base, inFlight: true })).toBe('own_pending')
    expect(classifyDrift(8, { ...base, desiredVersion: 4, publishedVersion: 4, published: 8 })).toBe('own_pending')
    // Accepted and not applied: verification's to follow within its SLA, accepted-not-applied after.
    expect(classifyDrift(10 + 1, { ...base, acceptedVersion: 4, publishedVersion: 4 })).toBe('own_pending')
    expect(classifyDrift(10 + 1, { ...base, acceptedVersion: 4, publishedVersion: 4, acceptedStale: true })).toBe(
      'accepted_not_applied',
    )
    expect(classifyDrift(7, base)).toBe('lost_update')
    expect(classifyDrift(4, base)).toBe('shared_quantity_overwrite')
    expect(classifyDrift(99, base)).toBe('merchant_edit')
    const acceptedOld = { ...base, desiredVersion: 4, publishedVersion: 4, acceptedVersion: 4, published: 12 }
    expect(classifyDrift(10, acceptedOld)).toBeNull()
    expect(classifyDrift(10, { ...acceptedOld, acceptedStale: true })).toBe('accepted_not_applied')
  })
})

describe('reconcileChannel', () => {
  it('flags a merchant edit on Shopify once the order grace has passed, and resolves it when the channel matches again', async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const l = await listing('shopify', 'SKU-00002')
    sims.sims.shopify.manualEdit({
      sku: l.externalSku,
      inventoryItemId: l.externalId,
      quantity: (l.appliedQuantity ?? 0) + 37,
    })
    // Within the grace, more units may be a cancellation on its way: no finding yet.
    const waiting = await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
    expect(waiting, JSON.stringify(waiting)).toMatchObject({ drift: { orders_in_flight: 1 } })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
    const r = await reconcileChannel(db, shopify.id, { ...deps, batch: 100, now: graceLater })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { merchant_edit: 1 } })
    const f = await db.finding.findFirstOrThrow({ where: { kind: 'drift', dedupeKey: `drift:${l.id}` } })
    expect(f).toMatchObject({
      status: 'open',
      sku: 'SKU-00002',
      channel: 'shopify',
      expected: l.appliedQuantity,
      actual: (l.appliedQuantity ?? 0) + 37,
    })
    expect(f.cause).toMatch(/changed on the channel; needs a person/)
    // Reconciling again keeps one finding.
    await reconcileChannel(db, shopify.id, { ...deps, batch: 100, now: graceLater })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(1)
    // The merchant undoes it: the next read-back resolves the finding.
    sims.sims.shopify.manualEdit({
      sku: l.externalSku,
      inventoryItemId: l.externalId,
      quantity: l.appliedQuantity ?? 0,
    })
    const again = await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
    expect(again.resolved).toBe(1)
    expect((await db.finding.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('resolved')
  })

  it('republishes a lost update under the policy and heals (a lower number once the order grace has passed)', async () => {
    const walmart = await db.channel.findUniqueOrThrow({ where: { code: 'walmart' } })
    const before = await listing('walmart', 'SKU-00003')
    // A second version reaches Walmart, then the channel reverts to the first quantity we sent.
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'drift-r1',
            type: 'receipt',
            sku: 'SKU-00003',
            location: 'DC-EAST',
            quantity: 20,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    await settle()
    const after = await listing('walmart', 'SKU-00003')
    expect(after.appliedQuantity).not.toBe(before.appliedQuantity)
    sims.sims.walmart.manualEdit({ sku: after.externalSku, quantity: before.appliedQuantity! })
    // A full read budget (publishing just drained it), and start the slice at this listing.
    await db.channel.update({ where: { id: walmart.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
    await db.systemState.deleteMany({ where: { key: `reconcile-cursor:${walmart.id}` } })
    // Fewer units than we applied: orders Walmart took may explain it until the order grace ends.
    const first = await reconcileChannel(db, walmart.id, { ...deps, batch: 100 })
    expect(first, JSON.stringify(first)).toMatchObject({ drift: { orders_in_flight: 1 } })
    await db.channelListing.update({
      where: { id: after.id },
      data: {
        orderGraceSince: new Date(Date.now() - 3_600_000),
        appliedAt: new Date(Date.now() - 3_600_000),
        appliedReadAt: null,
      },
    })
    await db.channel.update({ where: { id: walmart.id }, data: { rateTokens: 1000 } })
    await db.systemState.deleteMany({ where: { key: `reconcile-cursor:${walmart.id}` } })
    const r = await reconcileChannel(db, walmart.id, { ...deps, batch: 100 })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { lost_update: 1 } })
    const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${after.id}` } })
    expect(f.status).toBe('healing')
    // The republish sends the current desired quantity again; the next read-back matches.
    await settle()
    expect((await listing('walmart', 'SKU-00003')).appliedQuantity).toBe(after.desiredQuantity)
    await db.channel.update({ where: { id: walmart.id }, data: { rateTokens: 1000 } })
    await db.systemState.deleteMany({ where: { key: `reconcile-cursor:${walmart.id}` } })
    const healed = await reconcileChannel(db, walmart.id, { ...deps, batch: 100 })
    expect(healed.resolved).toBe(1)
    expect((await db.finding.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('resolved')
  })

  /** A fresh read budget and a slice starting at the first listing, so the next reconcile reads everything. */
  async function freshRead(channelId: string) {
    await db.channel.update({ where: { id: channelId }, data: { rateTokens: 1000, rateBurst: 1000 } })
    await db.systemState.deleteMany({ where: { key: `reconcile-cursor:${channelId}` } })
  }
  async function receipt(key: string, sku: string, quantity: number) {
    await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: key,
            type: 'receipt',
            sku,
            location: 'DC-EAST',
            quantity,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    await recomputeAll(db)
  }

  it('restarts the order grace when our number applied since the shortfall was first seen', async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const l = await listing('shopify', 'SKU-00012')
    expect(l.appliedQuantity).toBeGreaterThan(0)
    // A shortfall seen an hour ago, and our number applied just now: it absorbed what sold before.
    await db.channelListing.update({
      where: { id: l.id },
      data: { orderGraceSince: new Date(Date.now() - 3_600_000), appliedAt: new Date() },
    })
    sims.sims.shopify.manualEdit({
      sku: l.externalSku,
      inventoryItemId: l.externalId,
      quantity: l.appliedQuantity! - 1,
    })
    await freshRead(shopify.id)
    const r = await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { orders_in_flight: 1 } })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
    expect((await listing('shopify', 'SKU-00012')).orderGraceSince!.getTime()).toBeGreaterThan(Date.now() - 60_000)
    sims.sims.shopify.manualEdit({ sku: l.externalSku, inventoryItemId: l.externalId, quantity: l.appliedQuantity! })
  })

  it('waits again for a listing that sells all the time (its grace began with a shortfall its orders explain) and still finds a merchant edit one grace later', async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const l = await listing('shopify', 'SKU-00010')
    const applied = l.appliedQuantity!
    const show = (quantity: number) =>
      sims.sims.shopify.manualEdit({ sku: l.externalSku, inventoryItemId: l.externalId, quantity })
    let n = 0
    const orderArrives = async (quantity: number, occurredAt = new Date()) =>
      db.channelOrderEvent.create({
        data: {
          channelId: shopify.id,
          idempotencyKey: `busy-${++n}`,
          orderId: `busy-${n}`,
          status: 'created',
          occurredAt,
          receivedAt: new Date(),
          lines: [{ sku: l.externalSku, lineId: '1', quantity }],
        },
      })
    const readAt = async (hoursLater: number) => {
      await freshRead(shopify.id)
      const now = () => new Date(Date.now() + hoursLater * 3_600_000)
      return reconcileChannel(db, shopify.id, { ...deps, listingIds: [l.id], now })
    }
    // Two sales on their way: the wait begins with what the channel shows.
    show(applied - 2)
    expect((await readAt(0)).drift).toEqual({ orders_in_flight: 1 })
    const waiting = await listing('shopify', 'SKU-00010')
    expect(waiting).toMatchObject({ orderGraceShown: applied - 2 })
    // Both arrive (placed before that read), and a third sale is on its way when the grace ends.
    await orderArrives(2, new Date(waiting.orderGraceSince!.getTime() - 1))
    show(applied - 3)
    expect((await readAt(2)).drift).toEqual({ orders_in_flight: 1 })
    const again = await listing('shopify', 'SKU-00010')
    expect(again.orderGraceShown).toBe(applied - 3)
    expect(again.ordersNote).toContain('keeps selling')
    // The third sale arrives; meanwhile a merchant takes 10 off. The start is explained again (the
    // edit came after it), so the grace begins again; one grace later orders do not explain it.
    await orderArrives(1)
    show(applied - 13)
    expect((await readAt(4)).drift).toEqual({ orders_in_flight: 1 })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
    expect((await readAt(6)).drift).toEqual({ merchant_edit: 1 })
    const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${l.id}` } })
    expect(f).toMatchObject({ status: 'open', actual: applied - 13 })
    show(applied)
  })

  it('takes a sale our number absorbed (it applied after the sale) and its cancellation restocked after for a sale, not a merchant edit', async () => {
    const walmart = await db.channel.findUniqueOrThrow({ where: { code: 'walmart' } })
    const l = await listing('walmart', 'SKU-00008')
    const applied = l.appliedQuantity!
    const sent = await db.publishAttempt.findFirstOrThrow({
      where: { listingId: l.id, version: l.appliedVersion },
      orderBy: { startedAt: 'asc' },
    })
    // Walmart sold 2 after our send and before it applied our number there (absorbed by the set),
    // then the buyer cancelled: the 2 came back on top of ours. Both orders reached us.
    const at = (ms: number) => new Date(sent.startedAt.getTime() + ms)
    for (const [status, ms] of [
      ['created', 1],
      ['cancelled', 2],
    ] as const)
      await db.channelOrderEvent.create({
        data: {
          channelId: walmart.id,
          idempotencyKey: `absorbed-${status}`,
          orderId: 'absorbed-1',
          status,
          occurredAt: at(ms),
          receivedAt: new Date(),
          lines: [{ sku: l.externalSku, lineId: '1', quantity: 2 }],
        },
      })
    await db.channelListing.update({ where: { id: l.id }, data: { appliedAt: at(1_000) } })
    sims.sims.walmart.manualEdit({ sku: l.externalSku, quantity: applied + 2 })
    await freshRead(walmart.id)
    const r = await reconcileChannel(db, walmart.id, { ...deps, listingIds: [l.id] })
    expect(r.drift).toEqual({ sold_on_channel: 1 })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
    await settle()
    expect(sims.sims.walmart.quantityOf(l.externalSku)).toBe((await listing('walmart', 'SKU-00008')).desiredQuantity)
  })

  it('reads a listing whose channel orders arrived first, wherever the rotating slice stands, and heals a sale our number does not change', async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const l = await listing('shopify', 'SKU-00011')
    // Shopify sold 2 units; the order arrived (received orders explain it) and marked the listing due.
    sims.sims.shopify.manualEdit({
      sku: l.externalSku,
      inventoryItemId: l.externalId,
      quantity: l.appliedQuantity! - 2,
    })
    await db.channelOrderEvent.create({
      data: {
        channelId: shopify.id,
        idempotencyKey: 'due-1',
        orderId: 'due-1',
        status: 'created',
        occurredAt: new Date(),
        receivedAt: new Date(),
        lines: [{ sku: l.externalSku, lineId: '1', quantity: 2 }],
      },
    })
    await db.channelListing.update({ where: { id: l.id }, data: { readBackDueAt: new Date() } })
    // The rotation stands far from it, and the budget reads two listings: one overdue, one rotating.
    await db.channel.update({ where: { id: shopify.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
    await db.systemState.upsert({
      where: { key: `reconcile-cursor:${shopify.id}` },
      create: { key: `reconcile-cursor:${shopify.id}`, value: { after: l.id } },
      update: { value: { after: l.id } },
    })
    const r = await reconcileChannel(db, shopify.id, { ...deps, batch: 2 })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { sold_on_channel: 1 } })
    expect((await listing('shopify', 'SKU-00011')).readBackDueAt).toBeNull()
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
  })

  it('finds an Amazon update accepted but never applied, republishes it and heals', async () => {
    const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
    const before = await listing('amazon', 'SKU-00004')
    sims.sims.amazon.configure({ acceptedNeverAppliedRate: 1 })
    await receipt('drift-anp', 'SKU-00004', 15)
    expect((await publishChannel(db, amazon.id, deps)).accepted).toBeGreaterThanOrEqual(1)
    sims.sims.amazon.applyNow()
    const mid = await listing('amazon', 'SKU-00004')
    expect(mid.acceptedVersion).toBeGreaterThan(mid.appliedVersion)
    expect(sims.sims.amazon.quantityOf(mid.externalSku)).toBe(before.appliedQuantity)
    sims.sims.amazon.configure({ acceptedNeverAppliedRate: 0 })
    // Within the verify SLA it is still our own update on its way; an hour later it is not.
    await freshRead(amazon.id)
    expect((await reconcileChannel(db, amazon.id, { ...deps, batch: 100 })).drift).toEqual({})
    await freshRead(amazon.id)
    const later = () => new Date(Date.now() + 3_600_000)
    const r = await reconcileChannel(db, amazon.id, { ...deps, batch: 100, now: later })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { accepted_not_applied: 1 } })
    const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${mid.id}` } })
    expect(f).toMatchObject({ status: 'healing', expected: mid.desiredQuantity, actual: before.appliedQuantity })
    await settle()
    expect((await listing('amazon', 'SKU-00004')).appliedQuantity).toBe(mid.desiredQuantity)
    await freshRead(amazon.id)
    expect((await reconcileChannel(db, amazon.id, { ...deps, batch: 100 })).resolved).toBe(1)
  })

  it('reads an overdue accepted update back first, wherever the rotating slice stands', async () => {
    const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
    sims.sims.amazon.configure({ acceptedNeverAppliedRate: 1 })
    await receipt('drift-overdue', 'SKU-00007', 9)
    expect((await publishChannel(db, amazon.id, deps)).accepted).toBeGreaterThanOrEqual(1)
    sims.sims.amazon.applyNow()
    sims.sims.amazon.configure({ acceptedNeverAppliedRate: 0 })
    const lost = await listing('amazon', 'SKU-00007')
    expect(lost.acceptedVersion).toBeGreaterThan(lost.appliedVersion)
    // The cursor stands just past the lost listing: a slice of 4 in id order would not reach it
    // before going round the whole catalogue.
    await freshRead(amazon.id)
    await db.systemState.create({ data: { key: `reconcile-cursor:${amazon.id}`, value: { after: lost.id } } })
    const later = () => new Date(Date.now() + 3_600_000)
    const r = await reconcileChannel(db, amazon.id, { ...deps, batch: 4, now: later })
    expect(r, JSON.stringify(r)).toMatchObject({ checked: 4, drift: { accepted_not_applied: 1 } })
    expect(await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${lost.id}` } })).toMatchObject({
      status: 'healing',
    })
    // The rotation still moved on: the cursor is past the lost listing, at the slice's last row.
    const cursor = await db.systemState.findUniqueOrThrow({ where: { key: `reconcile-cursor:${amazon.id}` } })
    expect((cursor.value as { after: string }).after).not.toBe(lost.id)
    await settle()
    expect((await listing('amazon', 'SKU-00007')).appliedQuantity).toBe(lost.desiredQuantity)
  })

  it('a number of ours whose send was never recorded (a worker killed mid-call) is a lost update, not a merchant edit', async () => {
    const walmart = await db.channel.findUniqueOrThrow({ where: { code: 'walmart' } })
    await receipt('drift-unrecorded', 'SKU-00009', 6)
    const l = await listing('walmart', 'SKU-00009')
    expect(l.desiredVersion).toBeGreaterThan(l.publishedVersion)
    // The channel shows the newly decided number although no attempt row says we sent it.
    sims.sims.walmart.manualEdit({ sku: l.externalSku, quantity: l.desiredQuantity! })
    await freshRead(walmart.id)
    const r = await reconcileChannel(db, walmart.id, { ...deps, batch: 100 })
    expect(r.drift.merchant_edit ?? 0).toBe(0)
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { lost_update: 1 } })
    await settle()
    expect((await listing('walmart', 'SKU-00009')).appliedQuantity).toBe(l.desiredQuantity)
  })

  it("flags Shopify showing another channel's number for the SKU as a shared quantity overwrite (a lower one once orders cannot explain it)", async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const mine = await listing('shopify', 'SKU-00005')
    const walmart = await listing('walmart', 'SKU-00005')
    expect(walmart.appliedQuantity).toBeLessThan(mine.appliedQuantity!)
    sims.sims.shopify.manualEdit({
      sku: mine.externalSku,
      inventoryItemId: mine.externalId,
      quantity: walmart.appliedQuantity!,
    })
    await freshRead(shopify.id)
    // Fewer units than we applied: within the order grace, orders Shopify took may still explain it.
    const first = await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
    expect(first, JSON.stringify(first)).toMatchObject({ drift: { orders_in_flight: 1 } })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${mine.id}` } })).toBe(0)
    await db.channelListing.update({
      where: { id: mine.id },
      data: {
        orderGraceSince: new Date(Date.now() - 3_600_000),
        appliedAt: new Date(Date.now() - 3_600_000),
        appliedReadAt: null,
      },
    })
    await freshRead(shopify.id)
    const r = await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { shared_quantity_overwrite: 1 } })
    const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${mine.id}` } })
    expect(f.status).toBe('open')
    expect(f.cause).toMatch(/another channel's number/)
  })

  it('leaves our own update on its way alone: no finding', async () => {
    const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
    await receipt('drift-own', 'SKU-00006', 9)
    await publishChannel(db, amazon.id, deps)
    sims.sims.amazon.applyNow()
    const l = await listing('amazon', 'SKU-00006')
    expect(l.appliedVersion).toBeLessThan(l.desiredVersion) // applied at the channel, not verified by us yet
    await freshRead(amazon.id)
    const r = await reconcileChannel(db, amazon.id, { ...deps, batch: 100 })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { own_pending: 1 } })
    expect(await db.finding.count({ where: { dedupeKey: `drift:${l.id}` } })).toBe(0)
  })

  it('records an update that applied after its verify SLA (verification had given up on it) and resolves its unverified finding', async () => {
    const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
    const l = await listing('amazon', 'SKU-00006') // accepted, shown by Amazon, not verified by us (previous test)
    expect(l.appliedVersion).toBeLessThan(l.acceptedVersion)
    await db.finding.create({
      data: {
        kind: 'unverified',
        sku: 'SKU-00006',
        channel: 'amazon',
        cause: 'update accepted but not applied within the channel SLA',
        dedupeKey: `unverified:${l.id}`,
      },
    })
    await freshRead(amazon.id)
    const r = await reconcileChannel(db, amazon.id, {
      ...deps,
      batch: 100,
      now: () => new Date(Date.now() + 3_600_000),
    })
    expect(r, JSON.stringify(r)).toMatchObject({ drift: { own_pending: 1 }, resolved: 1 })
    const after = await listing('amazon', 'SKU-00006')
    expect(after).toMatchObject({ appliedVersion: l.acceptedVersion, appliedQuantity: l.publishedQuantity })
    expect((await db.finding.findFirstOrThrow({ where: { dedupeKey: `unverified:${l.id}` } })).status).toBe('resolved')
  })

  describe('a refused compare-and-set (Shopify changeFromQuantity)', () => {
    const analyst = { id: crypto.randomUUID(), email: 'analyst@example.com', role: 'analyst' }

    it('is read back at once: within the order grace it waits for orders; after it a merchant edit holds the listing for a person, not retried; Republish sends our number and it lands', async () => {
      const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
      const before = await listing('shopify', 'SKU-00007')
      const edited = (before.appliedQuantity ?? 0) + 50
      sims.sims.shopify.manualEdit({ sku: before.externalSku, inventoryItemId: before.externalId, quantity: edited })
      await receipt('drift-cas-1', 'SKU-00007', 11)
      await db.channel.update({ where: { id: shopify.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
      const pushed = await publishChannel(db, shopify.id, deps)
      expect(pushed.failed).toBeGreaterThanOrEqual(1)
      // More units than we applied may be a cancellation on its way: it waits until the grace ends.
      const waiting = await listing('shopify', 'SKU-00007')
      expect(waiting.lastError).toMatch(/^orders in flight: .*50 more than we applied/)
      expect(waiting.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now())
      expect(await db.finding.count({ where: { dedupeKey: `drift:${waiting.id}` } })).toBe(0)
      // The grace ends with no order: refused again, and a merchant edit now.
      expect((await publishChannel(db, shopify.id, { ...deps, now: graceLater })).failed).toBeGreaterThanOrEqual(1)
      const held = await listing('shopify', 'SKU-00007')
      const f = await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${held.id}` } })
      expect(f).toMatchObject({ status: 'open', expected: before.appliedQuantity, actual: edited })
      expect(f.cause).toMatch(/changed on the channel; needs a person/)
      const [{ isHeld }] = await db.$queryRawUnsafe<Array<{ isHeld: boolean }>>(
        `SELECT "nextAttemptAt" = 'infinity' AS "isHeld" FROM "ChannelListing" WHERE id = $1::uuid`,
        held.id,
      )
      expect(isHeld).toBe(true)
      expect(held.lastError).toMatch(/^held: /)
      expect(held.failedAttempts).toBe(2) // the two refused sends; held, it is not retried
      expect(await db.deadLetter.count({ where: { listingId: held.id } })).toBe(0)
      // Held: the next runs leave it alone, and the merchant's number stays on the channel.
      await publishChannel(db, shopify.id, deps)
      expect(sims.sims.shopify.quantityOfItem(before.externalId!)).toBe(edited)

      // A person decides: our number goes out over theirs (the read value is the expected one now).
      expect(await actOnFinding(db, analyst, f.id, 'republish')).toEqual({ id: f.id, status: 'healing' })
      await expect(actOnFinding(db, analyst, f.id, 'republish')).rejects.toThrow(/already being republished/)
      // With a full rate budget: the run just before took every token, and one refills in 50 ms, so
      // a quick republish found none, was put off (rightly) and this check read the old number.
      await settleOnSimulators(db, sims, { refillRate: true })
      const landed = await listing('shopify', 'SKU-00007')
      expect(landed.appliedQuantity).toBe(held.desiredQuantity)
      expect(sims.sims.shopify.quantityOfItem(before.externalId!)).toBe(held.desiredQuantity)
      expect(await db.auditLog.count({ where: { action: 'finding.republish', entityId: f.id } })).toBe(1)
      await freshRead(shopify.id)
      await reconcileChannel(db, shopify.id, { ...deps, batch: 100 })
      expect((await db.finding.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('resolved')
    })

    it('under a republish policy for merchant edits, heals in the same run and lands on the next', async () => {
      const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
      const settings = shopify.settings
      await db.channel.update({
        where: { id: shopify.id },
        data: {
          settings: { ...(settings as object), driftHeal: { merchant_edit: 'republish' } },
          rateTokens: 1000,
          rateBurst: 1000,
        },
      })
      try {
        const before = await listing('shopify', 'SKU-00008')
        const edited = (before.appliedQuantity ?? 0) + 30
        sims.sims.shopify.manualEdit({ sku: before.externalSku, inventoryItemId: before.externalId, quantity: edited })
        await receipt('drift-cas-2', 'SKU-00008', 6)
        expect((await publishChannel(db, shopify.id, deps)).failed).toBeGreaterThanOrEqual(1) // orders in flight
        expect((await publishChannel(db, shopify.id, { ...deps, now: graceLater })).failed).toBeGreaterThanOrEqual(1)
        const healing = await listing('shopify', 'SKU-00008')
        expect(healing).toMatchObject({ appliedQuantity: edited, failedAttempts: 0, nextAttemptAt: null })
        expect((await db.finding.findFirstOrThrow({ where: { dedupeKey: `drift:${healing.id}` } })).status).toBe(
          'healing',
        )
        expect((await publishChannel(db, shopify.id, deps)).applied).toBeGreaterThanOrEqual(1)
        expect(sims.sims.shopify.quantityOfItem(before.externalId!)).toBe(healing.desiredQuantity)
      } finally {
        await db.channel.update({ where: { id: shopify.id }, data: { settings: settings as object } })
      }
    })

    it('only drift can be republished', async () => {
      const f = await db.finding.create({
        data: {
          kind: 'exception',
          sku: 'SKU-00001',
          location: 'DC-EAST',
          cause: 'on hand is negative (-1)',
          dedupeKey: `exception:test:${crypto.randomUUID()}`,
        },
      })
      await expect(actOnFinding(db, analyst, f.id, 'republish')).rejects.toThrow(/Only channel drift/)
    })
  })

  it('an update aborted beside a refused compare-and-set keeps its retries and goes out again at once', async () => {
    const shopify = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' } })
    const edited = await listing('shopify', 'SKU-00001')
    const innocent = await listing('shopify', 'SKU-00003')
    sims.sims.shopify.manualEdit({
      sku: edited.externalSku,
      inventoryItemId: edited.externalId,
      quantity: (edited.appliedQuantity ?? 0) + 50,
    })
    await receipt('abort-1', 'SKU-00001', 4)
    await receipt('abort-3', 'SKU-00003', 4)
    await db.channel.update({ where: { id: shopify.id }, data: { rateTokens: 1000, rateBurst: 1000 } })
    // One all-or-nothing mutation: SKU-00001's compare-and-set is refused, SKU-00003 is aborted with it.
    expect((await publishChannel(db, shopify.id, deps)).failed).toBe(2)
    const aborted = await listing('shopify', 'SKU-00003')
    expect(aborted).toMatchObject({ failedAttempts: 0 })
    expect(aborted.lastError).toMatch(/^BATCH_ABORTED/)
    expect(aborted.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now())
    // The next run sends it on its own (the refused one is held or waits for its orders).
    await publishChannel(db, shopify.id, deps)
    const landed = await listing('shopify', 'SKU-00003')
    expect(landed.appliedVersion).toBe(landed.desiredVersion)
    expect(sims.sims.shopify.quantityOfItem(innocent.externalId!)).toBe(landed.desiredQuantity)
  })
})
