// The recompute outbox's short claim on a real database: ingest marking a SKU that a recompute is
// deciding does not wait for that recompute (it used to wait for its whole transaction, holding its
// positions: the pipeline's ack tail), the mark survives the recompute, and the next recompute
// decides from the new positions. A claim left by a recompute that died is taken again.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { rawTransaction } from '../../server/db'
import {
  decideClaim,
  recomputeDirtyAvailability,
  recomputeSkus,
} from '../../server/availability/recompute-availability'
import { CLAIM_STALE_MS, claimDirty, finishClaim, markSkusDirty } from '../../server/availability/recompute-outbox'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { receipt } from '../support/factories'
import { enqueueRecompute, RECOMPUTE_JOB } from '../../server/queue/enqueue'
import { sweepRecomputeOutbox } from '../../server/availability/sweep-recompute'

let db: PrismaClient
useTestDatabase(
  async (created) => {
    db = created
    await recomputeAll(db)
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

const skuId = async (code: string) => (await db.sku.findUniqueOrThrow({ where: { code }, select: { id: true } })).id
/** The outbox's rows for plain SKUs (kits containing a marked SKU are marked with it). */
const outbox = async () =>
  db.$queryRawUnsafe<Array<{ code: string; claimed: boolean; since: Date }>>(
    `SELECT s.code, d.claim IS NOT NULL AS claimed, d.since FROM "AvailabilityDirty" d JOIN "Sku" s ON s.id = d."skuId"
      WHERE NOT s."isKit" ORDER BY s.code`,
  )
/** The demo ERP's receipt of `quantity` at DC-EAST, as an ingest body (the shared factory's event). */
const receiptBody = (key: string, sku: string, quantity: number) =>
  JSON.stringify({ source: 'erp-demo', events: [receipt(key, sku, 'DC-EAST', quantity)] })
/** Fails clearly instead of hanging when a statement waits on a lock it should never wait for. */
const within = <T>(ms: number, what: string, p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} waited ${ms} ms`)), ms)),
  ])

describe('recompute outbox claims', () => {
  it('ingest marking a SKU a recompute is deciding does not wait for it, and the next recompute decides the new stock', async () => {
    const before = await desiredQuantity(db, 'SKU-00001', 'shopify')
    await db.availabilityDirty.create({
      data: { skuId: await skuId('SKU-00001'), since: new Date(Date.now() - 1_000) },
    })
    const claim = await claimDirty(db, 10, new Date())
    expect(claim.skus).toHaveLength(1)

    const receivedAt = new Date()
    await rawTransaction(db, async (tx) => {
      // The recompute has locked the SKU's listings, read its positions and written its decisions...
      await recomputeSkus(tx, claim.skus, new Date())
      // ...when a receipt for the SKU arrives: it commits while the recompute is still open.
      const r = await within(
        10_000,
        'ingest',
        ingestEvents(db, { body: receiptBody('claim-1', 'SKU-00001', 40), receivedAt }),
      )
      expect(r.accepted).toBe(1)
      expect(await outbox()).toMatchObject([{ code: 'SKU-00001', claimed: false }])
      await finishClaim(tx, claim)
    })
    // The recompute read the positions before the receipt: its claim was cleared, so the row stays,
    // with the receipt's time for the lag.
    const rows = await outbox()
    expect(rows).toMatchObject([{ code: 'SKU-00001', claimed: false }])
    expect(rows[0]!.since.getTime()).toBe(receivedAt.getTime())
    expect(await desiredQuantity(db, 'SKU-00001', 'shopify')).toBe(before)

    await recomputeAll(db)
    expect(await db.availabilityDirty.count()).toBe(0)
    expect(await desiredQuantity(db, 'SKU-00001', 'shopify')).toBeGreaterThan(before!)
  })

  it('an order marking a SKU and then touching its listings is never deadlocked by a recompute deciding that SKU', async () => {
    // An order's transaction (server/orders/native-orders.ts) reserves and marks the SKU and asks for
    // a recompute, then makes its listings' read-back due. The recompute holds the listings while it
    // decides; it must not also wait inside that transaction for the outbox row or the recompute
    // job's key the order holds (it did: found after a CI run's live demo logged a worker warning).
    const id = await skuId('SKU-00005')
    await db.availabilityDirty.create({ data: { skuId: id, since: new Date(Date.now() - 1_000) } })
    const claim = await claimDirty(db, 10, new Date())
    expect(claim.skus.map((s) => s.skuId)).toEqual([id])
    let deciding: Promise<unknown> | undefined
    await rawTransaction(db, async (order) => {
      // Never wait for a listing lock here: a deadlock would otherwise be broken after 1 s by
      // aborting either side, which could hide it.
      await order.$executeRawUnsafe(`SET LOCAL lock_timeout = '500ms'`)
      await markSkusDirty(order, [id], new Date())
      await enqueueRecompute(order)
      const [{ pid }] = await order.$queryRawUnsafe<Array<{ pid: number }>>(`SELECT pg_backend_pid() AS pid`)
      deciding = decideClaim(db, claim, { more: true, now: () => new Date() })
      // The recompute has decided and now waits for the row this order holds.
      await within(
        10_000,
        'the recompute reaching the outbox row',
        (async () => {
          for (;;) {
            const [{ n }] = await db.$queryRawUnsafe<Array<{ n: number }>>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`,
              pid,
            )
            if (n > 0) return
            await new Promise((r) => setTimeout(r, 20))
          }
        })(),
      )
      await order.$executeRawUnsafe(`UPDATE "ChannelListing" SET "readBackDueAt" = now() WHERE "skuId" = $1::uuid`, id)
    })
    await within(10_000, 'the recompute', deciding!)
    // The order's mark came after the recompute read the positions: the SKU stays to decide again.
    expect(await outbox()).toMatchObject([{ code: 'SKU-00005', claimed: false }])
    await recomputeAll(db)
    await db.$executeRawUnsafe(`UPDATE "ChannelListing" SET "readBackDueAt" = NULL`)
  })

  it('a claim is taken again only once it is stale (its recompute died), and a finished claim leaves nothing', async () => {
    const [fresh, stale] = [await skuId('SKU-00002'), await skuId('SKU-00003')]
    const now = Date.now()
    await db.$executeRawUnsafe(
      `INSERT INTO "AvailabilityDirty"("skuId", since, claim, "claimedAt")
       VALUES ($1::uuid, $3::timestamptz, $4::uuid, $5::timestamptz), ($2::uuid, $3::timestamptz, $6::uuid, $7::timestamptz)`,
      fresh,
      stale,
      new Date(now - 60_000).toISOString(),
      randomUUID(),
      new Date(now - 1_000).toISOString(),
      randomUUID(),
      new Date(now - CLAIM_STALE_MS - 1_000).toISOString(),
    )
    const r = await recomputeDirtyAvailability(db, { batchSize: 10 })
    expect(r.processed).toBe(1)
    expect(await outbox()).toMatchObject([{ code: 'SKU-00002', claimed: true }])
    await db.$executeRawUnsafe(`DELETE FROM "AvailabilityDirty"`)
  })

  it('the sweep queues a recompute for a claim a stopped worker left, once it is stale, and not for a live one', async () => {
    const queued = () =>
      db.$queryRawUnsafe<unknown[]>(
        `SELECT 1 FROM graphile_worker._private_jobs WHERE key = $1 AND locked_at IS NULL`,
        RECOMPUTE_JOB.jobKey,
      )
    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs WHERE key = $1`, RECOMPUTE_JOB.jobKey)
    const now = new Date()
    await db.$executeRawUnsafe(
      `INSERT INTO "AvailabilityDirty"("skuId", since, claim, "claimedAt") VALUES ($1::uuid, $2::timestamptz, $3::uuid, $2::timestamptz)`,
      await skuId('SKU-00005'),
      new Date(now.getTime() - 1_000).toISOString(),
      randomUUID(),
    )
    expect(await sweepRecomputeOutbox(db, now)).toEqual({ queued: false })
    expect(await queued()).toHaveLength(0)
    // The worker that claimed it stopped: past the stale time the sweep queues the recompute, which takes it.
    const later = new Date(now.getTime() + CLAIM_STALE_MS + 1_000)
    expect(await sweepRecomputeOutbox(db, later)).toEqual({ queued: true })
    expect(await queued()).toHaveLength(1)
    expect((await recomputeDirtyAvailability(db, { now: () => later })).processed).toBe(1)
    expect(await outbox()).toEqual([])
    expect(await sweepRecomputeOutbox(db, later)).toEqual({ queued: false })
  })

  it('marking an unclaimed row keeps its earliest time', async () => {
    const early = new Date(Date.now() - 120_000)
    await db.availabilityDirty.create({ data: { skuId: await skuId('SKU-00004'), since: early } })
    await ingestEvents(db, { body: receiptBody('claim-2', 'SKU-00004', 3) })
    const rows = await outbox()
    expect(rows).toMatchObject([{ code: 'SKU-00004', claimed: false }])
    expect(rows[0]!.since.getTime()).toBe(early.getTime())
    await recomputeAll(db)
  })
})
