import { NextResponse } from 'next/server'
import { prisma } from '@/server/db'
import { authenticateApiKey } from '@/server/auth/authenticate-api-key'
import { isPrivateAddress, renderPrometheus } from '@/server/metrics/render-prometheus'
import { newRef, toErrorResponse } from '@/server/errors'

export const dynamic = 'force-dynamic'

// Scope `read`, or open to private addresses when STOCKTOWER_METRICS_OPEN_PRIVATE=on (the web
// server sets x-stocktower-remote-addr from the socket, overwriting anything a client sent).
export async function GET(req: Request) {
  const ref = newRef()
  try {
    const open =
      process.env.STOCKTOWER_METRICS_OPEN_PRIVATE === 'on' &&
      isPrivateAddress(req.headers.get('x-stocktower-remote-addr'))
    if (!open) await authenticateApiKey(prisma(), req.headers.get('authorization'), 'read')
    return new NextResponse(await renderPrometheus(prisma()), {
      headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    })
  } catch (e) {
    const r = toErrorResponse(e, ref)
    return NextResponse.json(r.body, { status: r.status, headers: { ...r.headers, 'X-Request-Ref': ref } })
  }
}
