// Buyers buy on every simulator (shared/CONTRACT.md, "Marketplace simulators"): a sale lowers the
// marketplace's own quantity at once and refuses what it does not show; a cancel (whole or by line)
// gives the units back; orders survive a restart through the state file.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AmazonSimulator } from '../../../simulators/amazon'
import { B2bSimulator } from '../../../simulators/b2b'
import { ShopifySimulator } from '../../../simulators/shopify'
import { WalmartSimulator } from '../../../simulators/walmart'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

const makers = {
  shopify: (stateFile?: string) => new ShopifySimulator({ plan: 'demo', seed: 3, latencyMs: 0, stateFile }),
  amazon: (stateFile?: string) => new AmazonSimulator({ plan: 'demo', seed: 3, latencyMs: 0, stateFile }),
  walmart: (stateFile?: string) => new WalmartSimulator({ plan: 'demo', seed: 3, latencyMs: 0, stateFile }),
  b2b: (stateFile?: string) =>
    new B2bSimulator({ plan: 'demo', seed: 3, latencyMs: 0, stateFile, secret: 'b2b-order-book-secret' }),
}

async function call(url: string, method: 'GET' | 'POST', body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe.each(Object.entries(makers))('%s simulator sells', (_kind, make) => {
  it('lowers its own quantity at once, refuses what it does not show, and takes cancels back', async () => {
    const sim = make()
    open.push(sim)
    await sim.start()
    sim.seed(['SKU-1'], 5)
    expect(await call(`${sim.url}/_sim/quantity?sku=SKU-1`, 'GET')).toEqual({
      status: 200,
      body: { sku: 'SKU-1', quantity: 5 },
    })
    expect((await call(`${sim.url}/_sim/quantity?sku=NOPE`, 'GET')).status).toBe(404)

    const bought = await call(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-1', quantity: 3 })
    expect(bought.status).toBe(201)
    expect(typeof bought.body.orderId).toBe('string')
    expect((await call(`${sim.url}/_sim/quantity?sku=SKU-1`, 'GET')).body.quantity).toBe(2)

    const refused = await call(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-1', quantity: 3 })
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'INSUFFICIENT_QUANTITY' } } })
    expect((await call(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-1' })).status).toBe(400)

    const lineId = (
      sim as unknown as { orderBook: { get(id: string): { lines: Array<{ lineId: string }> } } }
    ).orderBook.get(bought.body.orderId as string)!.lines[0]!.lineId
    expect(
      (await call(`${sim.url}/_sim/cancel`, 'POST', { orderId: bought.body.orderId, lines: [{ lineId, quantity: 1 }] }))
        .status,
    ).toBe(200)
    expect((await call(`${sim.url}/_sim/quantity?sku=SKU-1`, 'GET')).body.quantity).toBe(3)
    expect((await call(`${sim.url}/_sim/cancel`, 'POST', { orderId: bought.body.orderId })).status).toBe(200)
    expect((await call(`${sim.url}/_sim/quantity?sku=SKU-1`, 'GET')).body.quantity).toBe(5)
    expect((await call(`${sim.url}/_sim/cancel`, 'POST', { orderId: bought.body.orderId })).status).toBe(409)
    expect((await call(`${sim.url}/_sim/cancel`, 'POST', { orderId: 'missing' })).status).toBe(404)

    // Why it shows what it shows: every change with its cause, newest last.
    sim.manualEdit({ sku: 'SKU-1', quantity: 9 })
    const history = await call(`${sim.url}/_sim/history?sku=SKU-1`, 'GET')
    expect(
      (history.body.changes as Array<{ from: number; to: number; cause: string; ref: string | null }>).map(
        ({ from, to, cause, ref }) => [from, to, cause, ref],
      ),
    ).toEqual([
      [5, 2, 'buy', bought.body.orderId],
      [2, 3, 'cancel', bought.body.orderId],
      [3, 5, 'cancel', bought.body.orderId],
      [5, 9, 'manual-edit', null],
    ])
    expect((await call(`${sim.url}/_sim/history`, 'GET')).status).toBe(400)
  })

  it('keeps its orders across a restart', async () => {
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sim-orders-')), 'state.json')
    const first = make(stateFile)
    await first.start()
    first.seed(['SKU-2'], 4)
    const { orderId } = first.buy({ sku: 'SKU-2', quantity: 1 })
    await first.close()
    const second = make(stateFile)
    open.push(second)
    await second.start()
    expect(second.quantity('SKU-2')).toBe(3)
    const again = second.buy({ sku: 'SKU-2', quantity: 1 })
    expect(again.orderId).not.toBe(orderId)
    expect(second.cancel({ orderId }).cancelledAt).not.toBeNull()
    expect(second.quantity('SKU-2')).toBe(3)
  })
})

describe('shopify simulator finds an item by its SKU', () => {
  it('sells an item the merchant created under an inventory item id of its own', async () => {
    const sim = makers.shopify()
    open.push(sim)
    await sim.start()
    sim.seed(['SKU-1'], 5)
    sim.manualEdit({ sku: 'SKU-X', inventoryItemId: 'gid://shopify/InventoryItem/777', quantity: 4 })
    expect(sim.quantity('SKU-X')).toBe(4)
    sim.buy({ sku: 'SKU-X', quantity: 1 })
    expect(sim.quantity('SKU-X')).toBe(3)
    expect(sim.quantity('SKU-1')).toBe(5)
    // An edit naming the item by its id moves that item, whatever SKU the edit says.
    sim.manualEdit({ sku: 'SKU-1', inventoryItemId: 'gid://shopify/InventoryItem/777', quantity: 2 })
    expect(sim.quantity('SKU-X')).toBe(2)
    expect(sim.quantity('SKU-1')).toBe(5)
    expect(sim.quantity('NOPE')).toBeUndefined()
  })
})
