import { apiKeyRoute, json } from '@/app/_lib/api'
import { pageParams, textParams } from '@/app/_lib/query'
import { prisma } from '@/server/db'
import { listFindings } from '@/server/reconciliation/list-findings'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) =>
  json(await listFindings(prisma(), { ...textParams(req, ['status', 'kind', 'sku', 'channel']), ...pageParams(req) })),
)
