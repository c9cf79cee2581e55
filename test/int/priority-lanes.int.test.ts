// Priority lanes on a real database: strategic SKUs (by code or category, from the rule set) are
// recomputed first out of a backlog, and published right after zero-outs and decrements, ahead of
// older increases of other SKUs.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeAll } from './helpers/availability'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { loadStrategicClass, publishClaimOrder } from '../../server/publishing/lock-listings'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }

useTestDatabase(
  async (created) => {
    db = created
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.strategic = { skus: ['SKU-00009'], categories: [] }
    await saveRuleSet(db, merch, { rules, comment: 'SKU-00009 is strategic' })
    await recomputeAll(db)
  },
  { demo: { skuCount: 12 }, timeoutMs: 120_000 },
)

const dirtyCodes = async () =>
  (
    await db.$queryRawUnsafe<Array<{ code: string }>>(
      `SELECT s.code FROM "AvailabilityDirty" d JOIN "Sku" s ON s.id = d."skuId" ORDER BY s.code`,
    )
  ).map((r) => r.code)
const skuId = async (code: string) => (await db.sku.findUniqueOrThrow({ where: { code }, select: { id: true } })).id

describe('priority lanes', () => {
  it('a strategic SKU is recomputed before older SKUs of the backlog', async () => {
    const now = Date.now()
    for (const [code, ageMin] of [
      ['SKU-00002', 10],
      ['SKU-00005', 5],
      ['SKU-00009', 0],
    ] as const) {
      await db.availabilityDirty.create({ data: { skuId: await skuId(code), since: new Date(now - ageMin * 60_000) } })
    }
    expect(await loadStrategicClass(db)).toEqual({ skus: ['SKU-00009'], categories: [] })
    await recomputeDirtyAvailability(db, { batchSize: 1 })
    expect(await dirtyCodes()).toEqual(['SKU-00002', 'SKU-00005'])
    await recomputeDirtyAvailability(db, { batchSize: 1 })
    expect(await dirtyCodes()).toEqual(['SKU-00005'])
    await recomputeDirtyAvailability(db, { batchSize: 10 })
  })

  it('publish claims zero-outs, then decrements, then strategic increases, then older increases', async () => {
    const channel = await db.channel.findUniqueOrThrow({ where: { code: 'shopify' }, select: { id: true } })
    const listing = async (code: string) =>
      db.channelListing.findFirstOrThrow({ where: { channelId: channel.id, sku: { code } }, select: { id: true } })
    const set = async (code: string, desired: number, published: number, pendingMinAgo: number) => {
      const l = await listing(code)
      await db.channelListing.update({
        where: { id: l.id },
        data: {
          desiredQuantity: desired,
          publishedQuantity: published,
          desiredVersion: { increment: 1 },
          pendingSince: new Date(Date.now() - pendingMinAgo * 60_000),
        },
      })
      return l.id
    }
    await db.channelListing.updateMany({ where: { channelId: channel.id }, data: { publishedVersion: 1_000_000 } })
    const older = await set('SKU-00003', 30, 20, 30)
    const strategic = await set('SKU-00009', 30, 20, 1)
    const decrement = await set('SKU-00004', 5, 20, 2)
    const zero = await set('SKU-00006', 0, 20, 3)
    await db.channelListing.updateMany({
      where: { id: { in: [older, strategic, decrement, zero] } },
      data: { publishedVersion: 0 },
    })
    const claimOrder = (s: Parameters<typeof publishClaimOrder>[0]) =>
      db.$queryRawUnsafe<Array<{ id: string }>>(
        `SELECT id::text AS id FROM "ChannelListing" WHERE "channelId" = $1::uuid AND "desiredVersion" > "publishedVersion" ORDER BY ${publishClaimOrder(s)}`,
        channel.id,
      )
    expect((await claimOrder(await loadStrategicClass(db))).map((r) => r.id)).toEqual([
      zero,
      decrement,
      strategic,
      older,
    ])
    // Without a strategic class: the oldest increase first.
    expect((await claimOrder(null)).map((r) => r.id)).toEqual([zero, decrement, older, strategic])
    // A quote in a category name cannot break out of the literal.
    expect((await claimOrder({ categories: ["it's"], skus: [] })).map((r) => r.id)).toEqual([
      zero,
      decrement,
      older,
      strategic,
    ])
  })
})
