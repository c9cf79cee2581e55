import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listOversells } from '@/server/reconciliation/list-oversells'
import { pageSize } from '@/server/paging/cursor'

export const dynamic = 'force-dynamic'

const WINDOWS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }

export const GET = userRoute('findings:view', async ({ req }) => {
  const q = new URL(req.url).searchParams
  const opt = (k: string) => q.get(k) || undefined
  const window = WINDOWS[q.get('window') ?? '']
  return json(await listOversells(prisma(), {
    channel: opt('channel'), kind: opt('kind'), sku: opt('sku'), cause: opt('cause'), since: window ? new Date(Date.now() - window) : undefined,
    cursor: opt('cursor'), limit: pageSize(q.get('limit')),
  }))
})
