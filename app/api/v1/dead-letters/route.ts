import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listDeadLetters, parseDeadLetterSort } from '@/server/dead-letters/list-dead-letters'
import { pageSize } from '@/server/paging/cursor'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) => {
  const q = new URL(req.url).searchParams
  const opt = (k: string) => q.get(k) || undefined
  return json(
    await listDeadLetters(prisma(), {
      kind: opt('kind'),
      status: opt('status'),
      sku: opt('sku'),
      channel: opt('channel'),
      code: opt('code'),
      sort: parseDeadLetterSort(opt('sort')),
      cursor: opt('cursor'),
      limit: pageSize(q.get('limit')),
    }),
  )
})
