import type { Db } from '../db'

export async function storeInboundMessage(db: Db, m: { source: string; kind: string; transport: string; body: string; receivedAt: Date; contentType?: string }): Promise<string> {
  const row = await db.inboundMessage.create({
    data: { source: m.source, kind: m.kind, transport: m.transport, body: m.body, sizeBytes: Buffer.byteLength(m.body), receivedAt: m.receivedAt, contentType: m.contentType ?? 'application/json' },
    select: { id: true },
  })
  return row.id
}

export async function finishInboundMessage(db: Db, id: string, r: { source?: string; status: string; accepted?: number; duplicates?: number; rejected?: number; error?: string }): Promise<void> {
  await db.inboundMessage.update({ where: { id }, data: { ...(r.source ? { source: r.source } : {}), status: r.status, accepted: r.accepted ?? 0, duplicates: r.duplicates ?? 0, rejected: r.rejected ?? 0, error: r.error ?? null } })
}
