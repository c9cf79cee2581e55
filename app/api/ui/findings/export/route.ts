import { pagedCsvRoute } from '@/app/_lib/csv'
import { listFindings } from '@/server/reconciliation/list-findings'
import { parseFindingQuery } from '../query'

export const dynamic = 'force-dynamic'

export const GET = pagedCsvRoute({
  action: 'findings:view',
  parse: parseFindingQuery,
  list: listFindings,
  columns: [
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
  ],
  name: 'findings',
})
