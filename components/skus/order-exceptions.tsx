'use client'
// ERP order exceptions on the SKU page: orders of this SKU a system of record rejected or held, the
// reason, and what the policy did (reservation released or kept, suppressed on which channel).
// Self-contained: it fetches its own data and refreshes with the page's listing pushes.
import { useQuery } from '@tanstack/react-query'
import type { OrderExceptionView } from '@/server/exceptions/list-order-exceptions'
import { useRealtime } from '@/components/realtime/use-realtime'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatTime } from '@/components/ui/format'
import { DataTable, type Column } from '@/components/ui/data-table'

export function SkuOrderExceptions({ sku }: { sku: string }) {
  const key = ['sku-order-exceptions', sku] as const
  const { data } = useQuery({
    queryKey: key,
    queryFn: () =>
      fetchJson<{ items: OrderExceptionView[] }>(`/api/ui/skus/${encodeURIComponent(sku)}/order-exceptions`),
    refetchInterval: 30_000,
  })
  useRealtime({ rooms: [`sku:${sku}`], invalidate: { 'listings.changed': [key] }, coalesceMs: 1_000 })
  const items = data?.items ?? []
  if (items.length === 0) return null
  return (
    <div className="panel" data-testid="order-exceptions">
      <h2>ERP order exceptions</h2>
      <DataTable
        columns={COLUMNS}
        rows={items}
        rowKey={(x) => x.id}
        row={(x) => ({ 'data-testid': `order-exception-${x.channel}-${x.orderId}` })}
      />
    </div>
  )
}

const COLUMNS: Column<OrderExceptionView>[] = [
  { header: 'Order', className: 'mono', cell: (x) => `${x.channel}:${x.orderId}` },
  {
    header: 'Reason',
    cell: (x) => (
      <>
        {x.reason} <span className="muted">({x.kind})</span>
      </>
    ),
  },
  {
    header: 'State',
    cell: (x) =>
      x.status === 'open' ? (
        <span className="chip warn">open</span>
      ) : (
        <span className="chip ok">resolved {formatTime(x.resolvedAt)}</span>
      ),
  },
  { header: 'Reservation', cell: (x) => (x.releasedUnits > 0 ? `released ${x.releasedUnits}` : 'kept') },
  {
    header: 'Channel',
    cell: (x) =>
      x.suppressed ? (x.status === 'open' ? `suppressed on ${x.channel}` : `was suppressed on ${x.channel}`) : '—',
  },
  { header: 'Since', cell: (x) => formatTime(x.receivedAt) },
  { header: 'ERP says', className: 'muted', cell: (x) => x.message || x.policy },
]
