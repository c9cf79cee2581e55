import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { CatalogSearchSchema, searchCatalog } from '@/server/catalog/search-catalog'
import { parseFilter } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

/** Catalogue search for the settings screen: one entity, substring `q`, keyset-paged on the server. */
export const GET = userRoute('catalog:edit', async ({ req }) => {
  const query = parseFilter(req, CatalogSearchSchema)
  return json(await searchCatalog(prisma(), query))
})
