import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listChannelSettings } from '@/server/channels/list-channel-settings'

export const dynamic = 'force-dynamic'

/** Channels as the settings screen edits them; credentials only as "set / last changed". */
export const GET = userRoute('channels:configure', async () => json(await listChannelSettings(prisma())))
