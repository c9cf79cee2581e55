import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { UserSettings } from '@/components/settings/users-settings'

export const dynamic = 'force-dynamic'

export default async function UserSettingsPage() {
  await requirePageUser('users:manage')
  return (
    <Suspense>
      <UserSettings />
    </Suspense>
  )
}
