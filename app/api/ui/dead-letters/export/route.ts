import { pagedCsvRoute } from '@/app/_lib/csv'
import { listDeadLetters } from '@/server/dead-letters/list-dead-letters'
import { parseDeadLetterQuery } from '../query'

export const dynamic = 'force-dynamic'

/** The filtered dead letters as CSV, in the list's order, streamed. */
export const GET = pagedCsvRoute({
  action: 'dead-letters:view',
  parse: parseDeadLetterQuery,
  list: listDeadLetters,
  columns: [
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
  ],
  name: 'dead-letters',
})
