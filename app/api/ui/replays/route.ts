import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'

export const dynamic = 'force-dynamic'

/** The approval queue: pending replay requests, oldest first, with who asked. */
export const GET = userRoute('dead-letters:view', async ({ user }) => {
  const rows = await prisma().replayRequest.findMany({ where: { status: 'pending' }, orderBy: { createdAt: 'asc' }, take: 100 })
  const users = await prisma().user.findMany({ where: { id: { in: rows.map((r) => r.requestedById) } }, select: { id: true, email: true } })
  return json({
    items: rows.map((r) => ({
      id: r.id, note: r.note, createdAt: r.createdAt.toISOString(), impact: r.impact, deadLetters: r.deadLetterIds.length,
      requestedBy: users.find((u) => u.id === r.requestedById)?.email ?? 'unknown', mine: r.requestedById === user.id,
    })),
  })
})
