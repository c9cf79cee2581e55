// A replay preview counts what an event moves (units, and the listings of its SKU), a rejected
// event keeps its raw payload and message, and an unknown SKU comes with its fix prefilled.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeListing, makeLocation, makeSku, receipt, saveRules } from '../support/factories'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { listDeadLetters } from '../../server/dead-letters/list-dead-letters'
import { previewReplay } from '../../server/dead-letters/preview-replay'

let db: PrismaClient

useTestDatabase(async (created) => {
  db = created
  await saveRules(db)
  await makeLocation(db, 'DC-1')
  const sku = await makeSku(db, 'SKU-1')
  for (const code of ['shop', 'mall']) await makeListing(db, (await makeChannel(db, code)).id, sku.id, `${code}-SKU-1`)
  // The ERP sends its own code for SKU-1, twice, which we do not know yet.
  await ingestEvents(db, {
    body: JSON.stringify({
      source: 'erp',
      events: [receipt('k1', 'ERP-0001', 'DC-1', 7), receipt('k2', 'ERP-0001', 'DC-1', 5)],
    }),
  })
})

describe('dead letter impact and fix', () => {
  it('keeps the raw event and the message, and offers the alias to add, prefilled', async () => {
    const { items, total } = await listDeadLetters(db, { kind: 'ingest', limit: 10 })
    expect(items).toHaveLength(2)
    expect(total).toBe(2)
    // Later pages do not count again; the first page's total covers every page.
    const first = await listDeadLetters(db, { kind: 'ingest', limit: 1 })
    expect(first.total).toBe(2)
    expect((await listDeadLetters(db, { kind: 'ingest', limit: 1, cursor: first.nextCursor })).total).toBeUndefined()
    const d = items[0]
    expect(d.code).toBe('UNKNOWN_SKU')
    expect((d.payload as { event: { sku: string } }).event.sku).toBe('ERP-0001')
    expect(d.inboundMessageId).toMatch(/^[0-9a-f-]{36}$/)
    expect(d.fix).toEqual({
      label: 'Add SKU alias "ERP-0001"',
      entity: 'sku-aliases',
      csv: 'scope,alias,sku\nerp,ERP-0001,\n',
    })
  })

  it('counts the units the events move and, once the SKU resolves, the listings they republish', async () => {
    const before = await previewReplay(db, { kind: 'ingest' })
    expect(before).toMatchObject({ deadLetters: 2, units: 12, skus: 0, unresolvedSkus: 1, listings: 0 })
    await db.skuAlias.create({
      data: {
        scope: 'erp',
        alias: 'ERP-0001',
        skuId: (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-1' } })).id,
      },
    })
    const after = await previewReplay(db, { kind: 'ingest' })
    expect(after).toMatchObject({ deadLetters: 2, units: 12, skus: 1, unresolvedSkus: 0, listings: 2 })
  })
})
