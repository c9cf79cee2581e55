import type { Db } from '../db'

export async function recordIngestDeadLetters(
  db: Db, inboundMessageId: string | null, source: string | null,
  rejections: Array<{ index: number; code: string; message: string; raw: unknown; sku?: string | null }>,
): Promise<void> {
  if (rejections.length === 0) return
  const now = new Date()
  await db.deadLetter.createMany({
    data: rejections.map((r) => ({
      kind: 'ingest' as const,
      code: r.code,
      reason: r.message,
      source,
      sku: r.sku ?? null,
      inboundMessageId,
      payload: { index: r.index, event: (r.raw ?? null) as never },
      firstSeenAt: now,
      lastSeenAt: now,
    })),
  })
}
