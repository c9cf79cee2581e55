// The bench's HTTP client side: plain node:http (no fetch) so connection reuse and chunked uploads
// are under the bench's control.
import http from 'node:http'

/** A response handler that collects the body and resolves with the status and text once it ends. */
export function collectResponse(
  resolve: (response: { status: number; text: string }) => void,
  reject: (error: Error) => void,
) {
  return (res: http.IncomingMessage) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
    res.on('error', reject)
  }
}

/** POST /api/v1/events with one pre-serialised batch. */
export function postEvents(
  agent: http.Agent,
  port: number,
  apiKey: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/events',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${apiKey}`,
        },
      },
      collectResponse(resolve, reject),
    )
    req.on('error', reject)
    req.end(body)
  })
}
