import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getCutover } from '@/server/ownership/get-cutover'

export const dynamic = 'force-dynamic'

/** Owners per location, scheduled switches, and each shadow source's differences with their trend. */
export const GET = userRoute('ownership:view', async () => json(await getCutover(prisma())))
