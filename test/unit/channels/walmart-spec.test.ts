// What the Walmart connector sends and what the Walmart simulator answers, validated against
// Walmart's own OpenAPI descriptions (test/fixtures/specs/walmart, a copy of ../shared/specs,
// converted from YAML to JSON) and the inventory feed JSON Schema 1.4, for every operation the
// product uses: POST /v3/token, PUT and GET /v3/inventory (with shipNode), POST /v3/feeds
// (inventory), GET /v3/feeds/{feedId} with includeDetails/offset/limit, and the gateway errors.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv, type AnySchema } from 'ajv'
import { afterEach, describe, expect, it } from 'vitest'
import { clearAccessTokens } from '../../../server/channels/access-token'
import type { BulkFeedHandle, ListingUpdate } from '../../../server/channels/connector'
import { createConnector } from '../../../server/channels/create-connector'
import { WalmartSimulator } from '../../../simulators/walmart'
import { fakeClock } from './support'

const SHARED_DIR = path.resolve(process.cwd(), '..', 'shared', 'specs', 'walmart')
const VENDORED_DIR = path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'walmart')
type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: { enum?: string[] } }>
  requestBody?: { content: Record<string, { schema: AnySchema }> }
  responses: Record<string, { content?: Record<string, { schema: AnySchema }> }>
}
const load = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(VENDORED_DIR, name), 'utf8')) as {
    paths: Record<string, Record<string, Operation>>
  }
const auth = load('walmart-marketplace-authentication-openapi-original.json')
const inventory = load('walmart-marketplace-inventory-openapi-original.json')
const feeds = load('walmart-marketplace-feeds-openapi-original.json')
const feedDir = path.join(VENDORED_DIR, 'inventory-feed-json-schema-1.4')

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
/** A feed schema file without its draft-06 `$schema` (ajv 8 validates it as draft-07, which it is compatible with). */
const feedSchema = (file: string) => {
  const { $schema: _draft, ...schema } = JSON.parse(fs.readFileSync(path.join(feedDir, file), 'utf8')) as Record<
    string,
    unknown
  >
  return { ...schema, $id: file }
}
for (const file of ['InventoryHeader.json', 'Inventory.json']) ajv.addSchema(feedSchema(file))
const feedFile = ajv.compile(feedSchema('InventoryFeed.json'))
const check = (schema: AnySchema | ReturnType<typeof ajv.compile>, value: unknown) => {
  const validate = typeof schema === 'function' ? schema : ajv.compile(schema)
  return validate(value) ? 'valid' : ajv.errorsText(validate.errors)
}
const response200 = (op: Operation) => op.responses['200']!.content!['application/json']!.schema
const op = (spec: typeof auth, p: string, method: string) => spec.paths[p]![method]!
const requiredQuery = (o: Operation) =>
  (o.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => p.name)
const requiredHeaders = (o: Operation) =>
  (o.parameters ?? []).filter((p) => p.in === 'header' && p.required).map((p) => p.name.toLowerCase())

const open: WalmartSimulator[] = []
afterEach(async () => {
  clearAccessTokens()
  while (open.length) await open.pop()!.close()
})

async function setup(settings: Record<string, unknown> = {}) {
  const clock = fakeClock()
  const sim = new WalmartSimulator({
    plan: 'demo',
    seed: 9,
    now: clock.now,
    latencyMs: 0,
    clientId: 'wm-spec-client',
    clientSecret: 'wm-spec-secret',
  })
  open.push(sim)
  await sim.start()
  sim.configureFeeds({ feedReceivedMs: 0, feedProcessingMs: 0 })
  const connector = createConnector('walmart', {
    baseUrl: sim.url,
    credentials: { clientId: 'wm-spec-client', clientSecret: 'wm-spec-secret' },
    settings,
    now: clock.now,
  })
  return { sim, clock, connector }
}
const u = (sku: string, quantity: number): ListingUpdate => ({
  listingId: `l-${sku}`,
  externalSku: sku,
  externalId: null,
  quantity,
  expectedCurrent: null,
  version: 1,
})

describe('Walmart against its published OpenAPI', () => {
  it('the vendored copy matches the shared specs (when they are beside the repository)', () => {
    if (!fs.existsSync(SHARED_DIR)) return
    for (const file of fs.readdirSync(SHARED_DIR)) {
      if (file.endsWith('.yml') || file.endsWith('.json'))
        expect(fs.readFileSync(path.join(VENDORED_DIR, file), 'utf8'), file).toBe(
          fs.readFileSync(path.join(SHARED_DIR, file), 'utf8'),
        )
    }
  })

  it('the checks are not vacuous', () => {
    expect(check(response200(op(auth, '/v3/token', 'post')), { token_type: 'Bearer' })).not.toBe('valid')
    expect(
      check(feedFile, { InventoryHeader: { version: '1.4' }, Inventory: [{ sku: 'A', quantity: { amount: 1 } }] }),
    ).not.toBe('valid')
  })

  it('token exchange: the request has what POST /v3/token requires, the answer validates, 900 s', async () => {
    const { sim, connector } = await setup()
    await connector.pushQuantities([u('WM-S-1', 3)])
    const token = sim.requests.find((r) => r.path === '/v3/token')!
    const tokenOp = op(auth, '/v3/token', 'post')
    for (const header of requiredHeaders(tokenOp)) expect(token.headers[header], header).toBeTruthy()
    expect(token.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    // Secrets never reach a log: the simulator's request log redacts the exchange itself.
    expect(token.headers.authorization).toBe('[redacted]')
    expect(token.body).toBe('[redacted]')
    const raw = await fetch(`${sim.url}/v3/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('wm-spec-client:wm-spec-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'WM_QOS.CORRELATION_ID': 'c',
        'WM_SVC.NAME': 'Walmart Marketplace',
      },
      body: 'grant_type=client_credentials',
    })
    const body = await raw.json()
    expect(check(response200(tokenOp), body)).toBe('valid')
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 })
  })

  it('PUT and GET /v3/inventory (with shipNode): requests and answers validate', async () => {
    const { sim, connector } = await setup({ shipNode: '790123456' })
    sim.seed(['WM-S-1'], 0)
    const pushed = await connector.pushQuantities([u('WM-S-1', 12)])
    expect(pushed.outcomes).toMatchObject([{ outcome: 'applied', appliedQuantity: 12 }])
    const back = await connector.readQuantities([u('WM-S-1', 0)])
    expect(back[0]!.quantity).toBe(12)
    expect(sim.quantityOf('WM-S-1', '790123456')).toBe(12)
    expect(sim.quantityOf('WM-S-1')).toBe(0)
    const put = sim.requests.find((r) => r.method === 'PUT')!
    const get = sim.requests.find((r) => r.method === 'GET')!
    const putOp = op(inventory, '/v3/inventory', 'put')
    const getOp = op(inventory, '/v3/inventory', 'get')
    for (const [recorded, operation] of [
      [put, putOp],
      [get, getOp],
    ] as const) {
      for (const name of requiredQuery(operation)) expect(recorded.query[name], name).toBeTruthy()
      for (const header of requiredHeaders(operation)) expect(recorded.headers[header], header).toBeTruthy()
      expect(recorded.query.shipNode).toBe('790123456')
      expect(check(response200(operation), recorded.response)).toBe('valid')
    }
    expect(check(putOp.requestBody!.content['application/json']!.schema, put.body)).toBe('valid')
    // Only the quantity travels: no fulfillment lag time or any other item field.
    expect(put.body).toEqual({ sku: 'WM-S-1', quantity: { unit: 'EACH', amount: 12 } })
  })

  it('an inventory feed: the file validates against feed schema 1.4; status pages validate; limit is at most 50', async () => {
    const { sim, connector } = await setup()
    const updates = Array.from({ length: 120 }, (_, i) => u(`WM-F-${i}`, i))
    const sub = await connector.bulk!.submitFeed(updates)
    expect(sub.status).toBe('submitted')
    const post = sim.requests.find((r) => r.path === '/v3/feeds')!
    const feedOp = op(inventory, '/v3/feeds', 'post')
    for (const name of requiredQuery(feedOp)) expect(post.query[name], name).toBeTruthy()
    expect(feedOp.parameters!.find((p) => p.name === 'feedType')!.schema?.enum ?? ['inventory']).toContain(
      post.query.feedType,
    )
    const file = /name="file"; filename="[^"]+"\r\nContent-Type: application\/json\r\n\r\n([^]*?)\r\n--/.exec(
      String(post.body),
    )?.[1]
    expect(check(feedFile, JSON.parse(file!))).toBe('valid')
    expect(check(response200(feedOp), post.response)).toBe('valid')

    const polled = await connector.bulk!.pollFeed((sub as { handle: BulkFeedHandle }).handle)
    expect(polled).toMatchObject({ status: 'done', feedStatus: 'PROCESSED' })
    expect(polled.status === 'done' && polled.result.outcomes.every((o) => o.outcome === 'accepted')).toBe(true)
    const statusOp = op(feeds, '/v3/feeds/{feedId}', 'get')
    const pages = sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/feeds/'))
    expect(pages.map((p) => [p.query.offset, p.query.limit])).toEqual([
      ['0', '50'],
      ['50', '50'],
      ['100', '50'],
    ])
    for (const page of pages) {
      expect(page.query.includeDetails).toBe('true')
      expect(check(response200(statusOp), page.response)).toBe('valid')
    }
    expect(
      (pages[2]!.response as { itemDetails: { itemIngestionStatus: unknown[] } }).itemDetails.itemIngestionStatus,
    ).toHaveLength(20)
    const tooMany = await fetch(`${sim.url}${pages[0]!.path}?includeDetails=true&limit=51`, {
      headers: { 'WM_SEC.ACCESS_TOKEN': sim.tokens.issue().token, 'WM_QOS.CORRELATION_ID': 'c', 'WM_SVC.NAME': 'x' },
    })
    expect(tooMany.status).toBe(400)
  })

  it("an expired token is refused with Walmart's 401 gateway error, which validates", async () => {
    const { sim, clock } = await setup()
    const token = sim.tokens.issue().token
    clock.advance(901_000)
    const refused = await fetch(`${sim.url}/v3/inventory?sku=X`, {
      headers: { 'WM_SEC.ACCESS_TOKEN': token, 'WM_QOS.CORRELATION_ID': 'c', 'WM_SVC.NAME': 'x' },
    })
    expect(refused.status).toBe(401)
    const body = await refused.json()
    expect(body).toMatchObject({ errors: [{ code: 'UNAUTHORIZED.GMP_GATEWAY_API' }] })
    // Walmart declares its gateway error list inside the feed status schema (`errors`).
    const errorsSchema = (response200(op(feeds, '/v3/feeds/{feedId}', 'get')) as { properties: { errors: AnySchema } })
      .properties.errors
    expect(check(errorsSchema, body.errors)).toBe('valid')
  })

  it("every error the simulator answers (404, 400, 429, 503) is Walmart's gateway error list", async () => {
    const { sim, connector } = await setup()
    sim.configure({ autoCreateListings: false })
    await connector.pushQuantities([u('WM-S-UNKNOWN', 1)])
    await connector.readQuantities([u('WM-S-UNKNOWN', 0)])
    sim.configure({ throttle: { ratePerSecond: 1, burst: 1 } })
    await connector.pushQuantities([u('WM-S-UNKNOWN', 1)])
    await connector.pushQuantities([u('WM-S-UNKNOWN', 1)])
    sim.configure({ throttle: null, outage: true })
    await connector.pushQuantities([u('WM-S-UNKNOWN', 1)])
    const token = sim.tokens.issue().token
    sim.configure({ outage: false })
    await fetch(`${sim.url}/v3/inventory?sku=A`, {
      method: 'PUT',
      headers: {
        'WM_SEC.ACCESS_TOKEN': token,
        'WM_QOS.CORRELATION_ID': 'c',
        'WM_SVC.NAME': 'x',
        'content-type': 'application/json',
      },
      body: '{"sku":"A"}',
    })
    const errorsSchema = (response200(op(feeds, '/v3/feeds/{feedId}', 'get')) as { properties: { errors: AnySchema } })
      .properties.errors
    const errors = sim.requests.filter((r) => r.status >= 400)
    expect(new Set(errors.map((r) => r.status))).toEqual(new Set([404, 429, 503, 400]))
    for (const e of errors)
      expect(check(errorsSchema, (e.response as { errors: unknown }).errors), `${e.status}`).toBe('valid')
  })
})
