import { userRoute } from '@/app/_lib/api'
import { csvResponse } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { auditCsv } from '@/server/audit/list-audit'
import { parseAuditQuery } from '../query'

export const dynamic = 'force-dynamic'

/** The filtered audit log as CSV (newest first, up to 100,000 rows), streamed. */
export const GET = userRoute('audit:view', async ({ req }) => {
  const { cursor: _c, limit: _l, ...filter } = parseAuditQuery(req)
  return csvResponse(auditCsv(prisma(), filter), 'audit')
})
