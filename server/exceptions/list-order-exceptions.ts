// Read model of ERP order exceptions (recorded by record-order-exceptions.ts) as the SKU page shows them.
import type { Db } from '../db'

export interface OrderExceptionView {
  id: string
  channel: string
  orderId: string
  reason: string
  kind: string
  status: string
  message: string
  skus: string[]
  releasedUnits: number
  suppressed: boolean
  policy: string
  source: string
  receivedAt: string
  resolvedAt: string | null
}

/** The SKU page's list: exceptions concerning a SKU, open first, newest first. */
export async function listOrderExceptionsForSku(db: Db, sku: string, limit = 50): Promise<OrderExceptionView[]> {
  const rows = await db.orderException.findMany({
    where: { skus: { has: sku }, kind: { not: 'resolved' } },
    orderBy: [{ status: 'asc' }, { receivedAt: 'desc' }],
    take: limit,
  })
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    orderId: r.orderId,
    reason: r.reason,
    kind: r.kind,
    status: r.status,
    message: r.message,
    skus: r.skus,
    releasedUnits: r.releasedUnits,
    suppressed: r.holdbackIds.length > 0,
    policy: String((r.policy as { from?: string }).from ?? ''),
    source: r.source,
    receivedAt: r.receivedAt.toISOString(),
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
  }))
}
