import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getChannelHealthDetail } from '@/server/metrics/get-channel-health-detail'

export const dynamic = 'force-dynamic'

/** The channel's health verdict (the same as the dashboard's) and its lag percentiles per minute. */
export const GET = userRoute<{ code: string }>('channels:view', async ({ req, params }) => {
  const hours = Number(new URL(req.url).searchParams.get('hours') ?? 1)
  return json(
    await getChannelHealthDetail(prisma(), decodeURIComponent(params.code), {
      hours: Number.isFinite(hours) ? hours : 1,
    }),
  )
})
