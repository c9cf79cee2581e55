import { userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { auditCsv } from '@/server/audit/list-audit'
import { NextResponse } from 'next/server'
import { parseAuditQuery } from '../query'

export const dynamic = 'force-dynamic'

/** The filtered audit log as CSV (newest first, up to 100,000 rows), streamed. */
export const GET = userRoute('audit:view', async ({ req }) => {
  const { cursor: _c, limit: _l, ...filter } = parseAuditQuery(req)
  const lines = auditCsv(prisma(), filter)
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next()
      if (next.done) controller.close(); else controller.enqueue(encoder.encode(next.value))
    },
  })
  return new NextResponse(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="stocktower-audit-${new Date().toISOString().slice(0, 10)}.csv"` } })
})
