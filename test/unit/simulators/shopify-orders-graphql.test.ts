// Intake finds missed Shopify webhooks with the Admin GraphQL `orders` query; apps subscribe with
// `webhookSubscriptionCreate`. Both documents validate against Shopify's vendored schema of the URL's
// version, and the answers are checked against the schema and the selection (graphqlResponseProblems).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, validate } from 'graphql'
import { shopifyAdminSchema, shopifySchemaVersions } from '../../../simulators/core/shopify-admin-schema'
import { ShopifySimulator } from '../../../simulators/shopify'
import { graphqlResponseProblems } from '../channels/graphql-response'
import { fakeClock } from '../channels/support'
import { json, startReceiver, type Receiver } from './support'

const clock = fakeClock(Date.UTC(2026, 11, 2, 9, 0, 0))
let sim: ShopifySimulator
let seller: Receiver
const version = shopifySchemaVersions().at(-1)!
const schema = shopifyAdminSchema(version)

const ORDERS = `query MissedOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { cursor node { id legacyResourceId name createdAt updatedAt cancelledAt
      lineItems(first: 50) { nodes { id sku quantity currentQuantity unfulfilledQuantity } } } }
    pageInfo { hasNextPage endCursor }
  }
}`
const SUBSCRIBE = `mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format createdAt }
    userErrors { field message }
  }
}`

async function graphql(query: string, variables: Record<string, unknown>) {
  const response = await json(
    `${sim.url}/admin/api/${version}/graphql.json`,
    'POST',
    { query, variables },
    { 'x-shopify-access-token': 'shpat_test' },
  )
  expect(response.status).toBe(200)
  expect(graphqlResponseProblems(schema, query, response.body)).toEqual([])
  return response.body
}

beforeAll(async () => {
  seller = await startReceiver()
  sim = await new ShopifySimulator({
    plan: 'demo',
    seed: 4,
    latencyMs: 0,
    now: clock.now,
    appSecret: 'app-secret',
  }).start()
  sim.seed(['SKU-A', 'SKU-B'], 100)
})
afterAll(async () => {
  await sim?.close()
  await seller?.close()
})

describe('Shopify Admin GraphQL for orders', () => {
  it('the documents validate against the vendored schema', () => {
    expect(validate(schema, parse(ORDERS))).toEqual([])
    expect(validate(schema, parse(SUBSCRIBE))).toEqual([])
  })

  it('webhookSubscriptionCreate subscribes a URL, refuses a taken address, and webhooks are signed with the app secret', async () => {
    const created = await graphql(SUBSCRIBE, {
      topic: 'ORDERS_CREATE',
      sub: { uri: `${seller.url}/hooks`, format: 'JSON' },
    })
    expect(created.data.webhookSubscriptionCreate.userErrors).toEqual([])
    expect(created.data.webhookSubscriptionCreate.webhookSubscription).toMatchObject({
      topic: 'ORDERS_CREATE',
      uri: `${seller.url}/hooks`,
      format: 'JSON',
    })
    const again = await graphql(SUBSCRIBE, { topic: 'ORDERS_CREATE', sub: { uri: `${seller.url}/hooks` } })
    expect(again.data.webhookSubscriptionCreate.userErrors[0].message).toMatch(/already been taken/)
    const unsupported = await graphql(SUBSCRIBE, { topic: 'ORDERS_PAID', sub: { uri: `${seller.url}/hooks` } })
    expect(unsupported.data.webhookSubscriptionCreate.webhookSubscription).toBeNull()
    expect(sim.webhookSubscriptions().map((s) => s.topic)).toEqual(['orders/create'])
    const LIST = `query Subs($first: Int!, $topics: [WebhookSubscriptionTopic!]) { webhookSubscriptions(first: $first, topics: $topics) { nodes { id topic uri } pageInfo { hasNextPage } } }`
    const listed = await graphql(LIST, { first: 10, topics: ['ORDERS_CREATE'] })
    expect(listed.data.webhookSubscriptions.nodes).toEqual([
      {
        id: created.data.webhookSubscriptionCreate.webhookSubscription.id,
        topic: 'ORDERS_CREATE',
        uri: `${seller.url}/hooks`,
      },
    ])
    const DELETE = `mutation Del($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }`
    const deleted = await graphql(DELETE, { id: created.data.webhookSubscriptionCreate.webhookSubscription.id })
    expect(deleted.data.webhookSubscriptionDelete.userErrors).toEqual([])
    expect((await graphql(LIST, { first: 10 })).data.webhookSubscriptions.nodes).toEqual([])
    expect(
      (await graphql(DELETE, { id: 'gid://shopify/WebhookSubscription/999' })).data.webhookSubscriptionDelete
        .userErrors[0].message,
    ).toMatch(/does not exist/)
    await graphql(SUBSCRIBE, { topic: 'ORDERS_CREATE', sub: { uri: `${seller.url}/hooks` } })
    // The unknown field is refused by schema validation, as Shopify does.
    const bad = await json(
      `${sim.url}/admin/api/${version}/graphql.json`,
      'POST',
      {
        query:
          'mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: { address: "x" }) { userErrors { message } } }',
      },
      { 'x-shopify-access-token': 'shpat_test' },
    )
    expect(bad.body.errors[0].message).toMatch(/address/)
  })

  it('orders(query: "updated_at:>...", sortKey: UPDATED_AT) pages with after and shows cumulative line counts', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await json(`${sim.url}/_sim/buy`, 'POST', {
            lines: [
              { sku: 'SKU-A', quantity: 2 },
              { sku: 'SKU-B', quantity: 1 },
            ],
          })
        ).body.orderId,
      )
      clock.advance(1_000)
    }
    const since = new Date(clock.now()).toISOString()
    clock.advance(1_000)
    // The first order changes later: it moves to the end of UPDATED_AT order and passes the filter.
    const firstLine = String(Number(ids[0]) * 100 + 1)
    await json(`${sim.url}/_sim/cancel`, 'POST', { orderId: ids[0], lines: [{ lineId: firstLine, quantity: 1 }] })
    await json(`${sim.url}/_sim/ship`, 'POST', { orderId: ids[0], lines: [{ lineId: firstLine, quantity: 1 }] })

    const all: string[] = []
    let after: string | null = null
    for (;;) {
      const page: any = await graphql(ORDERS, { first: 2, after, query: "updated_at:>'2026-12-02T08:00:00Z'" })
      all.push(...page.data.orders.edges.map((e: any) => e.node.legacyResourceId))
      if (!page.data.orders.pageInfo.hasNextPage) break
      after = page.data.orders.pageInfo.endCursor
    }
    expect(all).toEqual([...ids.slice(1), ids[0]])

    const recent: any = await graphql(ORDERS, { first: 10, query: `updated_at:>'${since}'` })
    expect(recent.data.orders.edges).toHaveLength(1)
    const node = recent.data.orders.edges[0].node
    expect(node.legacyResourceId).toBe(ids[0])
    expect(node.lineItems.nodes[0]).toMatchObject({
      sku: 'SKU-A',
      quantity: 2,
      currentQuantity: 1,
      unfulfilledQuantity: 0,
    })
    expect(node.lineItems.nodes[1]).toMatchObject({
      sku: 'SKU-B',
      quantity: 1,
      currentQuantity: 1,
      unfulfilledQuantity: 1,
    })
  })

  it('charges the query cost and throttles like other queries', async () => {
    const body: any = await graphql(ORDERS, { first: 10 })
    expect(body.extensions.cost.requestedQueryCost).toBe(62)
    sim.configure({ throttle: { maximumAvailable: 100, restoreRate: 0.0001 } })
    await graphql(ORDERS, { first: 10 })
    const throttled: any = (
      await json(
        `${sim.url}/admin/api/${version}/graphql.json`,
        'POST',
        { query: ORDERS, variables: { first: 10 } },
        { 'x-shopify-access-token': 'shpat_test' },
      )
    ).body
    expect(throttled.errors[0].extensions.code).toBe('THROTTLED')
    sim.configure({ plan: 'demo' })
  })
})
