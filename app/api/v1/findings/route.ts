import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listFindings } from '@/server/reconciliation/list-findings'
import { pageSize } from '@/server/paging/cursor'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) => {
  const q = new URL(req.url).searchParams
  const opt = (k: string) => q.get(k) || undefined
  return json(
    await listFindings(prisma(), {
      status: opt('status'),
      kind: opt('kind'),
      sku: opt('sku'),
      channel: opt('channel'),
      cursor: opt('cursor'),
      limit: pageSize(q.get('limit')),
    }),
  )
})
