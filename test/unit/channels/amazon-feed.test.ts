// Amazon's bulk path (JSON_LISTINGS_FEED through the Feeds API 2021-06-30) against the simulator:
// what we upload validates against Amazon's listings feed schema, createFeed/getFeed/the documents
// against the Feeds model, the processing report against its schema; per-message errors become
// rejections, the rest accepted and applied later; FATAL feeds and outages are transient.
import fs from 'node:fs'
import path from 'node:path'
import { Ajv } from 'ajv'
import { afterEach, describe, expect, it } from 'vitest'
import { createConnector } from '../../../server/channels/create-connector'
import type { BulkFeedHandle, BulkPollResult, Connector, ListingUpdate } from '../../../server/channels/connector'
import { AmazonSimulator } from '../../../simulators/amazon'
import { fakeClock } from './support'

const SHARED = path.resolve(process.cwd(), '..', 'shared', 'specs', 'amazon')
const DIR = fs.existsSync(SHARED) ? SHARED : path.resolve(process.cwd(), 'test', 'fixtures', 'specs', 'amazon')
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Record<string, unknown>
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
const feedDocument = ajv.compile(load('listings-feed-schema-v2.json'))
const report = ajv.compile(load('listings-feed-processing-report-schema-v2.json'))
ajv.addSchema({
  $id: 'feeds',
  definitions: (load('feeds_2021-06-30.json') as { definitions: Record<string, unknown> }).definitions,
})
const feedsModel = (name: string, value: unknown) => {
  const v = ajv.getSchema(`feeds#/definitions/${name}`)!
  return v(value) ? 'valid' : ajv.errorsText(v.errors)
}
const valid = (v: ReturnType<typeof ajv.compile>, value: unknown) => (v(value) ? 'valid' : ajv.errorsText(v.errors))

const open: AmazonSimulator[] = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

async function setup() {
  const clock = fakeClock()
  const sim = await new AmazonSimulator({
    plan: 'demo',
    seed: 9,
    now: clock.now,
    latencyMs: 0,
    applyDelayMs: 5_000,
    applyJitterMs: 0,
    autoCreateListings: false,
    feeds: { feedQueueMs: 1_000, feedProcessingMs: 2_000 },
  }).start()
  open.push(sim)
  sim.seed(['F-1', 'F-2', 'F-3'], 1)
  const connector: Connector = createConnector('amazon', {
    baseUrl: sim.url,
    credentials: {
      clientId: 'amzn1.application-oa2-client.feed',
      clientSecret: 'lwa-secret',
      refreshToken: 'Atzr|feed',
    },
    settings: {
      lwaTokenUrl: `${sim.url}/auth/o2/token`,
      sellerId: 'A1FEEDSELLER',
      marketplaceId: 'ATVPDKIKX0DER',
      productType: 'PRODUCT',
    },
  })
  return { sim, clock, connector, bulk: connector.bulk! }
}
const u = (sku: string, quantity: number): ListingUpdate => ({
  listingId: `l-${sku}`,
  externalSku: sku,
  externalId: null,
  quantity,
  expectedCurrent: null,
  version: 2,
})

describe('Amazon JSON_LISTINGS_FEED', () => {
  it('submits one feed for many listings, reports per message, and applies the accepted ones', async () => {
    const { sim, clock, connector, bulk } = await setup()
    const submitted = await bulk.submitFeed([u('F-1', 10), u('F-2', 0), u('F-404', 7)])
    expect(submitted.status).toBe('submitted')
    const handle = (submitted as { handle: BulkFeedHandle }).handle
    expect(handle.messages.map((m) => m.messageId)).toEqual([1, 2, 3])

    // What went over the wire, against Amazon's own schemas.
    const put = sim.requests.find((r) => r.method === 'PUT')!
    expect(valid(feedDocument, put.body)).toBe('valid')
    expect(put.headers['x-amz-access-token']).toBeUndefined() // the presigned URL carries its own authority
    const createFeed = sim.requests.find((r) => r.method === 'POST' && r.path.endsWith('/feeds'))!
    expect(feedsModel('CreateFeedSpecification', createFeed.body)).toBe('valid')
    expect(feedsModel('CreateFeedResponse', createFeed.response)).toBe('valid')
    expect(
      feedsModel('CreateFeedDocumentResponse', sim.requests.find((r) => r.path.endsWith('/documents'))!.response),
    ).toBe('valid')
    expect(
      feedsModel('CreateFeedDocumentSpecification', sim.requests.find((r) => r.path.endsWith('/documents'))!.body),
    ).toBe('valid')

    // IN_QUEUE, IN_PROGRESS, then DONE with the processing report.
    const states: string[] = []
    let done: Extract<BulkPollResult, { status: 'done' }> | undefined
    for (let i = 0; i < 5 && !done; i++) {
      const p = await bulk.pollFeed(handle)
      states.push(p.feedStatus)
      if (p.status === 'done') done = p
      clock.advance(1_000)
    }
    expect(states.slice(0, 3)).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'IN_PROGRESS'])
    expect(done!.feedStatus).toBe('DONE')
    const getFeed = sim.requests.filter((r) => r.method === 'GET' && /\/feeds\/\d+$/.test(r.path)).at(-1)!
    expect(feedsModel('Feed', getFeed.response)).toBe('valid')
    const getFeedDocument = sim.requests
      .filter((r) => r.method === 'GET' && /\/feeds\/2021-06-30\/documents\//.test(r.path))
      .at(-1)!
    expect(feedsModel('FeedDocument', getFeedDocument.response)).toBe('valid')
    const reportBody = sim.requests
      .filter((r) => r.method === 'GET' && r.path.startsWith('/feed-documents/'))
      .at(-1)!.response
    expect(valid(report, reportBody)).toBe('valid')
    expect(done!.result.outcomes).toMatchObject([
      { listingId: 'l-F-1', outcome: 'accepted' },
      { listingId: 'l-F-2', outcome: 'accepted' },
      { listingId: 'l-F-404', outcome: 'rejected' },
    ])

    // Accepted is not applied: read-back shows the new numbers after Amazon applied them.
    expect((await connector.readQuantities([u('F-1', 0)]))[0].quantity).toBe(1)
    clock.advance(6_000)
    sim.applyNow()
    expect((await connector.readQuantities([u('F-1', 0), u('F-2', 0)])).map((r) => r.quantity)).toEqual([10, 0])

    // The uploaded document is not kept once processed: its presigned URL has expired (S3's 403).
    const uploadUrl = `${sim.url}${put.path}`
    const expired = await fetch(uploadUrl)
    expect([expired.status, await expired.json()]).toEqual([
      403,
      { error: 'AccessDenied', message: 'Request has expired' },
    ])
  })

  it('a FATAL feed is transient for every listing and applies nothing', async () => {
    const { sim, clock, bulk, connector } = await setup()
    sim.configureFeeds({ feedFatalRate: 1 })
    const s = await bulk.submitFeed([u('F-1', 5), u('F-3', 6)])
    clock.advance(5_000)
    const p = await bulk.pollFeed((s as { handle: BulkFeedHandle }).handle)
    expect(p).toMatchObject({ status: 'done', feedStatus: 'FATAL' })
    expect(
      (p as Extract<BulkPollResult, { status: 'done' }>).result.outcomes.every((o) => o.outcome === 'failed'),
    ).toBe(true)
    sim.applyNow()
    expect((await connector.readQuantities([u('F-1', 0)]))[0].quantity).toBe(1)
  })

  it('an outage while submitting leaves nothing half-sent: every listing fails transiently', async () => {
    const { sim, bulk } = await setup()
    sim.configure({ outage: true })
    const s = await bulk.submitFeed([u('F-1', 5), u('F-2', 6)])
    expect(s.status).toBe('not_submitted')
    expect((s as { result: { outcomes: Array<{ outcome: string }> } }).result.outcomes.map((o) => o.outcome)).toEqual([
      'failed',
      'failed',
    ])
    expect(sim.feedsSubmitted()).toEqual([])
  })
})
