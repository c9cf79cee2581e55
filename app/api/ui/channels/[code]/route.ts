import { json, pathCode, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getChannelOps } from '@/server/channels/channel-ops'

export const dynamic = 'force-dynamic'

export const GET = userRoute<{ code: string }>('channels:view', async ({ req, params }) => {
  const hours = Number(new URL(req.url).searchParams.get('hours') ?? 1)
  return json(await getChannelOps(prisma(), pathCode(params.code), { hours: Number.isFinite(hours) ? hours : 1 }))
})
