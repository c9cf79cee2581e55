import { parseOversellSort, type OversellFilter } from '@/server/reconciliation/list-oversells'
import { listOrder, pageParams, textParams } from '@/app/_lib/query'

const WINDOWS: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
}

export function parseOversellQuery(req: Request): OversellFilter {
  // Own keys only: `window=constructor` must not find Object.prototype's (an invalid date).
  const w = new URL(req.url).searchParams.get('window') ?? ''
  const window = Object.hasOwn(WINDOWS, w) ? WINDOWS[w] : undefined
  const { sort, ...filters } = textParams(req, ['channel', 'kind', 'sku', 'cause', 'sort'])
  const order = listOrder(req)
  return {
    ...filters,
    since: window ? new Date(Date.now() - window) : undefined,
    ...pageParams(req),
    order,
    sort: parseOversellSort(sort, order),
  }
}
