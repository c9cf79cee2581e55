// The read paths of issue 20 are served by indexes, not scans: the SKU explorer's "out of sync"
// and "failing" filters return exactly the SKUs with such listings, SKU search still finds a code
// or name by any part of it, and the plans of these reads use the migration's indexes
// (enable_seqscan off: on test-sized tables the planner would rightly prefer a scan, so this checks
// the index can serve the query's exact shape, which a mismatched expression would not).
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeSku } from '../support/factories'
import {
  ACTIVE_CATEGORIES_SQL,
  SKU_COUNT_CAP,
  searchSkus,
  STATUS_SKUS_SQL,
} from '../../server/availability/search-skus'
import { GLOBAL_SEARCH_SQL, globalSearch } from '../../server/search/global-search'
import { WAITING_SINCE_SQL, WAITING_SQL } from '../../server/metrics/listing-states'
import { publishClaimOrder, UNSENT_SQL } from '../../server/publishing/lock-listings'
import { PENDING_VERIFY_SQL } from '../../server/publishing/verify-channel'

let t: TestDatabase
let db: PrismaClient
let channelId = ''

beforeAll(async () => {
  process.env.STOCKTOWER_ENCRYPTION_KEY ??= crypto.randomBytes(32).toString('base64')
  t = await createTestDatabase()
  db = t.db
  channelId = (await makeChannel(db, 'shop')).id
  const other = (await makeChannel(db, 'mart')).id
  for (let i = 0; i < 12; i++) {
    const sku = await db.sku.create({
      data: {
        code: `RI-${String(i).padStart(3, '0')}`,
        name: i === 7 ? 'Blue Widget Deluxe' : `Item ${i}`,
        category: 'toys',
      },
    })
    const a = await makeListing(db, channelId, sku.id, `A-${i}`)
    const b = await makeListing(db, other, sku.id, `B-${i}`)
    // Everything applied, except: 3 and 5 wait on shop, 5 also failing on mart, 9 waits but inactive.
    await db.channelListing.updateMany({
      where: { id: { in: [a.id, b.id] } },
      data: { desiredVersion: 2, publishedVersion: 2, appliedVersion: 2, decidedAt: new Date() },
    })
    if (i === 3 || i === 5 || i === 9)
      await db.channelListing.update({ where: { id: a.id }, data: { desiredVersion: 3, active: i !== 9 } })
    if (i === 5) await db.channelListing.update({ where: { id: b.id }, data: { lastError: 'HTTP 400' } })
  }
  await makeSku(db, 'RI-LONE') // no listings at all
  // A catalogue big enough that the planner weighs an index against a scan as it would in production.
  await db.$executeRawUnsafe(
    `INSERT INTO "Sku" (id, code, name, category, "updatedAt") SELECT gen_random_uuid(), 'FILL-' || n, 'Filler product ' || n, 'misc', now() FROM generate_series(1, 5000) n`,
  )
  await db.$executeRawUnsafe('VACUUM ANALYZE') // and GIN's pending list merged, as autovacuum would
})
afterAll(async () => {
  await t?.drop()
})

async function plan(sql: string, ...params: unknown[]): Promise<string> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off')
    const rows = await tx.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN ${sql}`, ...params)
    return rows.map((r) => r['QUERY PLAN']).join('\n')
  })
}

describe('read paths served by indexes', () => {
  it('"out of sync" and "failing" list exactly the SKUs with such active listings', async () => {
    const out = await searchSkus(db, { status: 'out_of_sync', limit: 50 })
    expect(out.items.map((r) => r.sku)).toEqual(['RI-003', 'RI-005'])
    expect(out.total).toBe(2)
    const failing = await searchSkus(db, { status: 'failing', limit: 50 })
    expect(failing.items.map((r) => r.sku)).toEqual(['RI-005'])
  })

  it('"out of sync" gives the same page and count whether it filters by an id list or an EXISTS', async () => {
    // 600 more SKUs out of sync (past the id list's 500) and one inactive SKU with such a listing.
    await db.$executeRawUnsafe(
      `INSERT INTO "Sku" (id, code, name, category, active, "updatedAt")
       SELECT gen_random_uuid(), 'MID-' || lpad(n::text, 4, '0'), 'Mid', 'mid', n <= 600, now() FROM generate_series(1, 601) n`,
    )
    await db.$executeRawUnsafe(
      `INSERT INTO "ChannelListing" (id, "channelId", "skuId", "externalSku", "desiredVersion", "desiredQuantity")
       SELECT gen_random_uuid(), $1::uuid, id, code, 1, 5 FROM "Sku" WHERE code LIKE 'MID-%'`,
      channelId,
    )
    try {
      const out = await searchSkus(db, { status: 'out_of_sync', limit: 3 })
      expect([out.items.map((r) => r.sku), out.total, out.totalCapped]).toEqual([
        ['MID-0001', 'MID-0002', 'MID-0003'],
        602,
        false,
      ])
      const last = await searchSkus(db, { status: 'out_of_sync', limit: 3, sort: { field: 'code', dir: 'desc' } })
      expect(last.items.map((r) => r.sku)).toEqual(['RI-005', 'RI-003', 'MID-0600'])
      const narrowed = await searchSkus(db, { status: 'out_of_sync', category: 'toys', limit: 50 })
      expect([narrowed.items.map((r) => r.sku), narrowed.total]).toEqual([['RI-003', 'RI-005'], 2])
    } finally {
      await db.$executeRawUnsafe(`DELETE FROM "ChannelListing" WHERE "externalSku" LIKE 'MID-%'`)
      await db.$executeRawUnsafe(`DELETE FROM "Sku" WHERE code LIKE 'MID-%'`)
    }
  })

  it('SKU search finds a code or a name by any part of it, case-insensitive', async () => {
    expect((await searchSkus(db, { q: 'i-00', limit: 50 })).items.map((r) => r.sku)).toEqual([
      'RI-000',
      'RI-001',
      'RI-002',
      'RI-003',
      'RI-004',
      'RI-005',
      'RI-006',
      'RI-007',
      'RI-008',
      'RI-009',
    ])
    expect((await searchSkus(db, { q: 'widget del', limit: 50 })).items.map((r) => r.sku)).toEqual(['RI-007'])
  })

  it("lists the active SKUs' categories, sorted, by probing the category index once per category", async () => {
    await db.sku.create({ data: { code: 'RI-GONE', name: 'Retired', category: 'archive', active: false } })
    const expected = (
      await db.sku.findMany({ where: { active: true }, select: { category: true }, distinct: ['category'] })
    )
      .map((c) => c.category)
      .sort()
    expect(expected).toContain('misc')
    expect((await searchSkus(db, { limit: 1 })).categories).toEqual(expected)
    expect(await plan(ACTIVE_CATEGORIES_SQL)).toContain('Sku_category_idx')
    await db.sku.delete({ where: { code: 'RI-GONE' } })
  })

  it('uses the trigram, waiting and failing indexes', async () => {
    expect(await plan(`SELECT id FROM "Sku" WHERE code ILIKE $1`, '%i-00%')).toContain('Sku_code_trgm_idx')
    expect(await plan(`SELECT id FROM "Sku" WHERE name ILIKE $1`, '%widget%')).toContain('Sku_name_trgm_idx')
    expect(await plan(`SELECT "skuId" FROM "ChannelListing" cl WHERE ${WAITING_SQL}`)).toMatch(
      /ChannelListing_waiting_(sku|since)_idx/,
    )
    expect(
      await plan(`SELECT "skuId" FROM "ChannelListing" cl WHERE cl.active AND cl."lastError" IS NOT NULL`),
    ).toContain('ChannelListing_failing_sku_idx')
    // The status filters' first read: the partial index, never the channel's or catalogue's listings.
    // (Either partial index on waiting listings holds exactly them.)
    const statusPlan = await plan(STATUS_SKUS_SQL.out_of_sync)
    expect(statusPlan, statusPlan).toMatch(/ChannelListing_waiting_(sku|since)_idx/)
    expect(statusPlan).not.toMatch(/Seq Scan on "ChannelListing"/)
    expect(await plan(STATUS_SKUS_SQL.failing)).toContain('ChannelListing_failing_sku_idx')
    // A publish claim: the channel's unsent listings in lane order, not every listing of the channel.
    expect(
      await plan(
        `SELECT id FROM "ChannelListing" WHERE "channelId" = $1::uuid AND ${UNSENT_SQL} ORDER BY ${publishClaimOrder(null)} LIMIT 100 FOR UPDATE SKIP LOCKED`,
        channelId,
      ),
    ).toContain('ChannelListing_unsent_idx')
    // A verification run's batch: the channel's accepted, unapplied listings, oldest acceptance
    // first, read in the index's order (no sort of the channel's listings).
    const verify = await plan(PENDING_VERIFY_SQL, channelId, 500)
    expect(verify, verify).toContain('ChannelListing_unverified_idx')
    expect(verify).not.toMatch(/Sort Key: cl\."acceptedAt"/)
    // The health read's two probes per channel: the oldest waiting listing and the SLO boundary minute.
    expect(
      await plan(
        `SELECT min(${WAITING_SINCE_SQL}) FROM "ChannelListing" cl WHERE cl."channelId" = $1::uuid AND ${WAITING_SQL}`,
        channelId,
      ),
    ).toContain('ChannelListing_waiting_since_idx')
    expect(
      await plan(
        `SELECT count(*) FROM "ChannelListing" cl WHERE cl."channelId" = $1::uuid AND ${WAITING_SQL} AND ${WAITING_SINCE_SQL} >= now() - interval '6 min' AND ${WAITING_SINCE_SQL} < now() - interval '5 min'`,
        channelId,
      ),
    ).toContain('ChannelListing_waiting_since_idx')
  })

  it("global search reads each table through its prefix index, in the index's order", async () => {
    const names = {
      skus: ['Sku_code_prefix_idx'],
      aliases: ['SkuAlias_alias_prefix_idx'],
      listings: ['ChannelListing_externalSku_prefix_idx', 'ChannelListing_externalId_prefix_idx'],
      orders: ['ChannelOrderEvent_orderId_prefix_idx'],
    }
    for (const [kind, sql] of Object.entries(GLOBAL_SEARCH_SQL)) {
      const p = await plan(sql, 'ri-00%')
      for (const index of names[kind as keyof typeof names]) expect(p, kind).toContain(index)
      expect(p, kind).not.toMatch(/Seq Scan on "(Sku|SkuAlias|ChannelListing|ChannelOrderEvent)"/)
    }
    // Mixed case both ways, and the listing found by its seller SKU.
    expect((await globalSearch(db, 'rI-01')).filter((h) => h.kind === 'sku').map((h) => h.label)).toEqual([
      'RI-010',
      'RI-011',
    ])
    expect((await globalSearch(db, 'a-1')).filter((h) => h.kind === 'listing').map((h) => h.label)).toEqual([
      'A-1',
      'A-10',
      'A-11',
    ])
  })

  it('SKU search finds an exact alias, and counts matches up to the cap', async () => {
    const sku = await db.sku.findUniqueOrThrow({ where: { code: 'RI-004' } })
    await db.skuAlias.create({ data: { scope: 'erp', alias: 'ERP-4444', skuId: sku.id } })
    expect((await searchSkus(db, { q: 'ERP-4444', limit: 50 })).items.map((r) => r.sku)).toEqual(['RI-004'])
    const fill = await searchSkus(db, { q: 'fill-', limit: 10 })
    expect([fill.total, fill.totalCapped]).toEqual([5000, false])
    await db.$executeRawUnsafe(
      `INSERT INTO "Sku" (id, code, name, category, "updatedAt") SELECT gen_random_uuid(), 'FILL-X' || n, 'Filler', 'misc', now() FROM generate_series(1, $1::int) n`,
      SKU_COUNT_CAP - 5000 + 1,
    )
    const capped = await searchSkus(db, { q: 'fill-', limit: 10 })
    expect([capped.total, capped.totalCapped, capped.items.length]).toEqual([SKU_COUNT_CAP, true, 10])

    // More SKUs out of sync than the cap: the filter stays an EXISTS, the first page is still exact,
    // and another filter narrows the count back to an exact one.
    await db.$executeRawUnsafe(
      `INSERT INTO "ChannelListing" (id, "channelId", "skuId", "externalSku", "desiredVersion", "desiredQuantity")
       SELECT gen_random_uuid(), $1::uuid, id, code, 1, 5 FROM "Sku" WHERE code LIKE 'FILL-%'`,
      channelId,
    )
    const out = await searchSkus(db, { status: 'out_of_sync', limit: 10 })
    expect([out.total, out.totalCapped]).toEqual([SKU_COUNT_CAP, true])
    expect(out.items.map((r) => r.channels.shop?.state)).toEqual(Array(10).fill('pending'))
    const narrowed = await searchSkus(db, { status: 'out_of_sync', q: 'RI-', limit: 10 })
    expect([narrowed.items.map((r) => r.sku), narrowed.total, narrowed.totalCapped]).toEqual([
      ['RI-003', 'RI-005'],
      2,
      false,
    ])
  })
})
