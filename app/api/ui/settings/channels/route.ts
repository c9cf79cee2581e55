import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listChannelSettings } from '@/server/settings/list-channel-settings'

export const dynamic = 'force-dynamic'

/** Channels as the settings screen edits them; credentials only as "set / last changed". */
export const GET = userRoute('channels:configure', async () => json(await listChannelSettings(prisma())))
