import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listFindings } from '@/server/reconciliation/list-findings'
import { parseFindingQuery } from './query'

export const dynamic = 'force-dynamic'

export const GET = userRoute('findings:view', async ({ req }) =>
  json(await listFindings(prisma(), parseFindingQuery(req))),
)
