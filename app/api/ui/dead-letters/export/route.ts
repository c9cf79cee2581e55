import { userRoute } from '@/app/_lib/api'
import { csvResponse } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { listDeadLetters } from '@/server/dead-letters/list-dead-letters'
import { pagedCsv } from '@/server/paging/csv'
import { parseDeadLetterQuery } from '../query'

export const dynamic = 'force-dynamic'

const COLUMNS = [
  'id',
  'kind',
  'code',
  'reason',
  'sku',
  'channel',
  'source',
  'status',
  'attempts',
  'riskScore',
  'firstSeenAt',
  'lastSeenAt',
] as const

/** The filtered dead letters as CSV, in the list's order, streamed. */
export const GET = userRoute('dead-letters:view', async ({ req }) => {
  const f = parseDeadLetterQuery(req)
  return csvResponse(
    pagedCsv(COLUMNS, (cursor) => listDeadLetters(prisma(), { ...f, cursor, limit: 200 })),
    'dead-letters',
  )
})
