import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { ChannelDetail } from '@/components/channels/channel-detail'

export const dynamic = 'force-dynamic'

export default async function ChannelPage({ params }: { params: Promise<{ code: string }> }) {
  const user = await requirePageUser('channels:view')
  const { code } = await params
  return (
    <ChannelDetail
      code={decodeURIComponent(code)}
      can={{ pause: can(user.role, 'channels:pause'), configure: can(user.role, 'channels:configure') }}
    />
  )
}
