import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { ApiKeySettings } from '@/components/settings/api-keys-settings'

export const dynamic = 'force-dynamic'

export default async function ApiKeySettingsPage() {
  await requirePageUser('api-keys:manage')
  return (
    <Suspense>
      <ApiKeySettings />
    </Suspense>
  )
}
