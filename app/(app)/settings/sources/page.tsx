import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { SourceSettings } from '@/components/settings/sources-settings'

export const dynamic = 'force-dynamic'

export default async function SourceSettingsPage() {
  await requirePageUser('catalog:edit')
  return (
    <Suspense>
      <SourceSettings />
    </Suspense>
  )
}
