import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listSources } from '@/server/sources/list-sources'

export const dynamic = 'force-dynamic'

/** Sources as Settings edits them; signing secrets only as "set". */
export const GET = userRoute('catalog:edit', async () => json(await listSources(prisma())))
