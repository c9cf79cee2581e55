// Stocktower's webhook signature (docs/api.md "Authentication"): `X-Stocktower-Timestamp: <unix
// seconds>` and `X-Stocktower-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<payload>">`.
// The payload is the raw request body; a request without a body (a signed read such as the B2B
// portal's `GET /inventory?skus=...`) signs its request target (path + query, as sent) instead, so
// a captured signature cannot be replayed against another query.
//
// The same helper signs outbound webhooks (B2B connector), verifies them in the B2B simulator, and
// verifies inbound signed webhooks in the ingest API. Verification accepts several secrets so a
// rotated secret keeps working during its overlap window.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const TIMESTAMP_HEADER = 'X-Stocktower-Timestamp'
export const SIGNATURE_HEADER = 'X-Stocktower-Signature'
/** A timestamp further than this from the receiver's clock is refused (replay protection). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 5 * 60

const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/

/** `sha256=<hex>` for the given unix-seconds timestamp and payload. */
export function computeSignature(secret: string, timestampSeconds: number | string, payload: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex')
  return `sha256=${digest}`
}

/** The two headers to send with `payload` (raw body, or request target for body-less requests). */
export function signatureHeaders(secret: string, payload: string, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000)
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: computeSignature(secret, timestamp, payload) }
}

export type SignatureFailure = 'MISSING_SIGNATURE' | 'MALFORMED_SIGNATURE' | 'STALE_TIMESTAMP' | 'BAD_SIGNATURE'

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure; message: string }

export interface VerifySignatureInput {
  /** Current secret first; previous ones during a rotation's overlap window. */
  secrets: readonly string[]
  timestampHeader: string | null | undefined
  signatureHeader: string | null | undefined
  payload: string
  nowMs?: number
  toleranceSeconds?: number
}

export function verifySignature(input: VerifySignatureInput): SignatureCheck {
  const { timestampHeader, signatureHeader } = input
  if (!timestampHeader || !signatureHeader) {
    return {
      ok: false,
      reason: 'MISSING_SIGNATURE',
      message: `${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers are required`,
    }
  }
  const match = SIGNATURE_FORMAT.exec(signatureHeader.trim().toLowerCase())
  if (!/^\d{1,12}$/.test(timestampHeader.trim()) || !match) {
    return {
      ok: false,
      reason: 'MALFORMED_SIGNATURE',
      message: `expected ${TIMESTAMP_HEADER}: <unix seconds> and ${SIGNATURE_HEADER}: sha256=<64 hex>`,
    }
  }
  const timestamp = Number(timestampHeader.trim())
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000)
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return {
      ok: false,
      reason: 'STALE_TIMESTAMP',
      message: `timestamp is more than ${tolerance} seconds away from the receiver's clock`,
    }
  }
  const received = Buffer.from(match[1]!, 'hex')
  for (const secret of input.secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, input.payload).slice('sha256='.length), 'hex')
    if (timingSafeEqual(expected, received)) return { ok: true }
  }
  return { ok: false, reason: 'BAD_SIGNATURE', message: 'signature does not match the payload' }
}
