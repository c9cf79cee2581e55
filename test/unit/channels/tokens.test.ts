// Access token lifecycles against the simulators' token endpoints (Walmart POST /v3/token,
// Login with Amazon POST /auth/o2/token), on the simulators' clock: a token is cached, refreshed
// before it expires, refreshed once when the marketplace refuses it, never logged; a failing
// exchange is one channel-wide transient failure, not a rejection per listing.
import { afterEach, describe, expect, it } from 'vitest'
import { clearAccessTokens } from '../../../server/channels/access-token'
import type { ListingUpdate } from '../../../server/channels/connector'
import { createConnector } from '../../../server/channels/create-connector'
import { AmazonSimulator } from '../../../simulators/amazon'
import { WalmartSimulator } from '../../../simulators/walmart'
import { fakeClock } from './support'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  clearAccessTokens()
  while (open.length) await open.pop()!.close()
})
const u = (sku: string, quantity: number): ListingUpdate => ({
  listingId: `l-${sku}`,
  externalSku: sku,
  externalId: null,
  quantity,
  expectedCurrent: null,
  version: 1,
})

const WM = { clientId: 'wm-token-client', clientSecret: 'wm-token-secret-value' }
const LWA = {
  clientId: 'amzn1.application-oa2-client.tok',
  clientSecret: 'lwa-token-secret-value',
  refreshToken: 'Atzr|token-refresh-value',
}

async function walmart(lifetimeSeconds = 900) {
  const clock = fakeClock()
  const sim = new WalmartSimulator({
    plan: 'demo',
    seed: 2,
    now: clock.now,
    latencyMs: 0,
    throttle: null,
    clientId: WM.clientId,
    clientSecret: WM.clientSecret,
    tokenLifetimeSeconds: lifetimeSeconds,
  })
  open.push(sim)
  await sim.start()
  const connect = (credentials: Record<string, string> = WM, now: () => number = clock.now) =>
    createConnector('walmart', { baseUrl: sim.url, credentials, settings: {}, now })
  return { sim, clock, connect, tokenCalls: () => sim.requests.filter((r) => r.path === '/v3/token') }
}

async function amazon(lifetimeSeconds = 3600) {
  const clock = fakeClock()
  const sim = new AmazonSimulator({
    plan: 'demo',
    seed: 2,
    now: clock.now,
    latencyMs: 0,
    throttle: null,
    applyDelayMs: 0,
    applyJitterMs: 0,
    lwa: LWA,
    tokenLifetimeSeconds: lifetimeSeconds,
  })
  open.push(sim)
  await sim.start()
  const connect = (credentials: Record<string, string> = LWA, now: () => number = clock.now) =>
    createConnector('amazon', {
      baseUrl: sim.url,
      credentials,
      settings: { sellerId: 'A1TOK', marketplaceId: 'ATVPDKIKX0DER', lwaTokenUrl: `${sim.url}/auth/o2/token` },
      now,
    })
  return { sim, clock, connect, tokenCalls: () => sim.requests.filter((r) => r.path === '/auth/o2/token') }
}

const setups = { walmart, amazon }

for (const [kind, setup] of Object.entries(setups)) {
  describe(`${kind} access tokens`, () => {
    it('one exchange serves many calls and connectors; it is refreshed before it expires, never after', async () => {
      const { sim, clock, connect, tokenCalls } = await setup(10)
      const first = await Promise.all([
        connect().pushQuantities([u('T-1', 1)]),
        connect().pushQuantities([u('T-2', 2)]),
        connect().pushQuantities([u('T-3', 3)]),
      ])
      expect(
        first.flatMap((r) => r.outcomes.map((o) => o.outcome)).every((o) => o === 'applied' || o === 'accepted'),
      ).toBe(true)
      expect(tokenCalls()).toHaveLength(1)
      // 10 s tokens are refreshed a fifth of their lifetime early: at 7.9 s still cached, at 8 s renewed.
      clock.advance(7_900)
      await connect().pushQuantities([u('T-1', 4)])
      expect(tokenCalls()).toHaveLength(1)
      clock.advance(100)
      await connect().pushQuantities([u('T-1', 5)])
      expect(tokenCalls()).toHaveLength(2)
      expect(sim.tokens.stats.refusedExpired + sim.tokens.stats.refusedUnknown).toBe(0)
    })

    it('a token the marketplace refuses (expired by its clock) is exchanged again once, and the call succeeds', async () => {
      const { sim, clock, connect, tokenCalls } = await setup(10)
      // The connector's clock lags the marketplace's: it believes its token is still good.
      let ours = clock.now()
      const connector = connect(undefined, () => ours)
      await connector.pushQuantities([u('T-1', 1)])
      clock.advance(60_000)
      ours += 1_000
      const r = await connector.pushQuantities([u('T-1', 2)])
      expect(r.outcomes[0]!.outcome).not.toBe('rejected')
      expect(r.outcomes[0]!.outcome).not.toBe('failed')
      expect(sim.tokens.stats.refusedExpired).toBe(1)
      expect(tokenCalls()).toHaveLength(2)
    })

    it('a failing exchange (wrong secret) is one channel-wide transient failure; nothing is rejected; secrets never logged', async () => {
      const { sim, connect, tokenCalls } = await setup()
      const wrong =
        kind === 'walmart' ? { ...WM, clientSecret: 'not-the-secret' } : { ...LWA, clientSecret: 'not-the-secret' }
      const r = await connect(wrong).pushQuantities([u('T-1', 1), u('T-2', 2), u('T-3', 3)])
      expect(r.outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed', 'failed'])
      expect(r.outcomes.every((o) => o.outcome === 'failed' && o.code === 'AUTH_TOKEN_REFUSED')).toBe(true)
      // The remaining updates were not sent (channel-wide), and the failure is remembered for a
      // few seconds, so parallel lanes do not hammer the token endpoint.
      await connect(wrong).pushQuantities([u('T-4', 1)])
      expect(tokenCalls()).toHaveLength(1)
      const everything = JSON.stringify([r, sim.requests])
      for (const secret of ['not-the-secret', WM.clientSecret, LWA.clientSecret, LWA.refreshToken])
        expect(everything).not.toContain(secret)
      expect(sim.requests.filter((q) => q.path !== tokenCalls()[0]!.path)).toHaveLength(0)
    })

    it('the token endpoint down is transient and channel-wide; read-back says transient too', async () => {
      const { sim, connect } = await setup()
      sim.configure({ outage: true })
      const r = await connect().pushQuantities([u('T-1', 1), u('T-2', 1)])
      expect(r.outcomes).toMatchObject([
        { outcome: 'failed', code: 'AUTH_TOKEN_UNAVAILABLE' },
        { outcome: 'failed', code: 'AUTH_TOKEN_UNAVAILABLE' },
      ])
      await expect(connect().readQuantities([u('T-1', 0)])).rejects.toMatchObject({ transient: true })
    })
  })
}

describe('a marketplace that refuses even a fresh token', () => {
  it('is one channel-wide UNAUTHORIZED failure after a single re-exchange, never a rejection', async () => {
    // A clock that jumps 10 s at every reading: every token has expired by the time it is checked.
    let at = Date.UTC(2026, 10, 22)
    const sim = new WalmartSimulator({
      plan: 'demo',
      seed: 2,
      now: () => (at += 10_000),
      latencyMs: 0,
      throttle: null,
      tokenLifetimeSeconds: 1,
    })
    open.push(sim)
    await sim.start()
    const connector = createConnector('walmart', { baseUrl: sim.url, credentials: WM, settings: {} })
    const r = await connector.pushQuantities([u('T-1', 1), u('T-2', 1)])
    expect(r.outcomes).toMatchObject([
      { outcome: 'failed', code: 'UNAUTHORIZED' },
      { outcome: 'failed', code: 'UNAUTHORIZED' },
    ])
    expect(sim.requests.map((q) => [q.method, q.path, q.status])).toEqual([
      ['POST', '/v3/token', 200],
      ['PUT', '/v3/inventory', 401],
      ['POST', '/v3/token', 200],
      ['PUT', '/v3/inventory', 401],
    ])
  })
})

describe('the simulators refuse tokens like the real APIs', () => {
  it('Walmart: 401 for a missing, unknown or expired token; Amazon: 403 Unauthorized', async () => {
    const w = await walmart(5)
    const headers = { 'WM_QOS.CORRELATION_ID': 'c', 'WM_SVC.NAME': 'x' }
    const wm = (token?: string) =>
      fetch(`${w.sim.url}/v3/inventory?sku=A`, {
        headers: { ...headers, ...(token ? { 'WM_SEC.ACCESS_TOKEN': token } : {}) },
      }).then((r) => r.status)
    const issued = w.sim.tokens.issue().token
    expect([await wm(), await wm('made-up'), await wm(issued)]).toEqual([401, 401, 404])
    w.clock.advance(5_000)
    expect(await wm(issued)).toBe(401)

    const a = await amazon(5)
    const amz = (token: string) =>
      fetch(`${a.sim.url}/listings/2021-08-01/items/S/A?marketplaceIds=M`, { headers: { 'x-amz-access-token': token } })
    const token = a.sim.tokens.issue().token
    a.clock.advance(5_000)
    const expired = await amz(token)
    expect(expired.status).toBe(403)
    expect(await expired.json()).toMatchObject({
      errors: [{ code: 'Unauthorized', details: 'The access token you provided has expired.' }],
    })
    // LWA: a wrong grant type or refresh token answers as LWA does.
    const lwa = (form: Record<string, string>) =>
      fetch(`${a.sim.url}/auth/o2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      })
    const bad = await lwa({
      grant_type: 'client_credentials',
      client_id: LWA.clientId,
      client_secret: LWA.clientSecret,
    })
    expect([bad.status, (await bad.json()).error]).toEqual([400, 'unsupported_grant_type'])
    const revoked = await lwa({
      grant_type: 'refresh_token',
      refresh_token: 'Atzr|other',
      client_id: LWA.clientId,
      client_secret: LWA.clientSecret,
    })
    expect([revoked.status, (await revoked.json()).error]).toEqual([400, 'invalid_grant'])
    const good = await lwa({
      grant_type: 'refresh_token',
      refresh_token: LWA.refreshToken,
      client_id: LWA.clientId,
      client_secret: LWA.clientSecret,
    })
    expect(await good.json()).toMatchObject({
      access_token: expect.stringMatching(/^Atza\|/),
      token_type: 'bearer',
      expires_in: 5,
    })
  })
})

describe('token lifetimes through the control plane', () => {
  it('POST /_sim/tokens shortens the lifetime at runtime; /_sim/state shows the counters', async () => {
    const { sim } = await walmart()
    const post = (body: unknown) =>
      fetch(`${sim.url}/_sim/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await post({ lifetimeSeconds: 0 })).status).toBe(400)
    expect(await (await post({ lifetimeSeconds: 3 })).json()).toEqual({ lifetimeSeconds: 3 })
    expect(sim.tokens.issue().expiresInSeconds).toBe(3)
    const state = await (await fetch(`${sim.url}/_sim/state`)).json()
    expect(state.tokens).toMatchObject({ lifetimeSeconds: 3, issued: 1 })
  })
})
