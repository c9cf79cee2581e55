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
import { AMAZON_PLANS, AmazonSimulator } from '../../../simulators/amazon'
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
  connector = specConnector({ productType: 'PRODUCT' })
})

/** The connector against the simulator with the spec seller's credentials and these settings. */
function specConnector(settings: Record<string, unknown>) {
  return createConnector('amazon', {
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
      ...settings,
    },
  })
}
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

  it('the read-back (searchListingsItems) is a valid ItemSearchResults with the item and its fulfillment availability', async () => {
    sim.applyNow()
    const back = await connector.readQuantities([u('AMZ-SPEC-1', 0)])
    expect(typeof back[0].quantity).toBe('number')
    const get = sim.requests.filter((r) => r.method === 'GET').at(-1)!
    expect(check('ItemSearchResults', get.response)).toBe('valid')
    expect(get.response).toMatchObject({
      numberOfResults: 1,
      items: [{ sku: 'AMZ-SPEC-1', fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT' }] }],
    })
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

// ---- searchListingsItems: the read-back ---------------------------------------------------------

type SpecParameter = { name: string; in: string; required?: boolean; type?: string } & Record<string, unknown>
const searchOp = (
  spec.paths['/listings/2021-08-01/items/{sellerId}'] as unknown as Record<
    string,
    { operationId: string; description: string; parameters: SpecParameter[] }
  >
).get
const SEARCH_PATH = '/listings/2021-08-01/items/A1SPECSELLER'

/** Each query parameter against its definition in the model (csv arrays split, integers read): 'valid' or what is wrong. */
function checkQuery(parameters: SpecParameter[], query: Record<string, string>): string {
  const problems: string[] = []
  for (const name of Object.keys(query))
    if (!parameters.some((p) => p.in === 'query' && p.name === name)) problems.push(`${name} is not in the model`)
  for (const p of parameters.filter((x) => x.in === 'query')) {
    const raw = query[p.name]
    if (raw === undefined) {
      if (p.required) problems.push(`${p.name} is required`)
      continue
    }
    const { name, in: _in, required: _required, description: _description, collectionFormat, ...schema } = p
    const value = collectionFormat === 'csv' ? raw.split(',') : p.type === 'integer' ? Number(raw) : raw
    const validate = ajv.compile(schema)
    if (!validate(value)) problems.push(`${name}: ${ajv.errorsText(validate.errors)}`)
  }
  return problems.length === 0 ? 'valid' : problems.join('; ')
}

const search = (query: Record<string, string>, token: string | null = sim.tokens.issue().token) =>
  fetch(`${sim.url}${SEARCH_PATH}?${new URLSearchParams(query)}`, {
    headers: token ? { 'x-amz-access-token': token } : {},
  })
const searches = () => sim.requests.filter((r) => r.method === 'GET' && r.path === SEARCH_PATH)
const skus = (n: number, prefix = 'AMZ-S') =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`)

describe('searchListingsItems (read-back) against the published model', () => {
  beforeAll(() => {
    sim.configure({ throttle: null })
    sim.seed(skus(45), 0)
    for (const [i, sku] of skus(45).entries()) sim.manualEdit({ sku, quantity: i + 1 })
  })

  it('the checks are not vacuous: the model refuses 21 identifiers and a missing marketplaceIds', () => {
    expect(searchOp.operationId).toBe('searchListingsItems')
    expect(checkQuery(searchOp.parameters, { marketplaceIds: 'M', identifiers: skus(21).join(',') })).toMatch(
      /identifiers: .*20/,
    )
    expect(checkQuery(searchOp.parameters, { identifiers: 'A', identifiersType: 'SKU' })).toMatch(
      /marketplaceIds is required/,
    )
    expect(check('ItemSearchResults', { items: [] })).not.toBe('valid')
  })

  it('reads 45 SKUs in 3 calls of at most 20 identifiers: each query valid in the model, each answer a valid ItemSearchResults', async () => {
    const before = searches().length
    const gets = sim.requests.filter((r) => r.method === 'GET').length
    const back = await connector.readQuantities(skus(45).map((sku) => u(sku, 0)))
    expect(back.map((r) => r.quantity)).toEqual(skus(45).map((_, i) => i + 1))
    const calls = searches().slice(before)
    expect(calls).toHaveLength(3)
    // No getListingsItem: every GET of the read-back was a search.
    expect(sim.requests.filter((r) => r.method === 'GET').length - gets).toBe(3)
    expect(calls.map((c) => c.query.identifiers!.split(',').length)).toEqual([20, 20, 5])
    for (const c of calls) {
      expect(checkQuery(searchOp.parameters, c.query)).toBe('valid')
      expect(c.query).toMatchObject({
        marketplaceIds: 'ATVPDKIKX0DER',
        identifiersType: 'SKU',
        includedData: 'fulfillmentAvailability',
        pageSize: '20',
      })
      expect(c.status).toBe(200)
      expect(check('ItemSearchResults', c.response)).toBe('valid')
    }
    expect((calls[0]!.response as { numberOfResults: number; items: unknown[] }).items).toHaveLength(20)
  })

  it('a SKU missing from the items is a listing Amazon does not have (null); an item without our fulfillment channel shows 0', async () => {
    const back = await connector.readQuantities([u('AMZ-S-03', 0), u('AMZ-S-NOT-LISTED', 0), u('AMZ-S-04', 0)])
    expect(back).toEqual([
      { listingId: 'AMZ-S-03', quantity: 4 },
      { listingId: 'AMZ-S-NOT-LISTED', quantity: null },
      { listingId: 'AMZ-S-04', quantity: 5 },
    ])
    const answer = searches().at(-1)!.response as { numberOfResults: number; items: Array<{ sku: string }> }
    expect(answer.items.map((i) => i.sku).sort()).toEqual(['AMZ-S-03', 'AMZ-S-04'])
    // The simulator's listings offer only DEFAULT (MFN) quantities: a channel selling another shows 0.
    const afn = specConnector({ fulfillmentChannelCode: 'AMAZON_NA' })
    expect(await afn.readQuantities([u('AMZ-S-03', 0), u('AMZ-S-NOT-LISTED', 0)])).toEqual([
      { listingId: 'AMZ-S-03', quantity: 0 },
      { listingId: 'AMZ-S-NOT-LISTED', quantity: null },
    ])
  })

  it('a SKU holding a comma cannot be searched (SP-API splits it): it is read on its own through getListingsItem', async () => {
    sim.seed(['AMZ,COMMA'], 6)
    const before = searches().length
    const back = await connector.readQuantities([u('AMZ,COMMA', 0), u('AMZ-S-00', 0)])
    expect(back).toEqual([
      { listingId: 'AMZ,COMMA', quantity: 6 },
      { listingId: 'AMZ-S-00', quantity: 1 },
    ])
    expect(
      searches()
        .slice(before)
        .map((c) => c.query.identifiers),
    ).toEqual(['AMZ-S-00'])
    const single = sim.requests.filter((r) => r.method === 'GET' && r.path !== SEARCH_PATH).at(-1)!
    expect(single.status).toBe(200)
    expect(check('Item', single.response)).toBe('valid')
    expect(single.response).toMatchObject({ sku: 'AMZ,COMMA' })
  })

  it('the simulator refuses what the model refuses, each with a valid ErrorList', async () => {
    const base = { marketplaceIds: 'ATVPDKIKX0DER', identifiersType: 'SKU', includedData: 'fulfillmentAvailability' }
    const one = { ...base, identifiers: 'AMZ-S-00' }
    const cases: Array<{ query: Record<string, string>; status: number; message: RegExp; anonymous?: true }> = [
      { query: { ...base, identifiers: skus(21).join(',') }, status: 400, message: /at most 20/ },
      { query: { ...one, identifiersType: '' }, status: 400, message: /identifiersType is required/ },
      { query: { ...base, identifiers: '' }, status: 400, message: /identifiers is required/ },
      { query: { ...one, marketplaceIds: '' }, status: 400, message: /marketplaceIds/ },
      { query: { ...one, pageSize: '21' }, status: 400, message: /pageSize/ },
      { query: { ...one, includedData: 'stock' }, status: 400, message: /includedData/ },
      { query: { ...one, identifiersType: 'SELLER_SKU' }, status: 400, message: /identifiersType/ },
      { query: { ...one, variationParentSku: 'P' }, status: 400, message: /cannot be used together/ },
      { query: { ...one, pageToken: 'bm9wZQ' }, status: 400, message: /pageToken/ },
      { query: one, status: 403, message: /denied/, anonymous: true },
    ]
    for (const { query, status, message, anonymous } of cases) {
      const response = await search(query, anonymous ? null : sim.tokens.issue().token)
      const body = await response.json()
      expect(response.status, JSON.stringify(query)).toBe(status)
      expect(check('ErrorList', body)).toBe('valid')
      expect(body.errors[0].message).toMatch(message)
    }
    // 20 identifiers, the model's maximum, are taken.
    expect((await search({ ...base, identifiers: skus(20).join(','), pageSize: '20' })).status).toBe(200)
  })

  it('pages as the model says: 10 items by default, a nextToken until the last page; includedData decides the data sets', async () => {
    const query = { marketplaceIds: 'ATVPDKIKX0DER', identifiersType: 'SKU', identifiers: skus(15).join(',') }
    const first = await search({ ...query, sortBy: 'sku', sortOrder: 'ASC' }).then((r) => r.json())
    expect(check('ItemSearchResults', first)).toBe('valid')
    expect(first.numberOfResults).toBe(15)
    expect(first.items.map((i: { sku: string }) => i.sku)).toEqual(skus(10))
    // Default includedData: summaries only.
    expect(Object.keys(first.items[0]).sort()).toEqual(['sku', 'summaries'])
    expect(first.pagination.nextToken).toEqual(expect.any(String))
    const second = await search({
      ...query,
      sortBy: 'sku',
      sortOrder: 'ASC',
      pageToken: first.pagination.nextToken,
    }).then((r) => r.json())
    expect(check('ItemSearchResults', second)).toBe('valid')
    expect(second.items.map((i: { sku: string }) => i.sku)).toEqual(skus(15).slice(10))
    expect(second.pagination.nextToken).toBeUndefined()
    expect(second.pagination.previousToken).toEqual(expect.any(String))
    const both = await search({ ...query, pageSize: '20', includedData: 'fulfillmentAvailability,summaries' }).then(
      (r) => r.json(),
    )
    expect(check('ItemSearchResults', both)).toBe('valid')
    expect(both.pagination).toBeUndefined()
    expect(both.items).toHaveLength(15)
    expect(both.items[0]).toEqual(
      expect.objectContaining({ summaries: expect.any(Array), fulfillmentAvailability: expect.any(Array) }),
    )
  })

  it("its own usage plan is the model's (5 req/s, burst 5, x-amzn-RateLimit-Limit); a 429 fails the read-back with Amazon's reason", async () => {
    const plan =
      /\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-\s|]+\|\s*\n\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|/.exec(
        searchOp.description,
      )!
    const realistic = AMAZON_PLANS.realistic.throttle!
    expect([realistic.searchRatePerSecond, realistic.searchBurst]).toEqual([Number(plan[1]), Number(plan[2])])
    expect(AMAZON_PLANS.demo.throttle!.searchBurst).toBeGreaterThan(realistic.searchBurst)
    sim.configure({ throttle: realistic })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        await connector.readQuantities([u('AMZ-S-00', 0)])
        statuses.push(searches().at(-1)!.status)
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200])
      await expect(connector.readQuantities([u('AMZ-S-00', 0)])).rejects.toMatchObject({
        transient: true,
        message: expect.stringMatching(/QuotaExceeded/),
      })
      const refused = searches().at(-1)!
      expect(refused.status).toBe(429)
      expect(check('ErrorList', refused.response)).toBe('valid')
      // getListingsItem keeps its own plan (burst 10): the search spent none of it.
      const raw = await fetch(
        `${sim.url}${SEARCH_PATH}/AMZ-S-00?marketplaceIds=ATVPDKIKX0DER&includedData=fulfillmentAvailability`,
        { headers: { 'x-amz-access-token': sim.tokens.issue().token } },
      )
      expect(raw.status).toBe(200)
      const limited = await search({ marketplaceIds: 'ATVPDKIKX0DER', identifiers: 'AMZ-S-00', identifiersType: 'SKU' })
      expect(limited.status).toBe(429)
      expect(limited.headers.get('x-amzn-ratelimit-limit')).toBe('5')
    } finally {
      sim.configure({ throttle: null })
    }
  })
})
