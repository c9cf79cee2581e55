// What the Amazon connector sends and what the Amazon simulator answers, validated against
// Amazon's own Listings Items 2021-08-01 model (../shared/specs/amazon, Swagger 2.0), not against
// our memory of it: the PATCH body, its required query parameters, the submission response, the
// error list of a 429, and the item read back.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnector } from '../../../server/channels/create-connector'
import type { Connector } from '../../../server/channels/connector'
import { AmazonSimulator } from '../../../simulators/amazon'
import { fakeClock } from './support'

// The shared specs beside the repository when they are there, else the vendored copy.
const SHARED_DIR = path.resolve(process.cwd(), '..', 'shared', 'specs', 'amazon')
const VENDORED_DIR = path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'amazon')
const SPEC_DIR = process.env.STOCKTOWER_SPECS_DIR
  ? path.join(process.env.STOCKTOWER_SPECS_DIR, 'amazon')
  : fs.existsSync(SHARED_DIR)
    ? SHARED_DIR
    : VENDORED_DIR
const spec = JSON.parse(fs.readFileSync(path.join(SPEC_DIR, 'listingsItems_2021-08-01.json'), 'utf8')) as {
  definitions: Record<string, unknown>
  paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string; required?: boolean }> }>>
}
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'listings', definitions: spec.definitions })
const check = (definition: string, value: unknown) => {
  const validate = ajv.getSchema(`listings#/definitions/${definition}`)!
  const ok = validate(value)
  return ok ? 'valid' : ajv.errorsText(validate.errors)
}

let sim: AmazonSimulator
let connector: Connector
const clock = fakeClock()
const u = (sku: string, quantity: number) => ({
  listingId: sku,
  externalSku: sku,
  externalId: null,
  quantity,
  expectedCurrent: null,
  version: 3,
})

beforeAll(async () => {
  sim = await new AmazonSimulator({ plan: 'demo', seed: 7, now: clock.now, latencyMs: 0, applyJitterMs: 0 }).start()
  sim.seed(['AMZ-SPEC-1', 'AMZ-SPEC-2'], 4)
  connector = createConnector('amazon', {
    baseUrl: sim.url,
    credentials: {
      clientId: 'amzn1.application-oa2-client.spec',
      clientSecret: 'lwa-secret',
      refreshToken: 'Atzr|spec',
    },
    settings: {
      lwaTokenUrl: `${sim.url}/auth/o2/token`,
      sellerId: 'A1SPECSELLER',
      marketplaceId: 'ATVPDKIKX0DER',
      productType: 'PRODUCT',
    },
  })
})
afterAll(async () => {
  await sim?.close()
})

describe('Amazon against its published model', () => {
  it('the vendored copy matches the shared specs (when they are beside the repository)', () => {
    for (const f of fs.readdirSync(VENDORED_DIR)) {
      if (SPEC_DIR === VENDORED_DIR) break
      expect(fs.readFileSync(path.join(VENDORED_DIR, f), 'utf8'), f).toBe(
        fs.readFileSync(path.join(SPEC_DIR, f), 'utf8'),
      )
    }
    expect(fs.readdirSync(VENDORED_DIR)).toContain('listingsItems_2021-08-01.json')
  })

  it('the model loads', () => {
    expect(Object.keys(spec.definitions)).toContain('ListingsItemPatchRequest')
    // and the check is not vacuous: a body without productType is refused by the model.
    expect(check('ListingsItemPatchRequest', { patches: [] })).not.toBe('valid')
  })

  it('the PATCH the connector sends is a valid ListingsItemPatchRequest with the required query', async () => {
    await connector.pushQuantities([u('AMZ-SPEC-1', 17)])
    const sent = sim.requests.filter((r) => r.method === 'PATCH').at(-1)!
    expect(check('ListingsItemPatchRequest', sent.body)).toBe('valid')
    const patch = (
      sent.body as {
        patches: Array<{
          op: string
          path: string
          value: Array<{ fulfillment_channel_code: string; quantity: number }>
        }>
      }
    ).patches
    expect(patch).toEqual([
      {
        op: 'merge',
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 17 }],
      },
    ])
    const op = spec.paths['/listings/2021-08-01/items/{sellerId}/{sku}'].patch
    for (const p of op.parameters.filter((x) => x.required && x.in === 'query'))
      expect(sent.query[p.name], p.name).toBeTruthy()
    expect(sent.path).toBe('/listings/2021-08-01/items/A1SPECSELLER/AMZ-SPEC-1')
  })

  it('the simulator answers a valid ListingsItemSubmissionResponse, ACCEPTED or INVALID with issues', async () => {
    await connector.pushQuantities([u('AMZ-SPEC-2', 5)])
    const accepted = sim.requests.filter((r) => r.method === 'PATCH').at(-1)!
    expect(check('ListingsItemSubmissionResponse', accepted.response)).toBe('valid')
    expect(accepted.response).toMatchObject({ status: 'ACCEPTED', sku: 'AMZ-SPEC-2' })
    sim.configure({ autoCreateListings: false })
    await connector.pushQuantities([u('AMZ-SPEC-UNKNOWN', 5)])
    sim.configure({ autoCreateListings: true })
    const invalid = sim.requests.filter((r) => r.method === 'PATCH').at(-1)!
    expect(check('ListingsItemSubmissionResponse', invalid.response)).toBe('valid')
    expect(invalid.response).toMatchObject({ status: 'INVALID' })
    expect((invalid.response as { issues: unknown[] }).issues.length).toBeGreaterThan(0)
  })

  it('a 429 carries an ErrorList and x-amzn-RateLimit-Limit, and the connector waits', async () => {
    sim.configure({ throttle: { ratePerSecond: 5, burst: 5 } })
    const results = []
    for (let i = 0; i < 6; i++) results.push(await connector.pushQuantities([u('AMZ-SPEC-1', i)]))
    expect(results.map((r) => r.httpStatus)).toEqual([200, 200, 200, 200, 200, 429])
    const last = sim.requests.filter((r) => r.status === 429).at(-1)!
    expect(check('ErrorList', last.response)).toBe('valid')
    const raw = await fetch(
      `${sim.url}/listings/2021-08-01/items/A1SPECSELLER/AMZ-SPEC-1?marketplaceIds=ATVPDKIKX0DER`,
      {
        method: 'PATCH',
        headers: { 'x-amz-access-token': sim.tokens.issue().token, 'content-type': 'application/json' },
        body: JSON.stringify(last.body ?? {}),
      },
    )
    expect(raw.status).toBe(429)
    expect(raw.headers.get('x-amzn-ratelimit-limit')).toBe('5')
    sim.configure({ throttle: null })
  })

  it('the item read back is a valid Item with its fulfillment availability', async () => {
    sim.applyNow()
    const back = await connector.readQuantities([u('AMZ-SPEC-1', 0)])
    expect(typeof back[0].quantity).toBe('number')
    const get = sim.requests.filter((r) => r.method === 'GET').at(-1)!
    expect(check('Item', get.response)).toBe('valid')
    expect(get.response).toMatchObject({ sku: 'AMZ-SPEC-1' })
  })

  it('handling time: each listing keeps its own (merge), a channel-wide one travels with every quantity (patch and feed); replace would drop it', async () => {
    const settings = {
      lwaTokenUrl: `${sim.url}/auth/o2/token`,
      sellerId: 'A1SPECSELLER',
      marketplaceId: 'ATVPDKIKX0DER',
      productType: 'PRODUCT',
    }
    const credentials = {
      clientId: 'amzn1.application-oa2-client.spec',
      clientSecret: 'lwa-secret',
      refreshToken: 'Atzr|spec',
    }
    const keeping = createConnector('amazon', {
      baseUrl: sim.url,
      credentials,
      settings: { ...settings, handlingTimeDays: 3 },
    })
    await keeping.pushQuantities([u('AMZ-SPEC-2', 8)])
    const sent = sim.requests.filter((r) => r.method === 'PATCH').at(-1)!
    expect(check('ListingsItemPatchRequest', sent.body)).toBe('valid')
    expect((sent.body as { patches: Array<{ value: unknown }> }).patches[0]!.value).toEqual([
      { fulfillment_channel_code: 'DEFAULT', quantity: 8, lead_time_to_ship_max_days: 3 },
    ])
    expect(sim.handlingTimeOf('AMZ-SPEC-2')).toBe(3)
    // Read back with attributes: Amazon keeps the handling time beside the quantity.
    const item = await fetch(
      `${sim.url}/listings/2021-08-01/items/A1SPECSELLER/AMZ-SPEC-2?marketplaceIds=ATVPDKIKX0DER&includedData=attributes`,
      { headers: { 'x-amz-access-token': sim.tokens.issue().token } },
    ).then((r) => r.json())
    expect(check('Item', item)).toBe('valid')
    expect(item.attributes.fulfillment_availability[0]).toMatchObject({ lead_time_to_ship_max_days: 3 })
    // A channel without a handling time of its own merges the quantity alone: each listing keeps its own.
    await connector.pushQuantities([u('AMZ-SPEC-2', 9)])
    const merged = sim.requests.filter((r) => r.method === 'PATCH').at(-1)!
    expect(check('ListingsItemPatchRequest', merged.body)).toBe('valid')
    expect((merged.body as { patches: Array<{ op: string; value: unknown }> }).patches[0]).toEqual({
      op: 'merge',
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 9 }],
    })
    sim.applyNow()
    expect([sim.quantityOf('AMZ-SPEC-2'), sim.handlingTimeOf('AMZ-SPEC-2')]).toEqual([9, 3])
    // The pitfall the merge avoids, reproduced by the simulator: a bare quantity sent as `replace` drops it.
    const replaced = await fetch(
      `${sim.url}/listings/2021-08-01/items/A1SPECSELLER/AMZ-SPEC-2?marketplaceIds=ATVPDKIKX0DER`,
      {
        method: 'PATCH',
        headers: { 'x-amz-access-token': sim.tokens.issue().token, 'content-type': 'application/json' },
        body: JSON.stringify({
          productType: 'PRODUCT',
          patches: [
            {
              op: 'replace',
              path: '/attributes/fulfillment_availability',
              value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 9 }],
            },
          ],
        }),
      },
    )
    expect(replaced.status).toBe(200)
    expect(sim.handlingTimeOf('AMZ-SPEC-2')).toBeNull()
    await keeping.pushQuantities([u('AMZ-SPEC-2', 9)])
    // The bulk path carries it too.
    sim.configureFeeds({ feedQueueMs: 0, feedProcessingMs: 0 })
    const submitted = await keeping.bulk!.submitFeed([u('AMZ-SPEC-2', 4)])
    expect(submitted.status).toBe('submitted')
    const uploaded = sim.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/feed-documents/')).at(-1)!
      .body as { messages: Array<{ patches: Array<{ value: unknown }> }> }
    expect(uploaded.messages[0]!.patches[0]!.value).toEqual([
      { fulfillment_channel_code: 'DEFAULT', quantity: 4, lead_time_to_ship_max_days: 3 },
    ])
    await keeping.bulk!.pollFeed(
      (submitted as { handle: import('../../../server/channels/connector').BulkFeedHandle }).handle,
    )
    expect(sim.handlingTimeOf('AMZ-SPEC-2')).toBe(3)
  })

  it('an expired LWA token is answered 403 Unauthorized in an ErrorList that validates', async () => {
    const token = sim.tokens.issue().token
    clock.advance(3_600_000)
    const refused = await fetch(
      `${sim.url}/listings/2021-08-01/items/A1SPECSELLER/AMZ-SPEC-1?marketplaceIds=ATVPDKIKX0DER`,
      { headers: { 'x-amz-access-token': token } },
    )
    expect(refused.status).toBe(403)
    expect(check('ErrorList', await refused.json())).toBe('valid')
    // The connector exchanges its refresh token again and carries on.
    const back = await connector.readQuantities([u('AMZ-SPEC-1', 0)])
    expect(typeof back[0]!.quantity).toBe('number')
  })
})
