import { parseFindingSort, type FindingFilter } from '@/server/reconciliation/list-findings'
import { pageSize } from '@/server/paging/cursor'

export function parseFindingQuery(req: Request): FindingFilter {
  const q = new URL(req.url).searchParams
  const opt = (k: string) => q.get(k) || undefined
  const order = q.get('order') === 'oldest' ? 'oldest' : 'recent'
  return {
    status: opt('status'),
    kind: opt('kind'),
    sku: opt('sku'),
    channel: opt('channel'),
    cursor: opt('cursor'),
    limit: pageSize(q.get('limit')),
    order,
    sort: parseFindingSort(opt('sort'), order),
  }
}
