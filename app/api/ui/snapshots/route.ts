import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listSnapshots } from '@/server/reconciliation/snapshot-reads'
import { pageSize } from '@/server/paging/cursor'

export const dynamic = 'force-dynamic'

/** Recent ERP snapshots with their reconciliation progress. */
export const GET = userRoute('findings:view', async ({ req }) => {
  const q = new URL(req.url).searchParams
  return json(
    await listSnapshots(prisma(), {
      cursor: q.get('cursor') || undefined,
      source: q.get('source') || undefined,
      limit: pageSize(q.get('limit'), 20),
    }),
  )
})
