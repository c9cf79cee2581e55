// The public API as outside scripts see it (CONTRACT.md), against the running product.
import { expect, test } from '@playwright/test'

const key = process.env.STOCKTOWER_DEMO_API_KEY ?? ''
const auth = { Authorization: `Bearer ${key}` }

test.describe('public API contract', () => {
  test('health is 200 with its checks once the product is ready', async ({ request }) => {
    const r = await request.get('/api/health')
    expect(r.status()).toBe(200)
    const body = await r.json()
    expect(body.status).toBe('ok')
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['migrations', 'workers', 'demo seed', 'decisions', 'simulators']),
    )
  })

  test('posting the same batch twice changes positions once', async ({ request }) => {
    const before = await (await request.get('/api/v1/availability/SKU-00002', { headers: auth })).json()
    const east = (b: { locations: Array<{ location: string; onHand: number }> }) =>
      b.locations.find((l) => l.location === 'DC-EAST')!.onHand
    const batch = {
      source: 'erp-demo',
      events: [
        {
          idempotencyKey: `e2e-twice-${Date.now()}`,
          type: 'receipt',
          sku: 'SKU-00002',
          location: 'DC-EAST',
          quantity: 7,
          occurredAt: new Date().toISOString(),
        },
      ],
    }
    const first = await request.post('/api/v1/events', { headers: auth, data: batch })
    expect(first.status()).toBe(202)
    expect(await first.json()).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] })
    const second = await request.post('/api/v1/events', { headers: auth, data: batch })
    expect(second.status()).toBe(202)
    expect(await second.json()).toMatchObject({ accepted: 0, duplicates: 1 })
    const after = await (await request.get('/api/v1/availability/SKU-00002', { headers: auth })).json()
    expect(east(after)).toBe(east(before) + 7)
  })

  test('a malformed body is a 400 naming the problem, in the contract error shape', async ({ request }) => {
    const r = await request.post('/api/v1/events', {
      headers: { ...auth, 'Content-Type': 'application/json' },
      data: Buffer.from('{"source": "erp-demo", "events": '),
    })
    expect(r.status()).toBe(400)
    const body = await r.json()
    expect(body.error.code).toBe('INVALID_JSON')
    expect(body.error.message).toMatch(/not valid JSON/)
    expect(body.error.ref).toMatch(/^[0-9a-f]+$/)
    const noEvents = await request.post('/api/v1/events', { headers: auth, data: { source: 'erp-demo' } })
    expect(noEvents.status()).toBe(400)
    expect((await noEvents.json()).error.message).toMatch(/"events"/)
  })

  test('a missing or wrong key is a 401', async ({ request }) => {
    expect((await request.post('/api/v1/events', { data: { source: 'x', events: [] } })).status()).toBe(401)
    expect(
      (await request.get('/api/v1/availability/SKU-00001', { headers: { Authorization: 'Bearer wrong' } })).status(),
    ).toBe(401)
  })

  test('availability and its explanation answer per the contract', async ({ request }) => {
    expect((await request.get('/api/v1/availability/NOPE-1', { headers: auth })).status()).toBe(404)
    const a = await (await request.get('/api/v1/availability/SKU-00001', { headers: auth })).json()
    expect(a).toMatchObject({ sku: 'SKU-00001', kit: null })
    expect(a.locations.map((l: { location: string }) => l.location).sort()).toEqual([
      '3PL-CENTRAL',
      'DC-EAST',
      'DC-WEST',
    ])
    expect(a.channels.map((c: { channel: string }) => c.channel).sort()).toEqual([
      'amazon',
      'b2b',
      'shopify',
      'walmart',
    ])
    const amazon = a.channels.find((c: { channel: string }) => c.channel === 'amazon')
    const e = await (
      await request.get('/api/v1/availability/SKU-00001/explain?channel=amazon', { headers: auth })
    ).json()
    expect(e.result).toBe(amazon.desired)
    expect(e.ruleVersions.length).toBeGreaterThan(0)
    expect(e.steps.at(-1).quantity).toBe(e.result)
    const kit = await (await request.get('/api/v1/availability/KIT-0001', { headers: auth })).json()
    expect(kit.kit.components.length).toBeGreaterThanOrEqual(2)
  })
})
