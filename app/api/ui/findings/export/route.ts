import { userRoute } from '@/app/_lib/api'
import { csvResponse } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { listFindings } from '@/server/reconciliation/list-findings'
import { pagedCsv } from '@/server/paging/csv'
import { parseFindingQuery } from '../query'

export const dynamic = 'force-dynamic'

const COLUMNS = [
  'id',
  'kind',
  'status',
  'sku',
  'channel',
  'location',
  'cause',
  'field',
  'expected',
  'actual',
  'variance',
  'detectedAt',
  'updatedAt',
  'resolvedAt',
  'details',
] as const

export const GET = userRoute('findings:view', async ({ req }) => {
  const f = parseFindingQuery(req)
  return csvResponse(
    pagedCsv(COLUMNS, (cursor) => listFindings(prisma(), { ...f, cursor, limit: 200 })),
    'findings',
  )
})
