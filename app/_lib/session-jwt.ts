// next-auth's session cookie (an encrypted JWT: `dir` + A256GCM), with its key derived once.
//
// next-auth v4 derives the encryption key from NEXTAUTH_SECRET with HKDF on every encode and
// decode, and `getServerSession` does both on every request (it decodes the cookie and sets a
// renewed one). Under many dashboards refetching that was the largest single function in the web
// process's profile (bench/README.md, "live fan-out"). These are next-auth's own `encode`/`decode`
// with the derived key kept per (secret, salt): the same token format, so cookies issued before
// and after read alike (test/unit/auth/session-jwt.test.ts checks both directions).
import hkdf from '@panva/hkdf'
import { EncryptJWT, jwtDecrypt } from 'jose'
import { randomUUID } from 'node:crypto'
import type { JWT, JWTDecodeParams, JWTEncodeParams } from 'next-auth/jwt'

const DEFAULT_MAX_AGE = 30 * 24 * 60 * 60
const derived = new Map<string, Promise<Uint8Array>>()

function encryptionKey(secret: string | Buffer, salt: string): Promise<Uint8Array> {
  const id = `${salt}\u0000${typeof secret === 'string' ? secret : secret.toString('base64')}`
  let key = derived.get(id)
  if (!key) {
    const info = `NextAuth.js Generated Encryption Key${salt ? ` (${salt})` : ''}`
    key = hkdf('sha256', secret, salt, info, 32)
    // One secret in practice; a bounded map still, should something pass many.
    if (derived.size >= 16) derived.clear()
    derived.set(id, key)
  }
  return key
}

export async function encodeSessionToken({
  token = {},
  secret,
  maxAge = DEFAULT_MAX_AGE,
  salt = '',
}: JWTEncodeParams): Promise<string> {
  const key = await encryptionKey(secret, salt)
  return new EncryptJWT(token)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAge)
    .setJti(randomUUID())
    .encrypt(key)
}

export async function decodeSessionToken({ token, secret, salt = '' }: JWTDecodeParams): Promise<JWT | null> {
  if (!token) return null
  const key = await encryptionKey(secret, salt)
  const { payload } = await jwtDecrypt(token, key, { clockTolerance: 15 })
  return payload as JWT
}
