import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { SkuExplorer } from '@/components/skus/sku-explorer'

export const dynamic = 'force-dynamic'

export default async function SkusPage() {
  await requirePageUser('inventory:view')
  return (
    <Suspense>
      <SkuExplorer />
    </Suspense>
  )
}
