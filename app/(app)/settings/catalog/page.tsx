import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { CatalogSettings } from '@/components/settings/catalog-settings'

export const dynamic = 'force-dynamic'

export default async function CatalogSettingsPage() {
  await requirePageUser('catalog:edit')
  return (
    <Suspense>
      <CatalogSettings />
    </Suspense>
  )
}
