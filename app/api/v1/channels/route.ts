import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listChannels } from '@/server/channels/list-channels'

export const dynamic = 'force-dynamic'

/** GET /api/v1/channels: code, kind, mode, paused and base URL of every channel. */
export const GET = apiKeyRoute('read', async () => json(await listChannels(prisma())))
