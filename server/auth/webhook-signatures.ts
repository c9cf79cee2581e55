// Checks a signed webhook (docs/api.md "Authentication"): `X-Stocktower-Signature: sha256=<hex HMAC-SHA256 of
// "<timestamp>.<raw body>">` with the source's signing secret, or with its previous secret while
// the rotation overlap lasts; a timestamp more than 5 minutes off is refused (replays).
import crypto from 'node:crypto'
import type { Db } from '../db'
import { UnauthorizedError } from '../errors'
import { decryptCredentials } from '../channels/credentials'

export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60

export function signWebhook(secret: string, timestamp: number | string, rawBody: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

/** Throws UnauthorizedError (401) unless the signature matches a secret valid now. */
export async function verifyWebhookSignature(
  db: Db,
  sourceCode: string,
  headers: { timestamp: string | null; signature: string | null },
  rawBody: string,
  now = new Date(),
): Promise<void> {
  if (!headers.timestamp || !headers.signature)
    throw new UnauthorizedError('Missing X-Stocktower-Timestamp or X-Stocktower-Signature.')
  const ts = Number(headers.timestamp)
  if (!Number.isInteger(ts) || Math.abs(now.getTime() / 1000 - ts) > SIGNATURE_TOLERANCE_SECONDS)
    throw new UnauthorizedError("The webhook timestamp is more than 5 minutes off; check the sender's clock.")
  const source = await db.source.findUnique({ where: { code: sourceCode } })
  const secrets: string[] = []
  if (source?.signingSecretEnc) secrets.push(decryptCredentials(source.signingSecretEnc).secret)
  if (source?.previousSecretEnc && source.previousValidUntil && source.previousValidUntil > now)
    secrets.push(decryptCredentials(source.previousSecretEnc).secret)
  if (!secrets.some((s) => equal(signWebhook(s, headers.timestamp!, rawBody), headers.signature!.trim())))
    throw new UnauthorizedError('Invalid webhook signature.')
}
