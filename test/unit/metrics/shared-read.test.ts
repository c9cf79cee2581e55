// A read model computed once for the requests that arrive while it is fresh, never older than
// maxAgeMs at the request's arrival, and a failure is not served to later requests.
import { describe, expect, it } from 'vitest'
import { sharedRead } from '../../../server/metrics/shared-read'

describe('sharedRead', () => {
  it('shares one computation per key while fresh, and starts a new one after maxAgeMs', async () => {
    let now = 1_000
    const calls: string[] = []
    const read = sharedRead(
      async (key) => {
        calls.push(key)
        return `${key}@${now}`
      },
      { maxAgeMs: 500, clock: () => now },
    )
    const [a, b] = await Promise.all([read('1h'), read('1h')])
    expect([a, b]).toEqual(['1h@1000', '1h@1000'])
    expect(await read('24h')).toBe('24h@1000')
    now += 499
    expect(await read('1h')).toBe('1h@1000')
    now += 1
    expect(await read('1h')).toBe('1h@1500')
    expect(calls).toEqual(['1h', '24h', '1h'])
  })

  it('does not serve a failed computation to the next request', async () => {
    let n = 0
    const read = sharedRead(
      async () => {
        n++
        if (n === 1) throw new Error('db down')
        return n
      },
      { maxAgeMs: 10_000 },
    )
    await expect(read('k')).rejects.toThrow('db down')
    expect(await read('k')).toBe(2)
  })
})
