import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { HoldbacksScreen } from '@/components/rules/holdbacks-screen'

export const dynamic = 'force-dynamic'

export default async function HoldbacksPage() {
  const user = await requirePageUser('rules:view')
  const db = prisma()
  const [channels, categories] = await Promise.all([
    db.channel.findMany({ orderBy: { code: 'asc' }, select: { code: true } }),
    db.$queryRawUnsafe<Array<{ category: string }>>(`SELECT DISTINCT category FROM "Sku" WHERE active AND category IS NOT NULL ORDER BY category LIMIT 500`),
  ])
  return (
    <Suspense>
      <HoldbacksScreen canEdit={can(user.role, 'holdbacks:edit')} channels={channels.map((c) => c.code)} categories={categories.map((c) => c.category)} />
    </Suspense>
  )
}
