import { describe, expect, it } from 'vitest'
import { decode, encode } from 'next-auth/jwt'
import { decodeSessionToken, encodeSessionToken } from '@/app/_lib/session-jwt'

// The session cookie with a cached derived key must stay next-auth's own format: a cookie issued
// before the change (or by next-auth's getToken elsewhere) reads with ours, and ours with theirs.
const secret = 'a-test-secret-of-some-length-0123456789'
const token = { uid: 'u-1', role: 'analyst', sid: 's-1', email: 'a@example.com' }

describe('session JWT with a cached key', () => {
  it('reads a token next-auth encoded, and next-auth reads one it encoded', async () => {
    const theirs = await encode({ token, secret, maxAge: 60 })
    expect(await decodeSessionToken({ token: theirs, secret })).toMatchObject(token)
    const ours = await encodeSessionToken({ token, secret, maxAge: 60 })
    const back = await decode({ token: ours, secret })
    expect(back).toMatchObject(token)
    expect(Number(back!.exp) - Number(back!.iat)).toBe(60)
    expect(typeof back!.jti).toBe('string')
  })

  it('keeps the salt apart and refuses another secret', async () => {
    const salted = await encodeSessionToken({ token, secret, salt: 'other' })
    await expect(decode({ token: salted, secret })).rejects.toThrow()
    expect(await decode({ token: salted, secret, salt: 'other' })).toMatchObject(token)
    const ours = await encodeSessionToken({ token, secret })
    await expect(decodeSessionToken({ token: ours, secret: `${secret}-rotated` })).rejects.toThrow()
    expect(await decodeSessionToken({ token: undefined, secret })).toBeNull()
  })

  it('refuses an expired token as next-auth does', async () => {
    const expired = await encode({ token, secret, maxAge: -60 })
    await expect(decodeSessionToken({ token: expired, secret })).rejects.toThrow()
  })
})
