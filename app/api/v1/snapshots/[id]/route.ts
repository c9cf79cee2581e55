import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { NotFoundError } from '@/server/errors'
import { pageSize } from '@/server/paging/cursor'
import { getSnapshot } from '@/server/reconciliation/snapshot-reads'

export const dynamic = 'force-dynamic'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const GET = apiKeyRoute<{ id: string }>('read', async ({ req, params }) => {
  if (!UUID.test(params.id)) throw new NotFoundError(`No snapshot ${params.id}.`)
  const url = new URL(req.url)
  return json(
    await getSnapshot(prisma(), params.id, {
      cursor: url.searchParams.get('cursor'),
      limit: pageSize(url.searchParams.get('limit'), 100),
    }),
  )
})
