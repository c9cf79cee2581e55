import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listSources } from '@/server/sources/list-sources'

export const dynamic = 'force-dynamic'

/** GET /api/v1/sources: every source with its kind and settings; secrets never. */
export const GET = apiKeyRoute('read', async () => {
  const { items } = await listSources(prisma())
  return json({
    items: items.map(({ settingsProblems, ...s }) => (settingsProblems.length > 0 ? { ...s, settingsProblems } : s)),
  })
})
