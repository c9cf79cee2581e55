import { z } from 'zod'
import { parseDeadLetterSort, type DeadLetterFilter } from '@/server/dead-letters/list-dead-letters'
import { parseFilter } from '@/app/_lib/query'

const Query = z.object({
  kind: z.enum(['ingest', 'publish']).optional(),
  status: z.enum(['open', 'replay_requested', 'replayed', 'discarded']).optional(),
  channel: z.string().max(40).optional(),
  code: z.string().max(80).optional(),
  sku: z.string().max(100).optional(),
  /** risk (default), recent, or a column sort such as `code` or `-attempts` */
  sort: z.string().max(40).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** The list's filters from the URL (empty values mean "any"). */
export function parseDeadLetterQuery(req: Request): DeadLetterFilter {
  const query = parseFilter(req, Query)
  return { ...query, sort: parseDeadLetterSort(query.sort, 'risk') }
}
