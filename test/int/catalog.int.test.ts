// Master data API: operators create and fix the catalogue that ingest checks events against.
// Real PostgreSQL; the use cases are called as the routes call them, and the routes over HTTP shapes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { makeApiKey, makeChannel, receipt, saveRules } from '../support/factories'
import { ingestEvents } from '../../server/ingest/ingest-events'
import type { Actor } from '../../server/audit/record-audit'
import { CatalogRejectedError, upsertCatalog } from '../../server/catalog/upsert-catalog'
import { importCatalogCsv } from '../../server/catalog/import-catalog-csv'
import { listSkus } from '../../server/catalog/list-catalog'
import { skuEntity } from '../../server/catalog/upsert-skus'
import { locationEntity } from '../../server/catalog/upsert-locations'
import { skuAliasEntity } from '../../server/catalog/upsert-aliases'
import { unitEntity } from '../../server/catalog/upsert-units'
import { listingEntity } from '../../server/catalog/upsert-listings'
import type { CatalogEntity, CatalogReport } from '../../server/catalog/catalog-plan'

let t: TestDatabase
let db: PrismaClient
const actor: Actor = { kind: 'api_key', id: null, label: 'api key catalog-test' }

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  await saveRules(db)
  await makeChannel(db, 'amazon')
})
afterAll(async () => {
  // The route handlers use the process-wide client (DATABASE_URL points at this test database).
  await (globalThis as { stocktowerPrisma?: PrismaClient }).stocktowerPrisma?.$disconnect()
  await t.drop()
})

const items = (...raws: unknown[]) => raws.map((raw) => ({ raw }))
function upsert<I, R extends object>(
  entity: CatalogEntity<I, R>,
  raws: unknown[],
  dryRun = false,
): Promise<CatalogReport> {
  return upsertCatalog(db, entity, actor, items(...raws), { dryRun, ref: 'test-ref' })
}
async function rejection(p: Promise<unknown>): Promise<CatalogRejectedError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CatalogRejectedError)
  return e as CatalogRejectedError
}
async function dirtySkuCodes(): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ code: string }>>(
    `SELECT s.code FROM "AvailabilityDirty" d JOIN "Sku" s ON s.id = d."skuId" ORDER BY s.code`,
  )
  return rows.map((r) => r.code)
}
async function recomputeJobs(): Promise<number> {
  const [r] = await db.$queryRawUnsafe<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = 'recompute-availability'`,
  )
  return r.n
}
async function clearOutbox() {
  await db.$executeRawUnsafe(`DELETE FROM "AvailabilityDirty"`)
  await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
}

describe('catalogue upserts (JSON)', () => {
  beforeEach(clearOutbox)

  it('creates SKUs and a kit in one request, audited, with the new SKUs marked for recompute', async () => {
    const r = await upsert(skuEntity, [
      { code: 'SKU-A', name: 'Alpha', category: 'toys', priceCents: 1000, unitCostCents: 400 },
      { code: 'SKU-B', name: 'Bravo' },
      // Components may be created in the same request, listed in any order.
      {
        code: 'KIT-1',
        name: 'Alpha and Bravo',
        components: [
          { sku: 'SKU-B', quantity: 1 },
          { sku: 'SKU-A', quantity: 2 },
        ],
      },
    ])
    expect(r).toMatchObject({
      dryRun: false,
      applied: true,
      changes: { created: 3, updated: 0, unchanged: 0, errors: 0 },
    })
    expect(r.items.map((i) => [i.index, i.key, i.action])).toEqual([
      [0, 'SKU-A', 'create'],
      [1, 'SKU-B', 'create'],
      [2, 'KIT-1', 'create'],
    ])
    expect(r.items[0].changes).toMatchObject({
      name: { from: null, to: 'Alpha' },
      priceCents: { from: null, to: 1000 },
      baseUom: { from: null, to: 'EA' },
    })

    const kit = await db.sku.findUniqueOrThrow({
      where: { code: 'KIT-1' },
      include: { components: { include: { component: true } } },
    })
    expect(kit.isKit).toBe(true)
    expect(kit.components.map((c) => [c.component.code, c.quantity]).sort()).toEqual([
      ['SKU-A', 2],
      ['SKU-B', 1],
    ])
    expect(await db.sku.findUniqueOrThrow({ where: { code: 'SKU-A' } })).toMatchObject({
      name: 'Alpha',
      category: 'toys',
      priceCents: 1000,
      unitCostCents: 400,
      baseUom: 'EA',
      active: true,
      isKit: false,
    })
    expect(await dirtySkuCodes()).toEqual(['KIT-1', 'SKU-A', 'SKU-B'])
    expect(await recomputeJobs()).toBe(1)

    const audit = await db.auditLog.findMany({ where: { entity: 'sku', entityId: 'KIT-1' } })
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({
      action: 'catalog.sku.create',
      actorKind: 'api_key',
      actorLabel: 'api key catalog-test',
      ref: 'test-ref',
      before: null,
    })
    expect(audit[0].after).toMatchObject({
      code: 'KIT-1',
      isKit: true,
      components: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    })
  })

  it('updates only the fields sent, audits before and after, and reports a resend as unchanged', async () => {
    const r = await upsert(skuEntity, [{ code: 'SKU-B', category: 'games' }])
    expect(r.changes).toEqual({ created: 0, updated: 1, unchanged: 0, errors: 0 })
    expect(r.items[0].changes).toEqual({ category: { from: 'uncategorized', to: 'games' } })
    expect(await db.sku.findUniqueOrThrow({ where: { code: 'SKU-B' } })).toMatchObject({
      name: 'Bravo',
      category: 'games',
    })
    // A component's change moves its kits too.
    expect(await dirtySkuCodes()).toEqual(['KIT-1', 'SKU-B'])
    const audit = await db.auditLog.findFirstOrThrow({
      where: { entity: 'sku', entityId: 'SKU-B', action: 'catalog.sku.update' },
    })
    expect(audit.before).toMatchObject({ category: 'uncategorized', name: 'Bravo' })
    expect(audit.after).toMatchObject({ category: 'games', name: 'Bravo' })

    await clearOutbox()
    const auditsBefore = await db.auditLog.count()
    const again = await upsert(skuEntity, [{ code: 'SKU-B', category: 'games', name: 'Bravo' }])
    expect(again).toMatchObject({ applied: true, changes: { created: 0, updated: 0, unchanged: 1, errors: 0 } })
    expect(again.items[0]).toEqual({ index: 0, key: 'SKU-B', action: 'unchanged' })
    expect(await db.auditLog.count()).toBe(auditsBefore)
    expect(await dirtySkuCodes()).toEqual([])
  })

  it('dry run reports create, update and unchanged per item and writes nothing', async () => {
    const audits = await db.auditLog.count()
    const before = await db.sku.findUniqueOrThrow({ where: { code: 'SKU-A' } })
    const r = await upsert(
      skuEntity,
      [
        { code: 'SKU-A', name: 'Alpha' },
        { code: 'SKU-B', name: 'Bravo v2', priceCents: 1500 },
        { code: 'SKU-NEW', name: 'Brand new' },
      ],
      true,
    )
    expect(r).toMatchObject({
      dryRun: true,
      applied: false,
      changes: { created: 1, updated: 1, unchanged: 1, errors: 0 },
    })
    expect(r.items.map((i) => i.action)).toEqual(['unchanged', 'update', 'create'])
    expect(r.items[1].changes).toEqual({ name: { from: 'Bravo', to: 'Bravo v2' }, priceCents: { from: 0, to: 1500 } })
    expect(await db.sku.findUnique({ where: { code: 'SKU-NEW' } })).toBeNull()
    expect((await db.sku.findUniqueOrThrow({ where: { code: 'SKU-B' } })).name).toBe('Bravo')
    expect((await db.sku.findUniqueOrThrow({ where: { code: 'SKU-A' } })).updatedAt).toEqual(before.updatedAt)
    expect(await db.auditLog.count()).toBe(audits)
    expect(await dirtySkuCodes()).toEqual([])
    expect(await recomputeJobs()).toBe(0)
  })

  it('rejects the whole batch when any item is invalid, naming each item, field and fix', async () => {
    const e = await rejection(
      upsert(skuEntity, [
        { code: 'SKU-OK', name: 'Would be fine' },
        { code: 'KIT-SELF', name: 'Self', components: [{ sku: 'KIT-SELF', quantity: 1 }] },
        { code: 'KIT-NEST', name: 'Nested', components: [{ sku: 'KIT-1', quantity: 1 }] },
        {
          code: 'KIT-GHOST',
          name: 'Ghost',
          components: [
            { sku: 'SKU-NOPE', quantity: 1 },
            { sku: 'SKU-A', quantity: 0 },
          ],
        },
        { code: 'SKU-A', components: [{ sku: 'SKU-B', quantity: 1 }] },
        { code: 'SKU-NONAME' },
        { code: 'SKU-OK', name: 'twice' },
        { code: 'SKU-TYPO', name: 'x', pricecents: 5 },
        { code: 'SKU-FLAG', name: 'x', isKit: true },
      ]),
    )
    expect(e).toMatchObject({ status: 400, code: 'INVALID_ITEMS' })
    const r = e.report
    expect(r).toMatchObject({ dryRun: false, applied: false, changes: { created: 1, errors: 8 } })
    const byKey = (k: string, i = 0) => r.items.filter((x) => x.key === k)[i]
    expect(byKey('SKU-OK').action).toBe('create')
    expect(byKey('KIT-SELF').problems).toEqual([
      expect.objectContaining({ field: 'components[0].sku', code: 'KIT_CONTAINS_ITSELF' }),
    ])
    expect(byKey('KIT-NEST').problems).toEqual([
      expect.objectContaining({ field: 'components[0].sku', code: 'NESTED_KIT' }),
    ])
    expect(byKey('KIT-GHOST').error).toContain('items[3].components[1].quantity: quantity must be at least 1')
    expect(byKey('SKU-A').problems).toEqual([
      expect.objectContaining({
        field: 'components',
        code: 'NESTED_KIT',
        message: expect.stringContaining('component of kit(s) KIT-1'),
      }),
    ])
    expect(byKey('SKU-NONAME').error).toMatch(/^items\[5\]\.name: name is required to create SKU SKU-NONAME/)
    expect(byKey('SKU-OK', 1).problems![0]).toMatchObject({
      code: 'DUPLICATE_KEY',
      message: expect.stringContaining('items[0]'),
    })
    expect(byKey('SKU-TYPO').problems![0]).toMatchObject({
      field: 'pricecents',
      code: 'UNKNOWN_FIELD',
      message: expect.stringContaining('priceCents'),
    })
    expect(byKey('SKU-FLAG').problems![0]).toMatchObject({
      field: 'isKit',
      code: 'DERIVED_FIELD',
      message: expect.stringContaining('components'),
    })
    // All or nothing: the valid item was not applied either.
    expect(await db.sku.findUnique({ where: { code: 'SKU-OK' } })).toBeNull()

    // The unknown component is reported once its quantity is fixed.
    const ghost = await rejection(
      upsert(skuEntity, [{ code: 'KIT-GHOST', name: 'Ghost', components: [{ sku: 'SKU-NOPE', quantity: 1 }] }]),
    )
    expect(ghost.report.items[0].problems).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_SKU', field: 'components[0].sku' }),
    ])
  })

  it('refuses an empty batch and more than 5,000 items', async () => {
    await expect(upsert(skuEntity, [])).rejects.toMatchObject({ status: 400, code: 'EMPTY_BATCH' })
    await expect(
      upsert(
        skuEntity,
        Array.from({ length: 5001 }, (_, i) => ({ code: `S-${i}`, name: 'x' })),
      ),
    ).rejects.toMatchObject({ status: 413 })
  })
})

describe('CSV import', () => {
  const csv = (...lines: string[]) => [lines.join('\n') + '\n']

  it('names the bad line and column, and applies nothing', async () => {
    const file = csv(
      'code,name,price_cents,components',
      'CSV-1,First,100,',
      'CSV-2,Second,12.99,',
      '"CSV-3","Third, with comma",300,CSV-1:2;SKU-A',
      'CSV-4,,500,',
    )
    const e = await rejection(importCatalogCsv(db, skuEntity, actor, file, { ref: 'r' }))
    expect(e.report.changes).toMatchObject({ created: 2, errors: 2 })
    const bad = e.report.items.filter((i) => i.action === 'error')
    expect(bad.map((i) => i.line)).toEqual([3, 5])
    expect(bad[0].error).toBe(
      'line 3, column price_cents: priceCents must be a whole number of cents, e.g. 1299 for 12.99',
    )
    expect(bad[1].error).toMatch(/^line 5, column name: name is required to create SKU CSV-4/)
    expect(e.message).toContain('line 3, column price_cents')
    expect(await db.sku.count({ where: { code: { startsWith: 'CSV-' } } })).toBe(0)
  })

  it('imports a valid file, kit components included, and a dry run of it first writes nothing', async () => {
    const file = csv(
      'code,name,price_cents,active,components',
      'CSV-1,First,100,true,',
      'CSV-2,Second,200,no,',
      'CSV-KIT,Bundle,300,,CSV-1:2;CSV-2',
    )
    const dry = await importCatalogCsv(db, skuEntity, actor, file, { dryRun: true })
    expect(dry).toMatchObject({
      dryRun: true,
      applied: false,
      changes: { created: 3, updated: 0, unchanged: 0, errors: 0 },
    })
    expect(dry.items.map((i) => i.line)).toEqual([2, 3, 4])
    expect(await db.sku.count({ where: { code: { startsWith: 'CSV-' } } })).toBe(0)

    const r = await importCatalogCsv(db, skuEntity, actor, file)
    expect(r).toMatchObject({ applied: true, changes: { created: 3 } })
    expect((await db.sku.findUniqueOrThrow({ where: { code: 'CSV-2' } })).active).toBe(false)
    const kit = await listSkus(db, { q: 'csv-kit', limit: 10 })
    expect(kit.items).toHaveLength(1)
    expect(kit.items[0]).toMatchObject({
      isKit: true,
      components: [
        { sku: 'CSV-1', quantity: 2 },
        { sku: 'CSV-2', quantity: 1 },
      ],
    })
  })

  it('stops at a syntax error or an unknown column with the line, and refuses row 5,001', async () => {
    await expect(
      importCatalogCsv(db, skuEntity, actor, csv('code,name', 'X-1,ok', 'X-2,"bro"ken')),
    ).rejects.toMatchObject({ status: 400, code: 'INVALID_CSV', message: expect.stringContaining('line 3') })
    await expect(importCatalogCsv(db, skuEntity, actor, csv('code,nmae', 'X-1,ok'))).rejects.toMatchObject({
      code: 'INVALID_CSV',
      message: expect.stringContaining('unknown column(s) nmae'),
    })
    await expect(importCatalogCsv(db, skuEntity, actor, csv('name', 'ok'))).rejects.toMatchObject({
      code: 'INVALID_CSV',
      message: expect.stringContaining('lacks the column(s) code'),
    })
    const big = ['code,name', ...Array.from({ length: 5001 }, (_, i) => `BIG-${i},x`)]
    await expect(importCatalogCsv(db, skuEntity, actor, csv(...big))).rejects.toMatchObject({
      status: 413,
      message: expect.stringContaining('line 5002'),
    })
    expect(await db.sku.count({ where: { code: { startsWith: 'X-' } } })).toBe(0)
  })
})

describe('aliases and units feed ingest', () => {
  it('an alias and a CASE unit turn a rejected event into an accepted one, in base units', async () => {
    await upsert(locationEntity, [{ code: 'DC-EAST', name: 'East DC', kind: 'dc' }])
    const send = (key: string) =>
      ingestEvents(db, {
        body: JSON.stringify({ source: 'erp-x', events: [receipt(key, 'ERP-A', 'DC-EAST', 2, { uom: 'CASE' })] }),
      })

    expect((await send('case-1')).rejected).toEqual([expect.objectContaining({ code: 'UNKNOWN_SKU' })])
    const alias = await upsert(skuAliasEntity, [{ scope: 'erp-x', alias: 'ERP-A', sku: 'SKU-A' }])
    expect(alias.items[0]).toMatchObject({ key: 'erp-x/ERP-A', action: 'create' })
    expect((await send('case-2')).rejected).toEqual([expect.objectContaining({ code: 'UNKNOWN_UOM' })])
    // Units are stored upper case, as ingest compares them.
    const unit = await upsert(unitEntity, [{ sku: 'SKU-A', uom: 'case', factor: 12 }])
    expect(unit.items[0]).toMatchObject({
      key: 'SKU-A/CASE',
      action: 'create',
      changes: { factor: { from: null, to: 12 } },
    })

    const ok = await send('case-3')
    expect(ok).toMatchObject({ accepted: 1, rejected: [] })
    const pos = await db.position.findFirstOrThrow({ where: { sku: { code: 'SKU-A' }, location: { code: 'DC-EAST' } } })
    expect(pos.onHand).toBe(24)
    expect(
      await db.auditLog.count({
        where: { entity: 'sku_alias', entityId: 'erp-x/ERP-A', action: 'catalog.sku_alias.create' },
      }),
    ).toBe(1)
    expect(await db.auditLog.count({ where: { entity: 'unit_of_measure', entityId: 'SKU-A/CASE' } })).toBe(1)
  })

  it('validates aliases and units against the catalogue', async () => {
    const e = await rejection(
      upsert(skuAliasEntity, [
        { scope: 'channel:nope', alias: 'X', sku: 'SKU-A' },
        { scope: 'erp-x', alias: 'ERP-Z', sku: 'SKU-NOPE' },
        { scope: '*', alias: 'SKU-B', sku: 'SKU-A' },
        { scope: 'erp-x', alias: 'ERP-B', sku: 'SKU-B', uom: 'CASE' },
      ]),
    )
    expect(e.report.items.map((i) => i.problems?.[0].code)).toEqual([
      'UNKNOWN_CHANNEL',
      'UNKNOWN_SKU',
      'ALIAS_SHADOWED',
      'UNKNOWN_FIELD',
    ])
    expect(e.report.items[3].error).toContain('/api/v1/catalog/units')
    const u = await rejection(
      upsert(unitEntity, [
        { sku: 'SKU-A', uom: 'EA', factor: 1 },
        { sku: 'KIT-1', uom: 'PK', factor: 2 },
        { sku: 'SKU-A', uom: 'PALLET', factor: 0 },
      ]),
    )
    expect(u.report.items.map((i) => i.problems?.[0].code)).toEqual(['BASE_UNIT', 'KIT_HAS_NO_STOCK', 'INVALID_VALUE'])
  })

  it('refuses to turn a SKU with stock into a kit or change its base unit', async () => {
    const e = await rejection(
      upsert(skuEntity, [
        { code: 'SKU-A', baseUom: 'PK' },
        { code: 'SKU-A2', name: 'x' },
      ]),
    )
    expect(e.report.items[0].problems!.map((p) => p.code)).toEqual(['SKU_HAS_STOCK', 'SKU_HAS_UNITS'])
    // The same unit in another case is no change.
    expect((await upsert(skuEntity, [{ code: 'SKU-A', baseUom: 'ea' }], true)).items[0].action).toBe('unchanged')
  })
})

describe('listings and locations', () => {
  beforeEach(clearOutbox)

  it('a listing change marks its SKU (and the kits containing it) for recompute', async () => {
    const r = await upsert(listingEntity, [
      { channel: 'amazon', sku: 'SKU-A', externalSku: 'AMZ-A' },
      { channel: 'amazon', sku: 'SKU-B' },
    ])
    expect(r.changes.created).toBe(2)
    expect(r.items[1].changes).toMatchObject({
      externalSku: { from: null, to: 'SKU-B' },
      active: { from: null, to: true },
    })
    expect(await dirtySkuCodes()).toEqual(['KIT-1', 'SKU-A', 'SKU-B'])
    expect(await recomputeJobs()).toBe(1)

    await clearOutbox()
    expect(
      (await upsert(listingEntity, [{ channel: 'amazon', sku: 'SKU-A', externalSku: 'AMZ-A' }])).changes.unchanged,
    ).toBe(1)
    expect(await dirtySkuCodes()).toEqual([])

    const off = await upsert(listingEntity, [{ channel: 'amazon', sku: 'SKU-A', active: false }])
    expect(off.items[0].changes).toEqual({ active: { from: true, to: false } })
    expect(await dirtySkuCodes()).toEqual(['KIT-1', 'SKU-A'])
    const audit = await db.auditLog.findFirstOrThrow({
      where: { entity: 'channel_listing', entityId: 'amazon/SKU-A', action: 'catalog.channel_listing.update' },
    })
    expect(audit.before).toMatchObject({ active: true })
    expect(audit.after).toMatchObject({ active: false })
  })

  it('keeps seller SKUs unique per channel, judged after the request (a swap is fine)', async () => {
    const taken = await rejection(
      upsert(listingEntity, [
        { channel: 'amazon', sku: 'SKU-B', externalSku: 'AMZ-A' },
        { channel: 'ebay', sku: 'SKU-A' },
      ]),
    )
    expect(taken.report.items[0].problems).toEqual([
      expect.objectContaining({
        field: 'externalSku',
        code: 'EXTERNAL_SKU_TAKEN',
        message: expect.stringContaining('to SKU-A'),
      }),
    ])
    expect(taken.report.items[1].problems![0].code).toBe('UNKNOWN_CHANNEL')

    const swap = await upsert(listingEntity, [
      { channel: 'amazon', sku: 'SKU-B', externalSku: 'AMZ-A' },
      { channel: 'amazon', sku: 'SKU-A', externalSku: 'SKU-B' },
    ])
    expect(swap.changes.updated).toBe(2)
    const rows = await db.channelListing.findMany({ include: { sku: true }, orderBy: { externalSku: 'asc' } })
    expect(rows.map((l) => [l.externalSku, l.sku.code])).toEqual([
      ['AMZ-A', 'SKU-B'],
      ['SKU-B', 'SKU-A'],
    ])
  })

  it('switching a location off marks the SKUs stocked there', async () => {
    const r = await upsert(locationEntity, [
      { code: 'DC-EAST', active: false },
      { code: 'DC-WEST', name: 'West', kind: '3pl' },
    ])
    expect(r.items.map((i) => i.action)).toEqual(['update', 'create'])
    expect(await dirtySkuCodes()).toEqual(['KIT-1', 'SKU-A'])
    const bad = await rejection(upsert(locationEntity, [{ code: 'DC-X', name: 'x', kind: 'warehouse' }]))
    expect(bad.report.items[0].error).toBe('items[0].kind: kind must be one of dc, 3pl, store')
  })
})

describe('listing the catalogue', () => {
  it('pages by code with a cursor and filters with q', async () => {
    const first = await listSkus(db, { limit: 2 })
    expect(first.items.map((s) => s.code)).toEqual(['CSV-1', 'CSV-2'])
    const second = await listSkus(db, { limit: 2, cursor: first.nextCursor })
    expect(second.items.map((s) => s.code)).toEqual(['CSV-KIT', 'KIT-1'])
    expect((await listSkus(db, { limit: 50, kind: 'kit' })).items.map((s) => s.code)).toEqual(['CSV-KIT', 'KIT-1'])
    expect((await listSkus(db, { limit: 50, q: 'bravo' })).items.map((s) => s.code)).toEqual(['KIT-1', 'SKU-B'])
    await expect(listSkus(db, { limit: 2, cursor: 'nonsense' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
    // What GET returns, POST accepts unchanged.
    const kit = (await listSkus(db, { limit: 1, q: 'KIT-1' })).items[0]
    expect((await upsert(skuEntity, [kit], true)).items[0].action).toBe('unchanged')
  })
})

describe('HTTP routes', () => {
  let writeKey: string
  let readKey: string
  beforeAll(async () => {
    writeKey = await makeApiKey(db, ['catalog:write', 'read'])
    readKey = await makeApiKey(db, ['read'])
  })
  const call = async (path: string, init: { method?: string; key?: string; body?: string; type?: string } = {}) => {
    const skus = await import('../../app/api/v1/catalog/skus/route')
    const skusImport = await import('../../app/api/v1/catalog/skus/import/route')
    const handler = path.includes('/import') ? skusImport.POST : init.method === 'GET' ? skus.GET : skus.POST
    const headers: Record<string, string> = { 'content-type': init.type ?? 'application/json' }
    if (init.key) headers.authorization = `Bearer ${init.key}`
    const res = await handler(
      new Request(`http://localhost${path}`, { method: init.method ?? 'POST', headers, body: init.body }),
      { params: Promise.resolve({}) },
    )
    return { status: res.status, body: await res.json() }
  }

  it('authenticates, checks the scope, and answers in the contract shapes', async () => {
    const body = JSON.stringify({ items: [{ code: 'HTTP-1', name: 'Over HTTP' }] })
    expect(await call('/api/v1/catalog/skus', { body })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    })
    expect(await call('/api/v1/catalog/skus', { body, key: readKey })).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    })
    expect(await call('/api/v1/catalog/skus?dryRun=1', { body, key: writeKey })).toMatchObject({
      status: 200,
      body: { dryRun: true, changes: { created: 1 } },
    })
    expect(await db.sku.findUnique({ where: { code: 'HTTP-1' } })).toBeNull()
    expect(await call('/api/v1/catalog/skus', { body, key: writeKey })).toMatchObject({
      status: 200,
      body: { applied: true, items: [{ key: 'HTTP-1', action: 'create' }] },
    })

    const invalid = await call('/api/v1/catalog/skus', {
      key: writeKey,
      body: JSON.stringify({ items: [{ code: 'HTTP-2' }] }),
    })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error).toMatchObject({ code: 'INVALID_ITEMS', ref: expect.any(String) })
    expect(invalid.body.items[0]).toMatchObject({ action: 'error', problems: [{ field: 'name', code: 'REQUIRED' }] })
    expect(await call('/api/v1/catalog/skus', { key: writeKey, body: '{"skus": []}' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_BODY' } },
    })
    const tooMany = JSON.stringify({ items: Array.from({ length: 5001 }, (_, i) => ({ code: `H-${i}` })) })
    expect(await call('/api/v1/catalog/skus', { key: writeKey, body: tooMany })).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    })

    const list = await call('/api/v1/catalog/skus?q=HTTP&limit=5', { method: 'GET', key: readKey })
    expect(list).toMatchObject({
      status: 200,
      body: { items: [{ code: 'HTTP-1', name: 'Over HTTP' }], nextCursor: null },
    })
  })

  it('imports CSV from a streamed body and names the line of a bad row', async () => {
    const path = '/api/v1/catalog/skus/import'
    expect(await call(path, { key: writeKey, body: 'code,name\nHTTP-3,x\n' })).toMatchObject({
      status: 415,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } },
    })
    const bad = await call(path, {
      key: writeKey,
      type: 'text/csv; charset=utf-8',
      body: 'code,name,price_cents\nHTTP-3,Three,300\nHTTP-4,Four,-5\n',
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('line 3, column price_cents: priceCents must not be negative')
    expect(bad.body.items[1]).toMatchObject({ line: 3, action: 'error' })
    expect(await db.sku.findUnique({ where: { code: 'HTTP-3' } })).toBeNull()
    const ok = await call(`${path}?dryRun=true`, {
      key: writeKey,
      type: 'text/csv',
      body: 'code,name,price_cents\nHTTP-3,Three,300\n',
    })
    expect(ok).toMatchObject({
      status: 200,
      body: { dryRun: true, changes: { created: 1 }, items: [{ line: 2, key: 'HTTP-3', action: 'create' }] },
    })
  })
})

describe('batch size', () => {
  it('imports 5,000 rows in one request, audited per row, and a re-import is all unchanged', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `BULK-${String(i).padStart(5, '0')},Bulk ${i},home,${100 + i}`)
    const file = ['code,name,category,price_cents\n', ...rows.map((r) => `${r}\n`)]
    const r = await importCatalogCsv(db, skuEntity, actor, file)
    expect(r.changes).toEqual({ created: 5000, updated: 0, unchanged: 0, errors: 0 })
    expect(await db.sku.count({ where: { code: { startsWith: 'BULK-' } } })).toBe(5000)
    expect(
      await db.auditLog.count({ where: { action: 'catalog.sku.create', entityId: { startsWith: 'BULK-' } } }),
    ).toBe(5000)
    const again = await importCatalogCsv(db, skuEntity, actor, file, { dryRun: true })
    expect(again.changes).toEqual({ created: 0, updated: 0, unchanged: 5000, errors: 0 })
  })
})
