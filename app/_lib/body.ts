import { isUtf8 } from 'node:buffer'
import { PayloadTooLargeError } from '@/server/errors'

/** Reads a request body as text, refusing more than `limit` bytes without buffering past it. */
export async function readTextLimited(req: Request, limit: number): Promise<string> {
  return (await readBodyLimited(req, limit)).text
}

/**
 * The body as text and, when that text cannot say the bytes exactly (invalid UTF-8 becomes
 * U+FFFD; a NUL byte cannot be stored as text), the bytes themselves, for the raw message.
 */
export async function readBodyLimited(
  req: Request,
  limit: number,
): Promise<{ text: string; exactBytes: Buffer | null }> {
  const bytes = await readBytesLimited(req, limit)
  return { text: bytes.toString('utf8'), exactBytes: bytes.includes(0) || !isUtf8(bytes) ? bytes : null }
}

async function readBytesLimited(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (declared > limit)
    throw new PayloadTooLargeError(`The body is larger than ${Math.round(limit / 1024 / 1024)} MiB.`)
  if (!req.body) return Buffer.alloc(0)
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new PayloadTooLargeError(`The body is larger than ${Math.round(limit / 1024 / 1024)} MiB.`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}
