// The B2B portal's order webhook (docs/b2b-portal-orders.md): one signed POST per order change with
// cumulative per-line counts, X-Portal-Delivery-Id the same on every retry, the signature computed
// afresh at each attempt (the 5-minute timestamp window), retried after a non-2xx. Real HTTP, and
// the signature checked with Stocktower's own verifier.
import { afterEach, describe, expect, it } from 'vitest'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../../server/channels/b2b/signature'
import { B2bSimulator } from '../../../simulators/b2b'
import { fakeClock, waitFor } from '../channels/support'
import { json, startReceiver } from './support'

const SECRET = 'b2b-orders-secret'
const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

describe('B2B portal order webhooks', () => {
  it('sends signed order events with cumulative counts, and retries with the same delivery id and a fresh signature', async () => {
    const clock = fakeClock(Date.now())
    const seller = await startReceiver()
    open.push(seller)
    const sim = new B2bSimulator({
      plan: 'demo',
      seed: 3,
      latencyMs: 0,
      secret: SECRET,
      now: clock.now,
      webhookKnobs: { webhookRetryUnitMs: 20, webhookRetryScale: 1 },
    })
    open.push(sim)
    await sim.start()
    sim.seed(['SKU-1', 'SKU-2'], 20)
    expect(
      (await json(`${sim.url}/_sim/webhooks`, 'POST', { url: `${seller.url}/api/v1/channels/b2b/webhooks` })).status,
    ).toBe(201)

    const { body } = await json(`${sim.url}/_sim/buy`, 'POST', {
      lines: [
        { sku: 'SKU-1', quantity: 5 },
        { sku: 'SKU-2', quantity: 2 },
      ],
    })
    await waitFor(() => seller.received.length === 1, { what: 'order.created' })
    const created = seller.received[0]!
    expect(created.path).toBe('/api/v1/channels/b2b/webhooks')
    const verify = (d: typeof created, nowMs = clock.now()) =>
      verifySignature({
        secrets: [SECRET],
        timestampHeader: d.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
        signatureHeader: d.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        payload: d.rawBody,
        nowMs,
      })
    expect(verify(created)).toEqual({ ok: true })
    expect(
      verifySignature({
        secrets: ['another-secret'],
        timestampHeader: created.headers[TIMESTAMP_HEADER.toLowerCase()] as string,
        signatureHeader: created.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        payload: created.rawBody,
        nowMs: clock.now(),
      }).ok,
    ).toBe(false)
    const payload = JSON.parse(created.rawBody)
    expect(payload).toMatchObject({
      event: 'order.created',
      order: {
        orderId: body.orderId,
        lines: [
          { lineId: '1', sku: 'SKU-1', quantity: 5, cancelledQuantity: 0, shippedQuantity: 0 },
          { lineId: '2', sku: 'SKU-2', quantity: 2, cancelledQuantity: 0, shippedQuantity: 0 },
        ],
      },
    })
    expect(payload.deliveryId).toBe(created.headers['x-portal-delivery-id'])

    // The receiver fails once; the retry comes 10 minutes later on the portal's clock, re-signed.
    seller.answers.push(500)
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: body.orderId, lines: [{ lineId: '1', quantity: 2 }] })
    await waitFor(() => seller.received.length === 2 && sim.webhooks.counters.failedAttempts === 1, {
      what: 'the failing attempt, seen by the portal',
    })
    clock.advance(10 * 60_000)
    await waitFor(() => seller.received.length === 3, { what: 'the retry' })
    const [failed, retried] = seller.received.slice(1)
    expect(failed!.status).toBe(500)
    expect(retried!.headers['x-portal-delivery-id']).toBe(failed!.headers['x-portal-delivery-id'])
    expect(retried!.rawBody).toBe(failed!.rawBody)
    expect(verify(retried!)).toEqual({ ok: true })
    expect(retried!.headers[TIMESTAMP_HEADER.toLowerCase()]).not.toBe(failed!.headers[TIMESTAMP_HEADER.toLowerCase()])
    expect(JSON.parse(retried!.rawBody)).toMatchObject({
      event: 'order.updated',
      order: { lines: [{ quantity: 5, cancelledQuantity: 2 }, { cancelledQuantity: 0 }] },
    })

    await json(`${sim.url}/_sim/ship`, 'POST', { orderId: body.orderId })
    await waitFor(() => seller.received.length === 4, { what: 'order.shipped' })
    expect(JSON.parse(seller.received[3]!.rawBody)).toMatchObject({
      event: 'order.shipped',
      order: { lines: [{ cancelledQuantity: 2, shippedQuantity: 3 }, { shippedQuantity: 2 }] },
    })
    const other = (await json(`${sim.url}/_sim/buy`, 'POST', { sku: 'SKU-2', quantity: 1 })).body.orderId
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: other })
    await waitFor(() => seller.received.length === 6, { what: 'order.created + order.cancelled' })
    expect(JSON.parse(seller.received[5]!.rawBody).event).toBe('order.cancelled')
    const state = (await json(`${sim.url}/_sim/state`)).body
    expect(state.webhooks).toMatchObject({ receivers: 1, delivered: 5, retries: 1, pending: 0 })
  })
})
