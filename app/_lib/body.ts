import { PayloadTooLargeError } from '@/server/errors'

/** Reads a request body as text, refusing more than `limit` bytes without buffering past it. */
export async function readTextLimited(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (declared > limit) throw new PayloadTooLargeError(`The body is larger than ${Math.round(limit / 1024 / 1024)} MiB.`)
  if (!req.body) return ''
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) { await reader.cancel(); throw new PayloadTooLargeError(`The body is larger than ${Math.round(limit / 1024 / 1024)} MiB.`) }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
