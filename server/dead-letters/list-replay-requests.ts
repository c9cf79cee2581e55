// The approval queue of four-eyes replays: pending requests, oldest first, with who asked and
// whether the viewer asked (a requester may not approve their own).
import type { Db } from '../db'

export interface PendingReplay {
  id: string
  note: string | null
  createdAt: string
  impact: unknown
  deadLetters: number
  requestedBy: string
  mine: boolean
}

export async function listPendingReplays(db: Db, viewerId: string, limit = 100): Promise<{ items: PendingReplay[] }> {
  const rows = await db.replayRequest.findMany({
    where: { status: 'pending' },
    orderBy: { createdAt: 'asc' },
    take: limit,
  })
  const users = await db.user.findMany({
    where: { id: { in: rows.map((r) => r.requestedById) } },
    select: { id: true, email: true },
  })
  return {
    items: rows.map((r) => ({
      id: r.id,
      note: r.note,
      createdAt: r.createdAt.toISOString(),
      impact: r.impact,
      deadLetters: r.deadLetterIds.length,
      requestedBy: users.find((u) => u.id === r.requestedById)?.email ?? 'unknown',
      mine: r.requestedById === viewerId,
    })),
  }
}
