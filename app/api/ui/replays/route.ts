import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listPendingReplays } from '@/server/dead-letters/list-replay-requests'

export const dynamic = 'force-dynamic'

/** The approval queue: pending replay requests, oldest first, with who asked. */
export const GET = userRoute('dead-letters:view', async ({ user }) => json(await listPendingReplays(prisma(), user.id)))
