'use client'
// ERP order exceptions on the SKU page: orders of this SKU a system of record rejected or held, the
// reason, and what the policy did (reservation released or kept, suppressed on which channel).
// Self-contained: it fetches its own data and refreshes with the page's listing pushes.
import { useQuery } from '@tanstack/react-query'
import type { OrderExceptionView } from '@/server/exceptions/list-order-exceptions'
import { useRealtime } from '@/components/realtime/use-realtime'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatTime } from '@/components/ui/format'

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
      <table className="data">
        <thead>
          <tr>
            <th>Order</th>
            <th>Reason</th>
            <th>State</th>
            <th>Reservation</th>
            <th>Channel</th>
            <th>Since</th>
            <th>ERP says</th>
          </tr>
        </thead>
        <tbody>
          {items.map((x) => (
            <tr key={x.id} data-testid={`order-exception-${x.channel}-${x.orderId}`}>
              <td className="mono">
                {x.channel}:{x.orderId}
              </td>
              <td>
                {x.reason} <span className="muted">({x.kind})</span>
              </td>
              <td>
                {x.status === 'open' ? (
                  <span className="chip warn">open</span>
                ) : (
                  <span className="chip ok">resolved {formatTime(x.resolvedAt)}</span>
                )}
              </td>
              <td>{x.releasedUnits > 0 ? `released ${x.releasedUnits}` : 'kept'}</td>
              <td>
                {x.suppressed
                  ? x.status === 'open'
                    ? `suppressed on ${x.channel}`
                    : `was suppressed on ${x.channel}`
                  : '—'}
              </td>
              <td>{formatTime(x.receivedAt)}</td>
              <td className="muted">{x.message || x.policy}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
