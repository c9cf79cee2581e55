// The Shopify connector and simulator against Shopify's own Admin GraphQL schemas (introspection
// results vendored in test/fixtures/specs/shopify, a copy of ../shared/specs/shopify): every
// document the connector sends validates (graphql-js) against the API version the channel is
// configured for, with its variables coerced by the schema; the simulator refuses what Shopify
// refuses (unknown fields and directives, unknown versions, a 2026-04 mutation without
// @idempotent or without changeFromQuantity) in Shopify's shapes; the 2026 idempotency error codes
// are handled as Shopify documents them.
import fs from 'node:fs'
import path from 'node:path'
import { getOperationAST, getVariableValues, parse, validate } from 'graphql'
import { afterEach, describe, expect, it } from 'vitest'
import type { ListingUpdate } from '../../../server/channels/connector'
import { createConnector } from '../../../server/channels/create-connector'
import { SHOPIFY_API_VERSIONS, SHOPIFY_DEFAULT_API_VERSION } from '../../../server/channels/shopify/shopify.schema'
import { shopifyAdminSchema, shopifySchemaVersions } from '../../../simulators/core/shopify-admin-schema'
import { ShopifySimulator, shopifyInventoryItemGid } from '../../../simulators/shopify'
import { graphqlResponseProblems } from './graphql-response'
import { fakeClock } from './support'

const SHARED_DIR = path.resolve(process.cwd(), '..', 'shared', 'specs', 'shopify')
const VENDORED_DIR = path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'shopify')

const open: ShopifySimulator[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function setup(apiVersion: string, settings: Record<string, unknown> = {}) {
  const clock = fakeClock()
  const sim = new ShopifySimulator({
    plan: 'demo',
    seed: 3,
    now: clock.now,
    latencyMs: 0,
    locations: ['gid://shopify/Location/1', 'gid://shopify/Location/2'],
  })
  open.push(sim)
  await sim.start()
  sim.seed(['SP-1', 'SP-2', 'SP-3'], 5)
  const connector = createConnector('shopify', {
    baseUrl: sim.url,
    credentials: { accessToken: 'shpat_spec' },
    settings: { apiVersion, ...settings },
  })
  const u = (sku: string, quantity: number, over: Partial<ListingUpdate> = {}): ListingUpdate => ({
    listingId: `l-${sku}`,
    externalSku: sku,
    externalId: shopifyInventoryItemGid(sku),
    quantity,
    expectedCurrent: null,
    version: 1,
    ...over,
  })
  return { sim, connector, u }
}

/** Validates a recorded request body against a version's schema: document and variables. */
function schemaProblems(version: string, body: unknown): string[] {
  const { query, variables } = body as { query: string; variables: Record<string, unknown> }
  const schema = shopifyAdminSchema(version)
  const document = parse(query)
  const errors = validate(schema, document).map((error) => error.message)
  const operation = getOperationAST(document)
  if (!operation) return [...errors, 'no operation']
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables)
  return [...errors, ...(coerced.errors ?? []).map((error) => error.message)]
}

describe('Shopify Admin GraphQL against its published schemas', () => {
  it('the vendored schemas match the shared specs and cover every supported version', () => {
    if (fs.existsSync(SHARED_DIR)) {
      for (const file of fs.readdirSync(VENDORED_DIR)) {
        expect(
          fs.readFileSync(path.join(VENDORED_DIR, file)).equals(fs.readFileSync(path.join(SHARED_DIR, file))),
          file,
        ).toBe(true)
      }
    }
    for (const version of SHOPIFY_API_VERSIONS) expect(shopifySchemaVersions()).toContain(version)
    expect(SHOPIFY_DEFAULT_API_VERSION).toBe('2026-04')
  })

  it('the check is not vacuous: a field the schema lacks fails validation', () => {
    const bad = {
      query:
        'mutation { inventorySetQuantities(input: {name: "available", reason: "correction", quantities: []}) { userErrors { nope } } }',
      variables: {},
    }
    expect(schemaProblems('2026-04', bad).join()).toContain('Cannot query field "nope"')
    const noDirective = { query: 'query { shop { id } } ', variables: {} }
    expect(schemaProblems('2026-04', noDirective)).toEqual([])
  })

  for (const version of SHOPIFY_API_VERSIONS) {
    it(`every document the connector sends validates against ${version}, and every answer carries no errors`, async () => {
      const { sim, connector, u } = await setup(version)
      const pushed = await connector.pushQuantities([u('SP-1', 9, { expectedCurrent: 5 }), u('SP-2', 3)])
      expect(pushed.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied'])
      const back = await connector.readQuantities([u('SP-1', 0), u('SP-2', 0), u('SP-3', 0)])
      expect(back.map((b) => b.quantity)).toEqual([9, 3, 5])
      expect(sim.requests.length).toBe(2)
      for (const request of sim.requests) {
        expect(request.path).toBe(`/admin/api/${version}/graphql.json`)
        expect(schemaProblems(version, request.body)).toEqual([])
        expect(request.status).toBe(200)
        expect((request.response as { errors?: unknown }).errors).toBeUndefined()
        // And the answer matches the schema and the selection it answers.
        expect(
          graphqlResponseProblems(
            shopifyAdminSchema(version),
            (request.body as { query: string }).query,
            request.response as { data?: unknown },
          ),
        ).toEqual([])
      }
      // Every quantity carries changeFromQuantity explicitly (null skips the check), and the key is there.
      const mutation = sim.requests[0]!.body as {
        query: string
        variables: { idempotencyKey: string; input: { quantities: Array<Record<string, unknown>> } }
      }
      expect(mutation.query).toContain('@idempotent(key: $idempotencyKey)')
      expect(mutation.variables.input.quantities.map((q) => q.changeFromQuantity)).toEqual([5, null])
    })
  }

  it('the response check is not vacuous, and user errors, throttling and refusals validate too', async () => {
    const { sim, connector, u } = await setup('2026-04')
    const schema = shopifyAdminSchema('2026-04')
    const query = 'query Q($ids: [ID!]!) { nodes(ids: $ids) { ... on InventoryItem { id tracked } } }'
    expect(
      graphqlResponseProblems(schema, query, {
        data: { nodes: [{ id: 'gid://shopify/InventoryItem/1', tracked: 'yes' }] },
      }),
    ).toEqual(['data.nodes[0].tracked: "yes" is not a Boolean'])
    expect(graphqlResponseProblems(schema, query, { data: { nodes: [{ id: 'x', tracked: true, extra: 1 }] } })).toEqual(
      ['data.nodes[0].extra: not selected'],
    )
    sim.manualEdit({ sku: 'SP-1', inventoryItemId: shopifyInventoryItemGid('SP-1'), quantity: 7 })
    await connector.pushQuantities([u('SP-1', 2, { expectedCurrent: 6 }), u('SP-2', 2)])
    sim.configure({ throttle: { maximumAvailable: 5, restoreRate: 1 } })
    await connector.pushQuantities([u('SP-3', 2)])
    for (const request of sim.requests) {
      expect(
        graphqlResponseProblems(
          schema,
          (request.body as { query: string }).query,
          request.response as { data?: unknown },
        ),
      ).toEqual([])
    }
    expect(
      sim.requests.map(
        (r) =>
          (r.response as { errors?: Array<{ extensions: { code: string } }> }).errors?.[0]?.extensions.code ?? 'data',
      ),
    ).toEqual(['data', 'MAX_COST_EXCEEDED'])
  })

  it('answers like Shopify for versions: retired falls forward with the served version in a header, unreleased is 404', async () => {
    const { sim } = await setup('2026-04')
    const post = (version: string) =>
      fetch(`${sim.url}/admin/api/${version}/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_spec' },
        body: JSON.stringify({ query: '{ nodes(ids: []) { id } }' }),
      })
    const retired = await post('2025-01')
    expect(retired.status).toBe(200)
    expect(retired.headers.get('x-shopify-api-version')).toBe('2026-01')
    expect((await post('2026-04')).headers.get('x-shopify-api-version')).toBe('2026-04')
    for (const missing of ['2026-02', '2031-01', 'unstable']) {
      const response = await post(missing)
      expect(response.status, missing).toBe(404)
      expect(await response.json()).toEqual({ errors: 'Not Found' })
    }
  })

  it("refuses a document the schema refuses, in Shopify's error shape, and the connector does not retry it", async () => {
    const { sim } = await setup('2026-04')
    const response = await fetch(`${sim.url}/admin/api/2026-04/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_spec' },
      body: JSON.stringify({
        query:
          'mutation M($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @nonsense { userErrors { code } } }',
        variables: { input: {} },
      }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      errors: Array<{ message: string; locations: unknown; extensions: { code: string } }>
      data?: unknown
    }
    expect(body.data).toBeUndefined()
    expect(body.errors[0]).toMatchObject({
      message: 'Unknown directive "@nonsense".',
      extensions: { code: 'undefinedDirective' },
    })
    expect(body.errors[0]!.locations).toBeDefined()
  })

  it('2026-04 requires @idempotent and changeFromQuantity on every quantity; 2026-01 does not', async () => {
    const { sim } = await setup('2026-04')
    const send = (version: string, query: string, quantity: Record<string, unknown>) =>
      fetch(`${sim.url}/admin/api/${version}/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_spec' },
        body: JSON.stringify({
          query,
          variables: {
            input: {
              name: 'available',
              reason: 'correction',
              quantities: [
                {
                  inventoryItemId: shopifyInventoryItemGid('SP-1'),
                  locationId: 'gid://shopify/Location/1',
                  quantity: 1,
                  ...quantity,
                },
              ],
            },
          },
        }),
      }).then(
        (r) =>
          r.json() as Promise<{
            data?: { inventorySetQuantities: unknown }
            errors?: Array<{ message: string; extensions: { code: string } }>
          }>,
      )
    const plain =
      'mutation M($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }'
    const keyed =
      'mutation M($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "spec-key-1") { userErrors { code } } }'
    const noKey = await send('2026-04', plain, { changeFromQuantity: null })
    expect(noKey.errors?.[0]?.message).toContain('@idempotent')
    const noChangeFrom = await send('2026-04', keyed, {})
    expect(noChangeFrom.errors?.[0]?.message).toContain('changeFromQuantity')
    expect(sim.quantityOf('SP-1')).toBe(5)
    const older = await send('2026-01', plain, {})
    expect(older).toMatchObject({ data: { inventorySetQuantities: { userErrors: [] } } })
    expect(sim.quantityOf('SP-1')).toBe(1)
  })

  it('IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED: the connector retries at once with a new derived key', async () => {
    const { sim, connector, u } = await setup('2026-04')
    sim.manualEdit({ sku: 'SP-1', inventoryItemId: shopifyInventoryItemGid('SP-1'), quantity: 7 })
    const stale = await connector.pushQuantities([u('SP-1', 2, { expectedCurrent: 6 })])
    expect(stale.outcomes).toMatchObject([{ outcome: 'failed', code: 'CHANGE_FROM_QUANTITY_STALE' }])
    // The merchant's number now matches what we expected: the same update (same key) goes out again.
    sim.manualEdit({ sku: 'SP-1', inventoryItemId: shopifyInventoryItemGid('SP-1'), quantity: 6 })
    const again = await connector.pushQuantities([u('SP-1', 2, { expectedCurrent: 6 })])
    expect(again.outcomes).toMatchObject([{ outcome: 'applied', appliedQuantity: 2 }])
    const keys = sim.requests
      .filter((r) => (r.body as { query: string }).query.includes('inventorySetQuantities'))
      .map((r) => [
        (r.body as { variables: { idempotencyKey: string } }).variables.idempotencyKey,
        (r.response as { data: { inventorySetQuantities: { userErrors: Array<{ code: string }> } } }).data
          .inventorySetQuantities.userErrors[0]?.code ?? 'ok',
      ])
    expect(keys.map(([, code]) => code)).toEqual([
      'CHANGE_FROM_QUANTITY_STALE',
      'IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED',
      'ok',
    ])
    expect(keys[2]![0]).toBe(`${keys[0]![0]}-r1`)
    expect(sim.quantityOf('SP-1')).toBe(2)
  })

  it('a supported version is required: 2025-01 is refused when the connector is built', () => {
    expect(() =>
      createConnector('shopify', {
        baseUrl: 'http://127.0.0.1:1',
        credentials: { accessToken: 'x' },
        settings: { apiVersion: '2025-01' },
      }),
    ).toThrow(/apiVersion/)
  })
})
