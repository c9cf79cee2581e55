import { pagedCsvRoute } from '@/app/_lib/csv'
import { listOversells } from '@/server/reconciliation/list-oversells'
import { parseOversellQuery } from '../query'

export const dynamic = 'force-dynamic'

export const GET = pagedCsvRoute({
  action: 'findings:view',
  parse: parseOversellQuery,
  list: listOversells,
  columns: [
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
  ],
  name: 'oversells',
})
