import { parseFindingSort, type FindingFilter } from '@/server/reconciliation/list-findings'
import { listOrder, pageParams, textParams } from '@/app/_lib/query'

export function parseFindingQuery(req: Request): FindingFilter {
  const { sort, ...filters } = textParams(req, ['status', 'kind', 'sku', 'channel', 'sort'])
  const order = listOrder(req)
  return { ...filters, ...pageParams(req), order, sort: parseFindingSort(sort, order) }
}
