import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError, describeIssues } from '@/server/errors'
import { CatalogSearchSchema, searchCatalog } from '@/server/catalog/search-catalog'

export const dynamic = 'force-dynamic'

/** Catalogue search for the settings screen: one entity, substring `q`, keyset-paged on the server. */
export const GET = userRoute('catalog:edit', async ({ req }) => {
  const parsed = CatalogSearchSchema.safeParse(
    Object.fromEntries([...new URL(req.url).searchParams].filter(([, v]) => v !== '')),
  )
  if (!parsed.success)
    throw new ValidationError(
      `Invalid filter: ${describeIssues(parsed.error.issues, { sep: ' ' })}`,
      undefined,
      'INVALID_FILTER',
    )
  return json(await searchCatalog(prisma(), parsed.data))
})
