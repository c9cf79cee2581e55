// The delivery knobs and flush of every webhook-sending simulator, through its control API.
import { afterEach, describe, expect, it } from 'vitest'
import { B2bSimulator } from '../../../simulators/b2b'
import { ShopifySimulator } from '../../../simulators/shopify'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  while (open.length) await open.pop()!.close()
})

describe.each([
  ['shopify', () => new ShopifySimulator({ plan: 'demo', seed: 2, latencyMs: 0 })],
  ['b2b', () => new B2bSimulator({ plan: 'demo', seed: 2, latencyMs: 0, secret: 'webhook-control-secret' })],
] as const)('%s webhook control', (_kind, make) => {
  it('changes delivery knobs (refusing unknown ones) and flushes what is pending', async () => {
    const sim = make()
    open.push(sim)
    await sim.start()
    const post = (path: string, body: unknown) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const set = await post('/_sim/webhooks/config', { webhookDuplicateRate: 0.25 })
    expect(set.status).toBe(200)
    expect(((await set.json()) as { config: Record<string, unknown> }).config.webhookDuplicateRate).toBe(0.25)
    expect(sim.webhooks.config.webhookDuplicateRate).toBe(0.25)
    expect((await post('/_sim/webhooks/config', { noSuchKnob: 1 })).status).toBe(400)
    const flushed = await post('/_sim/webhooks/flush', {})
    expect(flushed.status).toBe(200)
    expect(await flushed.json()).toEqual({ pending: 0 })
  })
})
