import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { listChannelCodes, listSkuCategories } from '@/server/rules/rule-vocabulary'
import { HoldbacksScreen } from '@/components/rules/holdbacks-screen'

export const dynamic = 'force-dynamic'

export default async function HoldbacksPage() {
  const user = await requirePageUser('rules:view')
  const db = prisma()
  const [channels, categories] = await Promise.all([listChannelCodes(db), listSkuCategories(db)])
  return (
    <Suspense>
      <HoldbacksScreen canEdit={can(user.role, 'holdbacks:edit')} channels={channels} categories={categories} />
    </Suspense>
  )
}
