import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listApiKeys } from '@/server/auth/list-api-keys'

export const dynamic = 'force-dynamic'

/** API keys (prefix and state, never the key) and sources (signing secret state, never the secret). */
export const GET = userRoute('api-keys:manage', async () => json(await listApiKeys(prisma())))
