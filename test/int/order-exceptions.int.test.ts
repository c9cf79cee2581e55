// ERP order exceptions on a real database through the API: the policy per reason releases or keeps
// the reservation and suppresses the SKU on the order's channel only, until resolved; findings,
// audit, dead letters for bad input, the SKU page's list.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { listOrderExceptionsForSku } from '../../server/exceptions/list-order-exceptions'
import { makeApiKey } from '../support/factories'
import { scanInbox } from '../../server/ingest/inbox/scan-inbox'
import { ingestFile } from '../../server/ingest/inbox/ingest-file'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
let key: string
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }

useTestDatabase(
  async (created) => {
    db = created
    key = await makeApiKey(db, ['ingest:erp', 'read'])
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.orderExceptions = {
      invalid_item: { releaseReservation: true, suppress: true, suppressHours: 24 },
      credit_hold: { releaseReservation: false, suppress: false, suppressHours: 72 },
    }
    await saveRuleSet(db, merch, { rules, comment: 'order exception policies' })
    await recomputeAll(db)
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

const reserved = async (sku: string) =>
  (await db.position.aggregate({ where: { sku: { code: sku } }, _sum: { reserved: true } }))._sum.reserved ?? 0
async function placeOrder(orderId: string, sku: string, quantity: number) {
  const listing = await db.channelListing.findFirstOrThrow({
    where: { sku: { code: sku }, channel: { code: 'amazon' } },
    select: { externalSku: true },
  })
  await ingestOrders(
    db,
    'amazon',
    JSON.stringify({
      orders: [
        {
          orderId,
          status: 'created',
          occurredAt: new Date().toISOString(),
          lines: [{ lineId: '1', sku: listing.externalSku, quantity }],
        },
      ],
    }),
  )
}
let n = 0
const exc = (orderId: string, status: string, reason?: string, extra: object = {}) => ({
  idempotencyKey: `x-${++n}`,
  channel: 'amazon',
  orderId,
  status,
  ...(reason ? { reason } : {}),
  occurredAt: new Date().toISOString(),
  ...extra,
})
async function post(exceptions: unknown[]) {
  const { POST } = await import('../../app/api/v1/order-exceptions/route')
  const res = await POST(
    new Request('http://localhost/api/v1/order-exceptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ source: 'erp-demo', exceptions }),
    }),
    { params: Promise.resolve({}) },
  )
  return { status: res.status, body: await res.json() }
}

describe('ERP order exceptions', () => {
  it('bad exceptions are refused one by one with a reason and kept as dead letters', async () => {
    const r = await post([
      exc('O-9', 'rejected'),
      { ...exc('O-9', 'rejected', 'credit_hold'), channel: 'nowhere' },
      exc('NO-SUCH-ORDER', 'held', 'credit_hold'),
    ])
    expect(r.status).toBe(202)
    expect(r.body.rejected.map((x: { code: string }) => x.code)).toEqual([
      'INVALID_EXCEPTION',
      'UNKNOWN_CHANNEL',
      'UNKNOWN_ORDER',
    ])
    expect(r.body.rejected[0].message).toContain('needs a reason code')
    expect(
      await db.deadLetter.count({
        where: { source: 'erp-demo', code: { in: ['INVALID_EXCEPTION', 'UNKNOWN_CHANNEL', 'UNKNOWN_ORDER'] } },
      }),
    ).toBe(3)
    expect((await post([])).status).toBe(400)
  })

  it('invalid_item: releases the reservation and suppresses the SKU on the order channel only, until resolved', async () => {
    const shopify = await desiredQuantity(db, 'SKU-00001', 'shopify')
    const walmart = await desiredQuantity(db, 'SKU-00001', 'walmart')
    const before = await reserved('SKU-00001')
    await placeOrder('O-1', 'SKU-00001', 2)
    expect(await reserved('SKU-00001')).toBe(before + 2)
    await recomputeAll(db)
    const amazonWithOrder = await desiredQuantity(db, 'SKU-00001', 'amazon')
    expect(amazonWithOrder).toBeGreaterThan(0)

    const first = exc('O-1', 'rejected', 'invalid_item', { message: 'item AMZ mapping unknown in ERP' })
    expect((await post([first])).body).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] })
    expect((await post([first])).body).toMatchObject({ accepted: 0, duplicates: 1 })
    expect(await reserved('SKU-00001')).toBe(before)
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(0)
    expect(await desiredQuantity(db, 'SKU-00001', 'shopify')).toBe(shopify)
    expect(await desiredQuantity(db, 'SKU-00001', 'walmart')).toBe(walmart)
    const why = await explainAvailability(db, 'SKU-00001', 'amazon')
    expect(why.steps.find((s) => s.step === 'holdback')?.detail).toContain(
      'ERP order exception: invalid_item (rejected) on amazon:O-1, until resolved',
    )
    const finding = await db.finding.findFirst({
      where: { kind: 'order_exception', dedupeKey: 'order-exception:amazon:O-1' },
    })
    expect(finding).toMatchObject({ status: 'open', sku: 'SKU-00001', channel: 'amazon' })
    expect(finding!.cause).toContain('reservation released (2 units)')
    expect(await db.auditLog.count({ where: { action: 'order_exception.open' } })).toBe(1)
    expect((await listOrderExceptionsForSku(db, 'SKU-00001'))[0]).toMatchObject({
      orderId: 'O-1',
      reason: 'invalid_item',
      status: 'open',
      releasedUnits: 2,
      suppressed: true,
    })

    // Resolved: the suppression is lifted, the finding closes.
    expect((await post([exc('O-1', 'resolved', undefined, { message: 'mapping fixed' })])).body).toMatchObject({
      accepted: 1,
    })
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBeGreaterThan(0)
    expect(await db.finding.findFirst({ where: { dedupeKey: 'order-exception:amazon:O-1' } })).toMatchObject({
      status: 'resolved',
    })
    expect((await listOrderExceptionsForSku(db, 'SKU-00001'))[0]).toMatchObject({ orderId: 'O-1', status: 'resolved' })
    expect(await db.auditLog.count({ where: { action: 'order_exception.resolve' } })).toBe(1)
  })

  it('credit_hold (policy: keep): the reservation stays and nothing is suppressed, but a person sees it', async () => {
    await placeOrder('O-2', 'SKU-00002', 1)
    await recomputeAll(db)
    const amazon = await desiredQuantity(db, 'SKU-00002', 'amazon')
    const held = await reserved('SKU-00002')
    expect((await post([exc('O-2', 'held', 'credit_hold')])).body).toMatchObject({ accepted: 1 })
    await recomputeAll(db)
    expect(await reserved('SKU-00002')).toBe(held)
    expect(await desiredQuantity(db, 'SKU-00002', 'amazon')).toBe(amazon)
    expect((await db.finding.findFirst({ where: { dedupeKey: 'order-exception:amazon:O-2' } }))!.cause).toContain(
      'reservation kept',
    )
  })

  it('arrive as a file too: an *order-exceptions*.ndjson dropped in the inbox, same policy, bad lines reported', async () => {
    const inbox = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-oe-'))
    try {
      fs.mkdirSync(path.join(inbox, 'erp-demo'))
      await placeOrder('O-3', 'SKU-00004', 1)
      await recomputeAll(db)
      const lines = [
        JSON.stringify(exc('O-3', 'rejected', 'invalid_item')),
        '{not json',
        JSON.stringify(exc('O-3', 'held')),
      ]
      fs.writeFileSync(path.join(inbox, 'erp-demo', 'today.order-exceptions.ndjson'), lines.join('\n') + '\n')
      expect((await scanInbox(db, inbox, { minAgeMs: 0 })).claimed).toEqual(['erp-demo/today.order-exceptions.ndjson'])
      const msg = await db.inboundMessage.findFirstOrThrow({ where: { fileName: 'today.order-exceptions.ndjson' } })
      const r = await ingestFile(db, msg.id, { inboxDir: inbox })
      expect(r).toMatchObject({ outcome: 'processed', accepted: 1, rejected: 2 })
      await recomputeAll(db)
      expect(await desiredQuantity(db, 'SKU-00004', 'amazon')).toBe(0)
      expect((await listOrderExceptionsForSku(db, 'SKU-00004'))[0]).toMatchObject({
        orderId: 'O-3',
        reason: 'invalid_item',
        releasedUnits: 1,
        suppressed: true,
      })
      expect(fs.readdirSync(path.join(inbox, 'erp-demo', 'processed')).some((f) => f.endsWith('.error.txt'))).toBe(true)
    } finally {
      fs.rmSync(inbox, { recursive: true, force: true })
    }
  })
})
