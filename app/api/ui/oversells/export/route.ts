import { userRoute } from '@/app/_lib/api'
import { csvResponse } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { listOversells } from '@/server/reconciliation/list-oversells'
import { pagedCsv } from '@/server/paging/csv'
import { parseOversellQuery } from '../query'

export const dynamic = 'force-dynamic'

const COLUMNS = [
  'id',
  'kind',
  'channel',
  'sku',
  'orderId',
  'lineId',
  'orderedUnits',
  'oversoldUnits',
  'revenueAtRiskCents',
  'cause',
  'occurredAt',
  'detectedAt',
  'details',
] as const

export const GET = userRoute('findings:view', async ({ req }) => {
  const f = parseOversellQuery(req)
  return csvResponse(
    pagedCsv(COLUMNS, (cursor) => listOversells(prisma(), { ...f, cursor, limit: 200 })),
    'oversells',
  )
})
