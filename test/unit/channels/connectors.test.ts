// Each connector against its marketplace simulator over real HTTP: the happy path and read-back,
// throttling classified as transient with the channel's own wait, an outage as transient,
// validation and unknown listings as permanent, Shopify's compare-and-set, and a merchant's edit
// visible to read-back. The simulators keep their own clock (fakeClock) so no test waits.
import { afterEach, describe, expect, it } from 'vitest'
import type { Connector, ListingUpdate } from '../../../server/channels/connector'
import { createConnector } from '../../../server/channels/create-connector'
import { ShopifySimulator, shopifyInventoryItemGid } from '../../../simulators/shopify'
import { AmazonSimulator } from '../../../simulators/amazon'
import { WalmartSimulator } from '../../../simulators/walmart'
import { B2bSimulator } from '../../../simulators/b2b'
import { fakeClock } from './support'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function started<T extends { start(): Promise<T>; close(): Promise<void> }>(sim: T): Promise<T> {
  open.push(sim)
  return sim.start()
}

const update = (sku: string, quantity: number, over: Partial<ListingUpdate> = {}): ListingUpdate => ({
  listingId: `l-${sku}`,
  externalSku: sku,
  externalId: null,
  quantity,
  expectedCurrent: null,
  version: 1,
  ...over,
})

describe('Shopify (GraphQL inventorySetQuantities)', () => {
  const setup = async (plan: 'demo' | 'realistic' = 'demo') => {
    const clock = fakeClock()
    const sim = await started(new ShopifySimulator({ plan, seed: 1, now: clock.now, latencyMs: 0 }))
    sim.seed(['SH-1', 'SH-2', 'SH-3'], 5)
    const slept: number[] = []
    // Pacing waits on the simulator's clock: the test advances it instead of waiting.
    const connectorFor = (accessToken: string) =>
      createConnector('shopify', {
        baseUrl: sim.url,
        credentials: { accessToken },
        settings: { locationId: 'gid://shopify/Location/1' },
        now: clock.now,
        sleep: async (ms) => {
          slept.push(ms)
          clock.advance(ms)
        },
      })
    const connector = connectorFor('shpat_test')
    const u = (sku: string, q: number, over: Partial<ListingUpdate> = {}) =>
      update(sku, q, { externalId: shopifyInventoryItemGid(sku), ...over })
    return { sim, clock, connector, connectorFor, slept, u }
  }

  it('sets available in one batched mutation with compare-and-set and an idempotency key, and reads it back', async () => {
    const { sim, connector, u } = await setup()
    const r = await connector.pushQuantities([
      u('SH-1', 9, { expectedCurrent: 5 }),
      u('SH-2', 0, { expectedCurrent: 5 }),
    ])
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied'])
    const sent = sim.requests.at(-1)!.body as {
      query: string
      variables: {
        idempotencyKey: string
        input: { name: string; quantities: Array<{ changeFromQuantity: number | null; quantity: number }> }
      }
    }
    expect(sent.query).toContain('inventorySetQuantities')
    expect(sent.variables.input.name).toBe('available')
    expect(sent.variables.input.quantities.map((q) => [q.quantity, q.changeFromQuantity])).toEqual([
      [9, 5],
      [0, 5],
    ])
    expect(sent.variables.idempotencyKey).toMatch(/\S{8,}/)
    const back = await connector.readQuantities([u('SH-1', 0), u('SH-2', 0), u('SH-3', 0)])
    expect(back.map((b) => b.quantity)).toEqual([9, 0, 5])
  })

  it('a stale compare-and-set (the merchant changed the number) is transient and nothing in the batch applies', async () => {
    const { sim, connector, u } = await setup()
    sim.manualEdit({ sku: 'SH-1', inventoryItemId: shopifyInventoryItemGid('SH-1'), quantity: 17 })
    expect((await connector.readQuantities([u('SH-1', 0)]))[0].quantity).toBe(17)
    const r = await connector.pushQuantities([
      u('SH-1', 3, { expectedCurrent: 5 }),
      u('SH-2', 4, { expectedCurrent: 5 }),
    ])
    expect(r.outcomes).toMatchObject([
      { outcome: 'failed', code: 'CHANGE_FROM_QUANTITY_STALE' },
      { outcome: 'failed', code: 'BATCH_ABORTED', collateral: true },
    ])
    expect(r.outcomes[0]).not.toHaveProperty('collateral')
    expect((await connector.readQuantities([u('SH-2', 0)]))[0].quantity).toBe(5)
  })

  it('waits for the points a call needs as the last answer described the bucket, so it is not throttled', async () => {
    const { sim, connector, slept, u } = await setup()
    // A bucket of 15 points restoring 1 a second: the first mutation (cost 11) leaves 4.
    sim.configure({ throttle: { maximumAvailable: 15, restoreRate: 1 } })
    expect((await connector.pushQuantities([u('SH-1', 2)])).outcomes).toMatchObject([{ outcome: 'applied' }])
    expect(slept).toEqual([])
    // A full batch would need the whole bucket (15): the publisher hears it is ready in 11 s.
    expect(connector.readyInMs?.()).toBe(11_000)
    // The next (cost 12) waits (12 - 4) / 1 per second, then goes through.
    const r = await connector.pushQuantities([u('SH-2', 2), u('SH-3', 2)])
    expect(r.outcomes).toMatchObject([{ outcome: 'applied' }, { outcome: 'applied' }])
    expect(slept).toEqual([8_000])
    expect(
      sim.requests.filter(
        (request) => request.status !== 200 || JSON.stringify(request.response).includes('THROTTLED'),
      ),
    ).toEqual([])
    // Read-backs draw from the same bucket: 3 ids cost 4 points, 0 are left, so it waits 4 s.
    expect(await connector.readQuantities([u('SH-1', 0), u('SH-2', 0), u('SH-3', 0)])).toMatchObject([
      { quantity: 2 },
      { quantity: 2 },
      { quantity: 2 },
    ])
    expect(slept).toEqual([8_000, 4_000])
  })

  it('THROTTLED is transient with the wait the cost extension gives', async () => {
    const { sim, connector, connectorFor, u } = await setup()
    // A bucket of 15 points restoring 1 a second: the first mutation (cost 11) fits, the next does not.
    sim.configure({ throttle: { maximumAvailable: 15, restoreRate: 1 } })
    expect((await connector.pushQuantities([u('SH-1', 2)])).outcomes).toMatchObject([{ outcome: 'applied' }])
    // Another app (another token: nothing seen of the bucket yet) sends without waiting.
    const r = await connectorFor('shpat_other_app').pushQuantities([u('SH-2', 2), u('SH-3', 2)])
    expect(r.outcomes).toMatchObject([
      { outcome: 'failed', code: 'THROTTLED' },
      { outcome: 'failed', code: 'THROTTLED' },
    ])
    expect(
      (r.response as { extensions: { cost: { throttleStatus: unknown } } }).extensions.cost.throttleStatus,
    ).toMatchObject({ maximumAvailable: 15, restoreRate: 1 })
    // (11 - 4 available) / 1 per second = about 7 s.
    expect(r.throttledForMs).toBeGreaterThanOrEqual(6_000)
    expect(r.throttledForMs).toBeLessThanOrEqual(12_000)
  })

  it('an outage is transient; an unknown inventory item is permanent', async () => {
    const { sim, connector, u } = await setup()
    sim.configure({ outage: true })
    const down = await connector.pushQuantities([u('SH-1', 2)])
    expect(down.outcomes).toMatchObject([{ outcome: 'failed' }])
    expect(down.httpStatus).toBe(503)
    sim.configure({ outage: false, autoCreateListings: false })
    const bad = await connector.pushQuantities([u('SH-9', 2, { externalId: 'not-a-gid' })])
    expect(bad.outcomes).toMatchObject([{ outcome: 'rejected' }])
  })
})

describe('Amazon (SP-API patchListingsItem)', () => {
  const setup = async (opts: { acceptedNeverAppliedRate?: number } = {}) => {
    const clock = fakeClock()
    const sim = await started(
      new AmazonSimulator({
        plan: 'demo',
        seed: 2,
        now: clock.now,
        latencyMs: 0,
        applyDelayMs: 30_000,
        applyJitterMs: 0,
        ...opts,
      }),
    )
    sim.seed(['AMZ-1', 'AMZ-2'], 5)
    const connector = createConnector('amazon', {
      baseUrl: sim.url,
      credentials: {
        clientId: 'amzn1.application-oa2-client.test',
        clientSecret: 'lwa-secret',
        refreshToken: 'Atzr|test',
      },
      settings: {
        lwaTokenUrl: `${sim.url}/auth/o2/token`,
        sellerId: 'A1SELLER',
        marketplaceId: 'ATVPDKIKX0DER',
        productType: 'PRODUCT',
      },
    })
    return { sim, clock, connector }
  }

  it('is accepted, applies asynchronously, and read-back shows it only after the channel applied it', async () => {
    const { sim, clock, connector } = await setup()
    const r = await connector.pushQuantities([update('AMZ-1', 12)])
    expect(r.outcomes).toMatchObject([{ outcome: 'accepted' }])
    expect((await connector.readQuantities([update('AMZ-1', 0)]))[0].quantity).toBe(5)
    clock.advance(31_000)
    sim.applyNow()
    expect((await connector.readQuantities([update('AMZ-1', 0)]))[0].quantity).toBe(12)
  })

  it('some accepted updates never apply (the knob): read-back keeps the old number', async () => {
    const { sim, connector } = await setup({ acceptedNeverAppliedRate: 1 })
    expect((await connector.pushQuantities([update('AMZ-2', 40)])).outcomes).toMatchObject([{ outcome: 'accepted' }])
    sim.applyNow()
    expect((await connector.readQuantities([update('AMZ-2', 0)]))[0].quantity).toBe(5)
  })

  it('429 past the 5/s burst is transient with a wait; an outage is transient', async () => {
    const { sim, connector } = await setup()
    sim.configure({ throttle: { ratePerSecond: 5, burst: 5 } })
    const results = []
    for (let i = 0; i < 7; i++) results.push(await connector.pushQuantities([update('AMZ-1', i)]))
    const throttled = results.filter((r) => r.httpStatus === 429)
    expect(throttled.length).toBe(2)
    for (const t of throttled) {
      expect(t.outcomes).toMatchObject([{ outcome: 'failed' }])
      expect(t.throttledForMs ?? (t.outcomes[0] as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0)
    }
    expect(sim.requests.find((q) => q.status === 429)).toBeDefined()
    sim.configure({ outage: true })
    expect((await connector.pushQuantities([update('AMZ-1', 3)])).outcomes).toMatchObject([{ outcome: 'failed' }])
  })

  it('an INVALID submission (unknown SKU) is permanent with the issue text', async () => {
    const { sim, connector } = await setup()
    sim.configure({ autoCreateListings: false })
    const r = await connector.pushQuantities([update('AMZ-NOPE', 3)])
    expect(r.outcomes).toMatchObject([{ outcome: 'rejected' }])
    expect((r.outcomes[0] as { message: string }).message.length).toBeGreaterThan(5)
  })
})

describe('Walmart (PUT /v3/inventory)', () => {
  const setup = async () => {
    const clock = fakeClock()
    const sim = await started(new WalmartSimulator({ plan: 'demo', seed: 3, now: clock.now, latencyMs: 0 }))
    sim.seed(['WM-1', 'WM-2'], 5)
    const connector = createConnector('walmart', {
      baseUrl: sim.url,
      credentials: { clientId: 'wm-test-client', clientSecret: 'wm-test-secret' },
      settings: {},
    })
    return { sim, clock, connector }
  }

  it('sends {sku, quantity:{unit:"EACH", amount}} and reads it back', async () => {
    const { sim, connector } = await setup()
    const r = await connector.pushQuantities([update('WM-1', 21)])
    expect(['applied', 'accepted']).toContain(r.outcomes[0].outcome)
    const sent = sim.requests.find((q) => q.method === 'PUT')!
    expect(sent.path).toBe('/v3/inventory')
    expect(sent.body).toEqual({ sku: 'WM-1', quantity: { unit: 'EACH', amount: 21 } })
    sim.applyNow()
    expect((await connector.readQuantities([update('WM-1', 0)]))[0].quantity).toBe(21)
  })

  it('429 honours Retry-After; a 5xx is transient; an unknown item is permanent', async () => {
    const { sim, connector } = await setup()
    sim.configure({ throttle: { ratePerSecond: 1, burst: 1 } as never })
    await connector.pushQuantities([update('WM-1', 1)])
    const t = await connector.pushQuantities([update('WM-1', 2)])
    expect(t.httpStatus).toBe(429)
    expect(t.outcomes).toMatchObject([{ outcome: 'failed' }])
    const wait = t.throttledForMs ?? (t.outcomes[0] as { retryAfterMs?: number }).retryAfterMs
    expect(wait).toBeGreaterThanOrEqual(1000)
    sim.configure({ throttle: null, errorRate: 1 })
    expect((await connector.pushQuantities([update('WM-2', 2)])).outcomes).toMatchObject([{ outcome: 'failed' }])
    sim.configure({ errorRate: 0, autoCreateListings: false })
    expect((await connector.pushQuantities([update('WM-NOPE', 2)])).outcomes).toMatchObject([{ outcome: 'rejected' }])
  })
})

describe('Walmart bulk inventory feed', () => {
  it('the simulator takes the feed only as a file upload, like Walmart', async () => {
    const sim = await started(new WalmartSimulator({ plan: 'demo', seed: 5, latencyMs: 0 }))
    const feed = JSON.stringify({
      InventoryHeader: { version: '1.4' },
      Inventory: [{ sku: 'WM-1', quantity: { unit: 'EACH', amount: 3 } }],
    })
    const headers = {
      'WM_SEC.ACCESS_TOKEN': sim.tokens.issue().token,
      'WM_QOS.CORRELATION_ID': 'c-1',
      'WM_SVC.NAME': 'Walmart Marketplace',
    }
    const inline = await fetch(`${sim.url}/v3/feeds?feedType=inventory`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: feed,
    })
    expect(inline.status).toBe(400)
    expect(await inline.text()).toMatch(/multipart\/form-data/)
    const form = new FormData()
    form.append('file', new Blob([feed], { type: 'application/json' }), 'feed.json')
    const upload = await fetch(`${sim.url}/v3/feeds?feedType=inventory`, { method: 'POST', headers, body: form })
    expect(upload.status).toBe(200)
    expect(await upload.json()).toMatchObject({ feedId: expect.any(String) })
  })

  it('one feed for many records: RECEIVED, INPROGRESS, PROCESSED with per-record ingestion status', async () => {
    const clock = fakeClock()
    const sim = await started(
      new WalmartSimulator({
        plan: 'demo',
        seed: 5,
        now: clock.now,
        latencyMs: 0,
        autoCreateListings: false,
        applyDelayMs: 0,
        applyJitterMs: 0,
      }),
    )
    sim.seed(['WM-1', 'WM-2'], 5)
    const connector = createConnector('walmart', {
      baseUrl: sim.url,
      credentials: { clientId: 'wm-test-client', clientSecret: 'wm-test-secret' },
      settings: {},
    })
    const sub = await connector.bulk!.submitFeed([update('WM-1', 30), update('WM-NOPE', 4), update('WM-2', 0)])
    expect(sub.status).toBe('submitted')
    const sent = sim.requests.find((r) => r.method === 'POST' && r.path !== '/v3/token')!
    expect(sent.path).toBe('/v3/feeds')
    expect(sent.query).toMatchObject({ feedType: 'inventory' })
    // As Walmart takes it: the feed file as a multipart/form-data upload.
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const file = /name="file"; filename="[^"]+"\r\nContent-Type: application\/json\r\n\r\n([^]*?)\r\n--/.exec(
      String(sent.body),
    )?.[1]
    expect(JSON.parse(file ?? 'null')).toEqual({
      InventoryHeader: { version: '1.4' },
      Inventory: [
        { sku: 'WM-1', quantity: { unit: 'EACH', amount: 30 } },
        { sku: 'WM-NOPE', quantity: { unit: 'EACH', amount: 4 } },
        { sku: 'WM-2', quantity: { unit: 'EACH', amount: 0 } },
      ],
    })
    const handle = (sub as { handle: import('../../../server/channels/connector').BulkFeedHandle }).handle
    const seen: string[] = []
    for (let i = 0; i < 4; i++) {
      const p = await connector.bulk!.pollFeed(handle)
      seen.push(p.feedStatus)
      if (p.status === 'done') {
        expect(p.result.outcomes.map((o) => o.outcome)).toEqual(['accepted', 'rejected', 'accepted'])
        break
      }
      clock.advance(1_000)
    }
    expect(seen).toEqual(['RECEIVED', 'INPROGRESS', 'INPROGRESS', 'PROCESSED'])
    sim.applyNow()
    expect((await connector.readQuantities([update('WM-1', 0), update('WM-2', 0)])).map((r) => r.quantity)).toEqual([
      30, 0,
    ])
    sim.configureFeeds({ feedErrorRate: 1 })
    const bad = await connector.bulk!.submitFeed([update('WM-1', 1)])
    clock.advance(5_000)
    const ended = await connector.bulk!.pollFeed(
      (bad as { handle: import('../../../server/channels/connector').BulkFeedHandle }).handle,
    )
    expect(ended).toMatchObject({ status: 'done', feedStatus: 'ERROR' })
  })
})

describe('B2B portal (signed webhook)', () => {
  const setup = async (secret = 'b2b-secret') => {
    // The signature's timestamp is the sender's real clock, so the portal keeps the real clock too.
    const sim = await started(new B2bSimulator({ plan: 'demo', seed: 4, latencyMs: 0, secret: 'b2b-secret' }))
    sim.seed(['B-1', 'B-2'], 5)
    const connector: Connector = createConnector('b2b', {
      baseUrl: sim.url,
      credentials: { signingSecret: secret },
      settings: { webhookPath: '/webhooks/inventory' },
    })
    return { sim, connector }
  }

  it('posts signed JSON the portal verifies, and its read-back endpoint shows the number', async () => {
    const { sim, connector } = await setup()
    const r = await connector.pushQuantities([update('B-1', 8), update('B-2', 0)])
    expect(r.outcomes.map((o) => o.outcome).every((o) => o === 'applied' || o === 'accepted')).toBe(true)
    // The portal verified the signature (it answers 401 otherwise, see below); the log redacts it.
    const sent = sim.requests.find((q) => q.method === 'POST')!
    expect(sent.status).toBe(200)
    expect(sent.headers['x-stocktower-signature']).toBe('[redacted]')
    expect(sent.headers['x-stocktower-timestamp']).toMatch(/^\d+$/)
    sim.applyNow()
    expect((await connector.readQuantities([update('B-1', 0), update('B-2', 0)])).map((b) => b.quantity)).toEqual([
      8, 0,
    ])
  })

  it('a wrong signing secret is refused as permanent (credentials), not retried forever', async () => {
    const { connector } = await setup('another-secret')
    const r = await connector.pushQuantities([update('B-1', 8)])
    expect(r.httpStatus).toBe(401)
    expect(r.outcomes[0].outcome).toBe('rejected')
  })
})
