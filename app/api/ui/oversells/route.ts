import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listOversells } from '@/server/reconciliation/list-oversells'
import { parseOversellQuery } from './query'

export const dynamic = 'force-dynamic'

export const GET = userRoute('findings:view', async ({ req }) =>
  json(await listOversells(prisma(), parseOversellQuery(req))),
)
