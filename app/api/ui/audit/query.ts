// The audit screen's filter, shared by the list and the CSV export.
import { z } from 'zod'
import { parseAuditSort } from '@/server/audit/list-audit'
import { parseFilter } from '@/app/_lib/query'

/** A date or time PostgreSQL can compare (years 0001 to 9999). */
const boundedDate = z.coerce.date().refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, {
  error: 'must be a date between the years 0001 and 9999',
})

export const AuditQuery = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  entity: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  from: boundedDate.optional(),
  to: boundedDate.optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  sort: z.string().max(50).optional(),
})

export function parseAuditQuery(req: Request) {
  const query = parseFilter(req, AuditQuery)
  const { sort, ...rest } = query
  return { ...rest, sort: parseAuditSort(sort) }
}
