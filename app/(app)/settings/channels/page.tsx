import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { ChannelSettings } from '@/components/settings/channels-settings'

export const dynamic = 'force-dynamic'

export default async function ChannelSettingsPage() {
  await requirePageUser('channels:configure')
  return (
    <Suspense>
      <ChannelSettings />
    </Suspense>
  )
}
