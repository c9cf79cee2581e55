import { parseOversellSort, type OversellFilter } from '@/server/reconciliation/list-oversells'
import { pageSize } from '@/server/paging/cursor'

const WINDOWS: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
}

export function parseOversellQuery(req: Request): OversellFilter {
  const q = new URL(req.url).searchParams
  const opt = (k: string) => q.get(k) || undefined
  // Own keys only: `window=constructor` must not find Object.prototype's (an invalid date).
  const w = q.get('window') ?? ''
  const window = Object.hasOwn(WINDOWS, w) ? WINDOWS[w] : undefined
  const order = q.get('order') === 'oldest' ? 'oldest' : 'recent'
  return {
    channel: opt('channel'),
    kind: opt('kind'),
    sku: opt('sku'),
    cause: opt('cause'),
    since: window ? new Date(Date.now() - window) : undefined,
    cursor: opt('cursor'),
    limit: pageSize(q.get('limit')),
    order,
    sort: parseOversellSort(opt('sort'), order),
  }
}
