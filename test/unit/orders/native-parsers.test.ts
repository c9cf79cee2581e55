// The native order parsers: each marketplace's own shape to cumulative counts per line, and the
// Shopify reconciliation poll's document against Shopify's published Admin schemas (every
// supported API version), with its variables coerced by the schema.
import { getOperationAST, getVariableValues, parse, validate } from 'graphql'
import { describe, expect, it } from 'vitest'
import { shopifyAdminSchema } from '../../../simulators/core/shopify-admin-schema'
import { SHOPIFY_API_VERSIONS } from '../../../server/channels/shopify/shopify.schema'
import {
  SHOPIFY_ORDERS_QUERY,
  parseShopifyOrderWebhook,
  parseShopifyOrdersPage,
} from '../../../server/orders/shopify-orders'
import { updatedSinceQuery } from '../../../server/channels/shopify/orders-client'
import { parseAmazonOrdersPage } from '../../../server/orders/amazon-orders'
import { parseWalmartOrdersPage } from '../../../server/orders/walmart-orders'
import { parseB2bOrderWebhook } from '../../../server/orders/b2b-orders'

describe('Shopify orders query', () => {
  it.each(SHOPIFY_API_VERSIONS)('validates against the Admin GraphQL schema %s', (version) => {
    const schema = shopifyAdminSchema(version)
    const document = parse(SHOPIFY_ORDERS_QUERY)
    expect(validate(schema, document).map((e) => e.message)).toEqual([])
    const op = getOperationAST(document)!
    const coerced = getVariableValues(schema, op.variableDefinitions ?? [], {
      first: 50,
      after: null,
      query: updatedSinceQuery('2026-12-02T10:00:00.000Z'),
    })
    expect(coerced.errors ?? []).toEqual([])
  })

  it('maps a page with the same ids as the REST webhooks (gid tails)', () => {
    const page = {
      data: {
        orders: {
          nodes: [
            {
              id: 'gid://shopify/Order/5001',
              createdAt: '2026-12-02T10:00:00Z',
              updatedAt: '2026-12-02T10:05:00Z',
              cancelledAt: null,
              lineItems: {
                nodes: [
                  {
                    id: 'gid://shopify/LineItem/1',
                    sku: 'SH-A',
                    quantity: 3,
                    currentQuantity: 2,
                    unfulfilledQuantity: 1,
                  },
                  {
                    id: 'gid://shopify/LineItem/2',
                    sku: null,
                    quantity: 1,
                    currentQuantity: 1,
                    unfulfilledQuantity: 1,
                  },
                ],
              },
            },
          ],
          pageInfo: { hasNextPage: false, endCursor: null },
        },
      },
    }
    expect(parseShopifyOrdersPage(JSON.stringify(page)).orders).toEqual([
      {
        index: 0,
        order: {
          orderId: '5001',
          orderedAt: '2026-12-02T10:00:00Z',
          updatedAt: '2026-12-02T10:05:00Z',
          lines: [{ lineId: '1', sku: 'SH-A', quantity: 3, cancelledQuantity: 1, shippedQuantity: 1 }],
        },
      },
    ])
  })
})

describe('native parsers: cumulative counts per line', () => {
  it('Shopify REST order: cancelled = quantity - current_quantity, shipped = current - fulfillable', () => {
    const order = {
      id: 9,
      created_at: '2026-12-02T10:00:00Z',
      updated_at: '2026-12-02T11:00:00Z',
      line_items: [{ id: 1, sku: 'X', quantity: 5, current_quantity: 4, fulfillable_quantity: 1 }],
    }
    expect(parseShopifyOrderWebhook(JSON.stringify(order)).orders[0].order).toMatchObject({
      orderId: '9',
      lines: [{ lineId: '1', quantity: 5, cancelledQuantity: 1, shippedQuantity: 3 }],
    })
  })
  it('Shopify REST order without current/fulfillable quantities: refunds with restock and fulfilments say it', () => {
    const order = {
      id: 9,
      created_at: '2026-12-02T10:00:00Z',
      updated_at: '2026-12-02T11:00:00Z',
      line_items: [{ id: 1, sku: 'X', quantity: 5 }],
      refunds: [{ refund_line_items: [{ line_item_id: 1, quantity: 2, restock_type: 'cancel' }] }],
      fulfillments: [{ status: 'success', line_items: [{ id: 1, quantity: 1 }] }],
    }
    expect(parseShopifyOrderWebhook(JSON.stringify(order)).orders[0].order).toMatchObject({
      lines: [{ quantity: 5, cancelledQuantity: 2, shippedQuantity: 1 }],
    })
  })
  it('poison bodies are rejections, never throws', () => {
    expect(parseShopifyOrderWebhook('{not json').rejected[0].code).toBe('UNPARSEABLE')
    expect(parseShopifyOrderWebhook('{"id":1}').rejected[0].code).toBe('INVALID_ORDER')
    expect(parseB2bOrderWebhook('[]').rejected[0].code).toBe('INVALID_ORDER')
    expect(parseAmazonOrdersPage('{}').rejected[0].code).toBe('INVALID_RESPONSE')
    expect(parseWalmartOrdersPage('{"list":{}}').rejected[0].code).toBe('INVALID_RESPONSE')
  })
  it('Amazon: Canceled cancels the unshipped units; AFN orders and PendingAvailability are not ours', () => {
    const page = {
      orders: [
        {
          AmazonOrderId: 'A',
          PurchaseDate: '2026-12-02T10:00:00Z',
          LastUpdateDate: '2026-12-02T10:30:00Z',
          OrderStatus: 'Canceled',
          FulfillmentChannel: 'MFN',
        },
        {
          AmazonOrderId: 'B',
          PurchaseDate: '2026-12-02T10:00:00Z',
          LastUpdateDate: '2026-12-02T10:30:00Z',
          OrderStatus: 'Unshipped',
          FulfillmentChannel: 'AFN',
        },
        {
          AmazonOrderId: 'C',
          PurchaseDate: '2026-12-02T10:00:00Z',
          LastUpdateDate: '2026-12-02T10:30:00Z',
          OrderStatus: 'PendingAvailability',
          FulfillmentChannel: 'MFN',
        },
        {
          AmazonOrderId: 'D',
          PurchaseDate: '2026-12-02T10:00:00Z',
          LastUpdateDate: '2026-12-02T10:30:00Z',
          OrderStatus: 'PartiallyShipped',
          FulfillmentChannel: 'MFN',
        },
      ],
      orderItems: {
        A: [{ OrderItemId: '1', SellerSKU: 'S', QuantityOrdered: 2, QuantityShipped: 0 }],
        B: [{ OrderItemId: '1', SellerSKU: 'S', QuantityOrdered: 2 }],
        C: [{ OrderItemId: '1', SellerSKU: 'S', QuantityOrdered: 2 }],
        D: [{ OrderItemId: '1', SellerSKU: 'S', QuantityOrdered: 3, QuantityShipped: 1 }],
      },
    }
    const r = parseAmazonOrdersPage(JSON.stringify(page))
    expect(r.orders.map((o) => o.order)).toMatchObject([
      { orderId: 'A', lines: [{ quantity: 2, cancelledQuantity: 2, shippedQuantity: 0 }] },
      { orderId: 'D', lines: [{ quantity: 3, cancelledQuantity: 0, shippedQuantity: 1 }] },
    ])
  })
  it('Walmart: Cancelled and Shipped/Delivered amounts; epoch times become ISO', () => {
    const page = {
      list: {
        meta: { totalCount: 1 },
        elements: {
          order: [
            {
              purchaseOrderId: 'P',
              orderDate: 1764669600000,
              orderLines: {
                orderLine: [
                  {
                    lineNumber: '1',
                    item: { sku: 'W' },
                    orderLineQuantity: { amount: '4' },
                    statusDate: 1764673200000,
                    orderLineStatuses: {
                      orderLineStatus: [
                        { status: 'Shipped', statusQuantity: { amount: '1' } },
                        { status: 'Delivered', statusQuantity: { amount: '1' } },
                        { status: 'Cancelled', statusQuantity: { amount: '1' } },
                        { status: 'Acknowledged', statusQuantity: { amount: '1' } },
                      ],
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    }
    expect(parseWalmartOrdersPage(JSON.stringify(page)).orders[0].order).toEqual({
      orderId: 'P',
      orderedAt: '2025-12-02T10:00:00.000Z',
      updatedAt: '2025-12-02T11:00:00.000Z',
      lines: [{ lineId: '1', sku: 'W', quantity: 4, cancelledQuantity: 1, shippedQuantity: 2 }],
    })
  })
})

describe('the fix a native order dead letter asks for', () => {
  it('an unknown SKU in a marketplace order: an alias scoped to the channel (what order intake resolves)', async () => {
    const { fixForDeadLetter } = await import('../../../server/dead-letters/fix-for-dead-letter')
    const fix = fixForDeadLetter({
      kind: 'ingest',
      code: 'UNKNOWN_SKU',
      source: 'native:shopify',
      sku: 'SH-NEW',
      payload: { index: 0, event: { orderId: '1', lines: [] } },
    })
    expect(fix).toMatchObject({ entity: 'sku-aliases', csv: 'scope,alias,sku\nchannel:shopify,SH-NEW,\n' })
  })
})
