// Global search finds SKUs, aliases, channel listing ids and order ids by prefix, in any case.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeSku } from '../support/factories'
import { globalSearch } from '../../server/search/global-search'
import { searchSkus } from '../../server/availability/search-skus'

let db: PrismaClient

useTestDatabase(async (created) => {
  db = created
  const a = await makeSku(db, 'SKU-00123')
  await makeSku(db, 'SKU-00124')
  await makeSku(db, 'OTHER-1')
  await db.skuAlias.create({ data: { scope: 'erp', alias: 'erp-abc-9', skuId: a.id } })
  const ch = await makeChannel(db, 'shop')
  await makeListing(db, ch.id, a.id, 'SHOP-SKU-00123', 'gid://shopify/InventoryItem/777')
  await db.channelOrderEvent.create({
    data: {
      channelId: ch.id,
      idempotencyKey: 'k1',
      orderId: 'WMT-5551',
      status: 'created',
      lines: [],
      occurredAt: new Date(),
      receivedAt: new Date(),
    },
  })
})

describe('global search', () => {
  it('finds SKUs by prefix in any case, and only prefixes', async () => {
    expect((await globalSearch(db, 'sku-0012')).filter((h) => h.kind === 'sku').map((h) => h.label)).toEqual([
      'SKU-00123',
      'SKU-00124',
    ])
    expect((await globalSearch(db, '00123')).filter((h) => h.kind === 'sku')).toEqual([])
  })
  it('finds aliases, listing ids and orders, each leading to its page', async () => {
    expect(await globalSearch(db, 'ERP-ABC')).toEqual([
      { kind: 'alias', label: 'erp-abc-9', detail: 'alias of SKU-00123 (erp)', href: '/skus/SKU-00123' },
    ])
    expect(await globalSearch(db, 'shop-sku')).toEqual([
      { kind: 'listing', label: 'SHOP-SKU-00123', detail: 'shop listing of SKU-00123', href: '/skus/SKU-00123' },
    ])
    expect((await globalSearch(db, 'gid://shopify/'))[0]).toMatchObject({
      kind: 'listing',
      label: 'gid://shopify/InventoryItem/777',
    })
    expect(await globalSearch(db, 'wmt-55')).toEqual([
      { kind: 'order', label: 'WMT-5551', detail: 'shop order', href: '/channels/shop' },
    ])
  })
  it('treats LIKE wildcards as text and an empty query as nothing', async () => {
    expect(await globalSearch(db, '%')).toEqual([])
    expect(await globalSearch(db, '  ')).toEqual([])
  })

  it('the SKU explorer counts every match, not just the page', async () => {
    const first = await searchSkus(db, { q: 'SKU-0012', limit: 1 })
    expect([first.items.length, first.total]).toEqual([1, 2])
    expect((await searchSkus(db, { q: 'SKU-0012', limit: 1, after: first.nextAfter })).total).toBe(2)
  })
})
