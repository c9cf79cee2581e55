import { apiKeyRoute, json } from '@/app/_lib/api'
import { pageParams, textParams } from '@/app/_lib/query'
import { prisma } from '@/server/db'
import { listDeadLetters, parseDeadLetterSort } from '@/server/dead-letters/list-dead-letters'

export const dynamic = 'force-dynamic'

export const GET = apiKeyRoute('read', async ({ req }) => {
  const { sort, ...filters } = textParams(req, ['kind', 'status', 'sku', 'channel', 'code', 'sort'])
  return json(await listDeadLetters(prisma(), { ...filters, sort: parseDeadLetterSort(sort), ...pageParams(req) }))
})
