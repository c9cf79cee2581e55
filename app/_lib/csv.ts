// A CSV download streamed from an async generator of lines (server/paging/csv.ts makes them).
import { NextResponse } from 'next/server'

export function csvResponse(lines: AsyncGenerator<string>, name: string): NextResponse {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next()
      if (next.done) controller.close()
      else controller.enqueue(encoder.encode(next.value))
    },
    async cancel() {
      await lines.return(undefined)
    },
  })
  return new NextResponse(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="stocktower-${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
    },
  })
}
