// The Settings screen's channel forms are generated from each connector's own settings and
// credentials schemas, so they ask for exactly what each marketplace issues.
import { describe, expect, it } from 'vitest'
import { channelFormFor, validateChannelSettings } from '../../../server/channels/configure-channel'

const names = (fields: Array<{ name: string }>) => fields.map((f) => f.name)

describe('connector forms from the zod schemas', () => {
  it('credentials: what each marketplace issues, as required secret inputs', () => {
    expect(names(channelFormFor('shopify').credentials)).toEqual(['accessToken', 'webhookSecret'])
    expect(channelFormFor('shopify').credentials[0]).toMatchObject({
      label: 'Admin API access token (shpat_...)',
      type: 'secret',
      required: true,
    })
    expect(names(channelFormFor('amazon').credentials)).toEqual(['clientId', 'clientSecret', 'refreshToken'])
    expect(names(channelFormFor('walmart').credentials)).toEqual(['clientId', 'clientSecret'])
    expect(names(channelFormFor('b2b').credentials)).toEqual(['signingSecret'])
    for (const kind of ['shopify', 'amazon', 'walmart', 'b2b']) {
      // Shopify's webhookSecret is optional: a store without it still publishes; its order webhooks are refused (401).
      expect(
        channelFormFor(kind).credentials.every(
          (f) => f.type === 'secret' && (f.required || f.name === 'webhookSecret'),
        ),
        kind,
      ).toBe(true)
    }
    expect(channelFormFor('shopify').credentials[1]).toMatchObject({
      name: 'webhookSecret',
      type: 'secret',
      required: false,
    })
    expect(channelFormFor('unknown-kind')).toEqual({ settings: [], credentials: [] })
  })

  it('settings: typed fields with labels, defaults and limits', () => {
    const shopify = channelFormFor('shopify').settings
    expect(shopify.find((f) => f.name === 'shopDomain')).toMatchObject({ type: 'text', required: false })
    expect(shopify.find((f) => f.name === 'apiVersion')).toMatchObject({
      type: 'choice',
      choices: ['2026-01', '2026-04'],
      default: '2026-04',
      required: false,
    })
    const amazon = channelFormFor('amazon').settings
    expect(amazon.find((f) => f.name === 'sellerId')).toMatchObject({
      required: true,
      label: 'Seller ID (merchant token)',
    })
    expect(amazon.find((f) => f.name === 'marketplaceId')).toMatchObject({ required: true })
    expect(amazon.find((f) => f.name === 'handlingTimeDays')).toMatchObject({
      type: 'integer',
      min: 0,
      max: 30,
      required: false,
    })
    expect(amazon.find((f) => f.name === 'lwaTokenUrl')).toMatchObject({
      type: 'url',
      default: 'https://api.amazon.com/auth/o2/token',
    })
    expect(names(channelFormFor('walmart').settings)).toEqual(
      expect.arrayContaining(['serviceName', 'tokenUrl', 'shipNode', 'verifyAfterSeconds']),
    )
  })

  it('a token URL is a setting (not a secret); a token is refused in settings', () => {
    expect(
      validateChannelSettings('amazon', 'https://sellingpartnerapi-na.amazon.com', {
        sellerId: 'A1',
        marketplaceId: 'M',
        lwaTokenUrl: 'https://api.amazon.com/auth/o2/token',
      }),
    ).toMatchObject({ lwaTokenUrl: 'https://api.amazon.com/auth/o2/token' })
    expect(() =>
      validateChannelSettings('walmart', 'https://marketplace.walmartapis.com', { accessToken: 'x' }),
    ).toThrow(/credentials/)
    expect(() => validateChannelSettings('shopify', 'https://x.myshopify.com', { apiVersion: '2025-01' })).toThrow(
      /apiVersion/,
    )
  })
})
