import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listDeadLetters } from '@/server/dead-letters/list-dead-letters'
import { parseDeadLetterQuery } from './query'

export const dynamic = 'force-dynamic'

export const GET = userRoute('dead-letters:view', async ({ req }) =>
  json(await listDeadLetters(prisma(), parseDeadLetterQuery(req))),
)
