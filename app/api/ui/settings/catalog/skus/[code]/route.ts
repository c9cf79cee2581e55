import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { getCatalogSku } from '@/server/catalog/search-catalog'

export const dynamic = 'force-dynamic'

/** One SKU as the catalogue screen edits it, with its kit components and the kits it is part of. */
export const GET = userRoute<{ code: string }>('catalog:edit', async ({ params }) =>
  json(await getCatalogSku(prisma(), params.code)),
)
